package io.relaxsd.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/** Applying an updater's step to a parameter. */
public final class Updates {
    private Updates() {
    }

    /**
     * θ ← θ − update(g) in place. For this package's Adam family ({@link RAdam}, {@link FusedAdam})
     * on the CPU that is one pass over the parameter, its gradient and the moments; for other
     * updaters it is {@code applyUpdater} followed by a subtraction. Either way {@code gradient} is
     * consumed: its contents afterwards are unspecified.
     *
     * @param gradient same length as {@code param} (any shape)
     */
    public static void descend(GradientUpdater<?> updater, INDArray param, INDArray gradient, int iteration,
                               int epoch) {
        if (gradient.length() != param.length()) {
            throw new IllegalArgumentException("gradient has " + gradient.length() + " entries, parameter has "
                    + param.length());
        }
        if (updater instanceof MomentsUpdater moments) {
            moments.descend(param, gradient, iteration, epoch);
            return;
        }
        INDArray flat = gradient.reshape(gradient.length());
        updater.applyUpdater(flat, iteration, epoch);
        param.subi(flat.reshape(param.shape()));
    }
}
