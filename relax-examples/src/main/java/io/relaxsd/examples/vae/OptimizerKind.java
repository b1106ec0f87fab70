package io.relaxsd.examples.vae;

import io.relaxsd.train.FusedAdam;
import io.relaxsd.train.RAdam;
import java.util.Locale;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The optimisers the VAE offers: {@code radam} and {@code adam} with β = (0.9, 0.999), ε = 1e-8
 * (PyTorch's defaults), and {@code adam-relax}, Adam with β = (0.9, 0.99999), ε = 1e-8, the model's
 * optimiser in the official RELAX VAE code ({@code binary_vae_multilayer_per_layer.py}).
 */
public enum OptimizerKind {
    RADAM, ADAM, ADAM_RELAX;

    /** β2 of {@link #ADAM_RELAX}. */
    public static final double RELAX_BETA2 = 0.99999;

    public IUpdater create(double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, got " + learningRate);
        }
        return switch (this) {
            case RADAM -> new RAdam(learningRate);
            case ADAM -> new FusedAdam(learningRate, 0.9, 0.999, 1e-8);
            case ADAM_RELAX -> new FusedAdam(learningRate, 0.9, RELAX_BETA2, 1e-8);
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static OptimizerKind parse(String s) {
        for (OptimizerKind k : values()) {
            if (k.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("optimizer must be radam or adam, or adam-relax; got '" + s + "'");
    }
}
