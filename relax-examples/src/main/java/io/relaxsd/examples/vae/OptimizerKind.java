package io.relaxsd.examples.vae;

import io.relaxsd.train.FusedAdam;
import io.relaxsd.train.RAdam;
import java.util.Locale;
import org.nd4j.linalg.learning.config.IUpdater;

/** The optimisers the VAE offers; both with β = (0.9, 0.999), ε = 1e-8 (PyTorch's defaults). */
public enum OptimizerKind {
    RADAM, ADAM;

    public IUpdater create(double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, got " + learningRate);
        }
        return this == RADAM ? new RAdam(learningRate) : new FusedAdam(learningRate, 0.9, 0.999, 1e-8);
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OptimizerKind parse(String s) {
        for (OptimizerKind k : values()) {
            if (k.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("optimizer must be radam or adam, got '" + s + "'");
    }
}
