package io.relaxsd.examples.bench;

import io.relaxsd.examples.vae.VaeSetup;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Wall-clock times of individual steps, summarised robustly (median, p90). */
record StepTimes(double[] millis) {

    static StepTimes of(double[] millis) {
        if (millis.length == 0) {
            throw new IllegalArgumentException("no steps timed");
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new StepTimes(sorted);
    }

    double median() {
        return quantile(0.5);
    }

    double p90() {
        return quantile(0.9);
    }

    double mean() {
        return Arrays.stream(millis).average().orElseThrow();
    }

    /**
     * The bench's JSON keys every mode shares, for these times of {@code estimator}'s step of
     * {@code stepFlops} FLOP (roofline against {@code gemmFlops} FLOP/s); callers add their own.
     */
    Map<String, Object> record(String estimator, VaeSetup setup, int batch, int threads, int steps, double stepFlops,
                               double gemmFlops) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimator", estimator);
        m.put("latent", setup.binary() ? setup.id() : setup.categories() + "x" + setup.variables());
        m.put("batch", batch);
        m.put("threads", threads);
        m.put("steps", steps);
        m.put("steps_per_sec", 1000.0 / mean());
        m.put("samples_per_sec", 1000.0 * batch / mean());
        m.put("ms_per_step_median", median());
        m.put("ms_per_step_p90", p90());
        m.put("roofline_fraction", stepFlops / (median() / 1000.0) / gemmFlops);
        return m;
    }

    /** Linear interpolation between order statistics. */
    double quantile(double q) {
        double pos = q * (millis.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(millis.length - 1, lo + 1);
        return millis[lo] + (pos - lo) * (millis[hi] - millis[lo]);
    }
}
