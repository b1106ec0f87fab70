package io.relaxsd.examples.vae;

import java.util.Map;

/**
 * Per-estimator defaults for the categorical VAE, from the ReinMax paper's tuned table (8x16):
 * learning rate, temperature and optimiser. Estimators not in the table get lr 1e-3, τ 1.0, Adam.
 * {@code reinmax-cv}'s τ is its control variate's (its ReinMax term runs at τ_RM = 1): 1.3, the best of
 * τ ∈ {0.7, 1.0, 1.3} × η ∈ {0.5, 1.5} by training −ELBO after 2 epochs at 8x4 and 8x16
 * ({@code docs/beyond-reinmax.md}); the library's η = 0.5 won there too.
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

    public static EstimatorDefaults of(String estimator) {
        return TABLE.getOrDefault(estimator, OTHERS);
    }

    /** True if the estimator has an entry in the paper's table. */
    public static boolean tuned(String estimator) {
        return TABLE.containsKey(estimator);
    }
}
