package io.relaxsd.examples.vae;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One epoch's numbers: train −ELBO (running mean over the epoch's steps, hard sample), test −ELBO
 * (single sample, the whole test set), wall seconds of the training steps and training samples per
 * second. {@code gradientVariance} is NaN unless the estimator reports one. The held-out validation
 * −ELBO ({@code --validation-size}) and the −IWAE_k bounds ({@code --iwae}, {@link IwaeBound}) of
 * the test and validation sets are NaN when not evaluated that epoch.
 */
public record EpochMetrics(int epoch, double trainNelbo, double testNelbo, double seconds, double samplesPerSec,
                           long steps, double gradientVariance, double validationNelbo, double testIwae,
                           double validationIwae) {

    /** Without validation set and IWAE bound. */
    public EpochMetrics(int epoch, double trainNelbo, double testNelbo, double seconds, double samplesPerSec,
                        long steps, double gradientVariance) {
        this(epoch, trainNelbo, testNelbo, seconds, samplesPerSec, steps, gradientVariance, Double.NaN, Double.NaN,
                Double.NaN);
    }

    /** The per-epoch JSON object of {@code --json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("train_nelbo", trainNelbo);
        m.put("test_nelbo", testNelbo);
        putIfKnown(m, "validation_nelbo", validationNelbo);
        putIfKnown(m, "test_iwae", testIwae);
        putIfKnown(m, "validation_iwae", validationIwae);
        m.put("seconds", seconds);
        m.put("samples_per_sec", samplesPerSec);
        m.put("steps", steps);
        putIfKnown(m, "gradient_variance", gradientVariance);
        return m;
    }

    /**
     * The epoch with the best validation score, as the RELAX paper keeps its checkpoint: the lowest
     * −IWAE bound on the validation set where it was evaluated, else the lowest validation −ELBO;
     * null without a validation set.
     */
    public static EpochMetrics bestValidation(List<EpochMetrics> history) {
        boolean byIwae = history.stream().anyMatch(m -> Double.isFinite(m.validationIwae()));
        EpochMetrics best = null;
        for (EpochMetrics m : history) {
            double v = byIwae ? m.validationIwae() : m.validationNelbo();
            if (Double.isFinite(v) && (best == null || v < (byIwae ? best.validationIwae() : best.validationNelbo()))) {
                best = m;
            }
        }
        return best;
    }

    /** Summary fields of the best validation epoch ({@link #bestValidation}); empty without one. */
    public static Map<String, Object> bestValidationSummary(List<EpochMetrics> history) {
        Map<String, Object> m = new LinkedHashMap<>();
        EpochMetrics b = bestValidation(history);
        if (b != null) {
            m.put("best_validation_epoch", b.epoch());
            m.put("best_validation_nelbo", b.validationNelbo());
            putIfKnown(m, "best_validation_iwae", b.validationIwae());
            m.put("test_nelbo_at_best_validation", b.testNelbo());
            putIfKnown(m, "test_iwae_at_best_validation", b.testIwae());
        }
        return m;
    }

    private static void putIfKnown(Map<String, Object> m, String key, double v) {
        if (!Double.isNaN(v)) {
            m.put(key, v);
        }
    }
}
