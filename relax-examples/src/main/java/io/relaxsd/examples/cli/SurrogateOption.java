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
        requireRelax("--surrogate", estimators);
        try {
            return EstimatorConfig.SurrogateKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage());
        }
    }

    /** Fails with a one-line message when none of {@code estimators} is RELAX ({@code option} would do nothing). */
    static void requireRelax(String option, List<String> estimators) {
        boolean relax = estimators.stream().anyMatch(e -> e.trim().toLowerCase(Locale.ROOT).equals("relax")
                || e.trim().equalsIgnoreCase("all"));
        if (!relax) {
            throw new IllegalArgumentException(option + " applies to relax only, and --estimator does not name it");
        }
    }

    /**
     * The surrogate options of {@code vae} on RELAX's builder; null leaves a field at its default.
     * Without {@code --pretrain-steps} ({@code defaultPretraining}), a surrogate that takes a
     * context pre-trains 1000 steps, as the official VAE code pre-trains its Q network.
     */
    static void apply(EstimatorConfig.Builder b, EstimatorConfig.SurrogateKind kind, int[] widths, String activation,
                      Double weightDecay, boolean defaultPretraining) {
        if (kind != null) {
            b.surrogate(kind);
            if (defaultPretraining && kind.takesContext()) {
                b.pretrainSteps(OFFICIAL_PRETRAIN_STEPS);
            }
        }
        if (widths != null) {
            b.surrogateWidths(widths);
        }
        if (activation != null) {
            try {
                b.surrogateActivation(EstimatorConfig.Activation.parse(activation));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--surrogate-activation: unknown value '" + activation
                        + "'; known: tanh, relu");
            }
        }
        if (weightDecay != null) {
            b.surrogateWeightDecay(weightDecay);
        }
    }

    /** Steps of Q pre-training in the official RELAX VAE code. */
    static final int OFFICIAL_PRETRAIN_STEPS = 1000;
}
