package io.relaxsd.examples.vae;

import java.util.Map;

/**
 * Per-estimator defaults for the categorical VAE, from the ReinMax paper's tuned table (8x16):
 * learning rate, temperature and optimiser. Estimators not in the table get lr 1e-3, τ 1.0, Adam.
 * {@code reinmax-cv}'s τ is its control variate's (its ReinMax term runs at τ_RM = 1): 1.3, the best of
 * τ ∈ {0.7, 1.0, 1.3} × η ∈ {0.5, 1.5} by training −ELBO after 2 epochs at 8x4 and 8x16
 * ({@code docs/beyond-reinmax.md}); the library's η = 0.5 won there too.
 *
 * <p>Binary setups ({@link #of(String, VaeSetup)}) follow the RELAX paper's protocol and official
 * code instead, for every estimator: Adam with β2 = 0.99999 ({@link OptimizerKind#ADAM_RELAX}) at
 * lr {@value #BINARY_LEARNING_RATE} (the larger of the paper's {5e-4, 1e-3}: the budget here is a few
 * epochs, against the paper's 2 M steps), batch {@value #BINARY_BATCH}; REBAR and RELAX start at
 * λ = 0.5 and η = 1 (the official {@code log_temperature} = log 0.5 and {@code eta} = 1); other
 * estimators keep their τ.
 *
 * @param learningRate default lr
 * @param temperature  default τ
 * @param optimizer    default optimiser
 */
public record EstimatorDefaults(double learningRate, double temperature, OptimizerKind optimizer) {
    private static final EstimatorDefaults OTHERS = new EstimatorDefaults(1e-3, 1.0, OptimizerKind.ADAM);
    private static final Map<String, EstimatorDefaults> TABLE = Map.of(
            "reinmax", new EstimatorDefaults(7e-4, 1.5, OptimizerKind.RADAM),
            "st", new EstimatorDefaults(1e-3, 1.5, OptimizerKind.RADAM),
            "st-gumbel-softmax", new EstimatorDefaults(5e-4, 0.5, OptimizerKind.RADAM),
            "gumbel-rao", new EstimatorDefaults(7e-4, 0.7, OptimizerKind.RADAM),
            "reinmax-rao", new EstimatorDefaults(5e-4, 1.0, OptimizerKind.RADAM),
            "reinmax-cv", new EstimatorDefaults(5e-4, 1.3, OptimizerKind.RADAM));

    /** Binary setups: the model's learning rate. */
    public static final double BINARY_LEARNING_RATE = 1e-3;
    /** Binary setups: the batch size (RELAX paper, App. C). */
    public static final int BINARY_BATCH = 24;
    /** Binary setups: REBAR's and RELAX's initial λ (official code). */
    public static final double BINARY_REBAR_TEMPERATURE = 0.5;
    /** Binary setups: REBAR's and RELAX's initial η (official code). */
    public static final double BINARY_REBAR_ETA = 1.0;

    public static EstimatorDefaults of(String estimator) {
        return TABLE.getOrDefault(estimator, OTHERS);
    }

    /** The defaults of {@code estimator} on {@code setup}: {@link #of(String)}, or the binary protocol. */
    public static EstimatorDefaults of(String estimator, VaeSetup setup) {
        if (!setup.binary()) {
            return of(estimator);
        }
        double tau = rebarFamily(estimator) ? BINARY_REBAR_TEMPERATURE : of(estimator).temperature();
        return new EstimatorDefaults(BINARY_LEARNING_RATE, tau, OptimizerKind.ADAM_RELAX);
    }

    /** The initial η of {@code estimator} on {@code setup}, or NaN for the library's default. */
    public static double eta(String estimator, VaeSetup setup) {
        return setup.binary() && rebarFamily(estimator) ? BINARY_REBAR_ETA : Double.NaN;
    }

    private static boolean rebarFamily(String estimator) {
        return estimator.equals("rebar") || estimator.equals("relax");
    }

    /** True if the estimator has an entry in the paper's table. */
    public static boolean tuned(String estimator) {
        return TABLE.containsKey(estimator);
    }
}
