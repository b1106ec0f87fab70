package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.List;
import java.util.Locale;

/** The {@code --surrogate} option of {@code vae} and {@code bench}: RELAX's surrogate. */
final class SurrogateOption {
    private SurrogateOption() {
    }

    /**
     * The surrogate kind named by {@code value}; fails with a one-line message for an unknown value
     * or when none of {@code estimators} is RELAX (the option would do nothing).
     */
    static EstimatorConfig.SurrogateKind parse(String value, List<String> estimators) {
        boolean relax = estimators.stream().anyMatch(e -> e.trim().toLowerCase(Locale.ROOT).equals("relax")
                || e.trim().equalsIgnoreCase("all"));
        if (!relax) {
            throw new IllegalArgumentException("--surrogate applies to relax only, and --estimator does not name it");
        }
        try {
            return EstimatorConfig.SurrogateKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage());
        }
    }
}
