package io.relaxsd.examples.vae;

import java.util.Map;

/**
 * Per-estimator defaults for the categorical VAE, from the ReinMax paper's tuned table (8x16):
 * learning rate, temperature and optimiser. Estimators not in the table get lr 1e-3, τ 1.0, Adam.
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
            "reinmax-cv", new EstimatorDefaults(5e-4, 1.0, OptimizerKind.RADAM));

    public static EstimatorDefaults of(String estimator) {
        return TABLE.getOrDefault(estimator, OTHERS);
    }

    /** True if the estimator has an entry in the paper's table. */
    public static boolean tuned(String estimator) {
        return TABLE.containsKey(estimator);
    }
}
