package io.relaxsd.examples.bench;

import java.util.Arrays;

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

    /** Linear interpolation between order statistics. */
    double quantile(double q) {
        double pos = q * (millis.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(millis.length - 1, lo + 1);
        return millis[lo] + (pos - lo) * (millis[hi] - millis[lo]);
    }
}
