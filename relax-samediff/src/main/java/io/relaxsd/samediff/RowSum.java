package io.relaxsd.samediff;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row sums that work for every width. In ND4J 1.0.0-M2.1 a SameDiff reduction along a dimension
 * of size 1 ({@code x.sum(1)} on {@code [N, 1]}) fails with a NullPointerException inside the op;
 * one Bernoulli variable or a one-dimensional target is exactly that case.
 */
public final class RowSum {
    private RowSum() {
    }

    /** Σ over the last dimension of {@code x} {@code [N, width]}: {@code [N]}. */
    public static SDVariable of(SDVariable x, long width) {
        if (width > 1) {
            return x.sum(1);
        }
        return x.getSameDiff().reshape(x, -1);
    }

    /** The same as a column {@code [N, 1]}, via a product with ones (safe for width 1). */
    public static SDVariable column(SDVariable x, long width, DataType dt) {
        return x.mmul(x.getSameDiff().constant(Nd4j.ones(dt, width, 1)));
    }
}
