package io.relaxsd.examples.vae;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch's numbers: train −ELBO (running mean over the epoch's steps, hard sample), test −ELBO
 * (single sample, the whole test set), wall seconds of the training steps and training samples per
 * second. {@code gradientVariance} is NaN unless the estimator reports one.
 */
public record EpochMetrics(int epoch, double trainNelbo, double testNelbo, double seconds, double samplesPerSec,
                           long steps, double gradientVariance) {

    /** The per-epoch JSON object of {@code --json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("train_nelbo", trainNelbo);
        m.put("test_nelbo", testNelbo);
        m.put("seconds", seconds);
        m.put("samples_per_sec", samplesPerSec);
        m.put("steps", steps);
        if (!Double.isNaN(gradientVariance)) {
            m.put("gradient_variance", gradientVariance);
        }
        return m;
    }
}
