package io.relaxsd.estimator;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.custom.BitCast;

/**
 * Stop-gradient, the one primitive every estimator's backward pass is built from (notes §1).
 *
 * <p>{@link #sg} cuts the graph instead of using SameDiff's {@code StopGradient} op. That op
 * returns zeros as its input's gradient, but SameDiff 1.0.0-M2.1 still differentiates everything
 * upstream of it and multiplies those zeros through (measured: 5 of the 12 ms of Gumbel-Rao's node
 * gradient at K = 10, mostly broadcast {@code multiply_bp}). SameDiff's autodiff follows
 * floating-point variables only, so a lossless round trip through an integer type of the same
 * width ({@code bitcast}) removes the sub-graph above it from the backward pass. The price is two
 * copies of {@code x} in the forward pass.
 */
final class Sg {
    private Sg() {
    }

    /**
     * Forward: {@code x}, bit for bit. Backward: nothing; the graph above {@code x} is not
     * differentiated. A constant, or the output of an op without floating-point inputs (a one-hot of an
     * arg-max, another stop-gradient), is returned as it is: autodiff cannot reach above it anyway.
     */
    static SDVariable sg(SDVariable x) {
        DataType type = x.dataType();
        DataType integer = sameWidthInteger(type);      // refuses a non-floating x, cut or not
        if (alreadyCut(x)) {
            return x;
        }
        return bitCast(bitCast(x, integer), type);
    }

    private static boolean alreadyCut(SDVariable x) {
        if (x.getVariableType() == VariableType.CONSTANT) {
            return true;
        }
        if (x.getVariableType() != VariableType.ARRAY) {
            return false;          // a variable, or a placeholder whose gradient may be requested
        }
        DifferentialFunction op = x.getSameDiff().getVariableOutputOp(x.name());
        for (SDVariable in : op.args()) {
            if (in.dataType().isFPType() && in.getVariableType() != VariableType.CONSTANT) {
                return false;
            }
        }
        return true;
    }

    /** Forward: zero. Backward: identity. {@code x − sg(x)}, the carrier of a custom Jacobian. */
    static SDVariable zeroWithGrad(SDVariable x) {
        return x.sub(sg(x));
    }

    /**
     * Forward: {@code value}. Backward: the Jacobian of {@code surrogate}. This is the
     * straight-through composition {@code sg(value) + surrogate − sg(surrogate)}.
     */
    static SDVariable forwardWithGradOf(SDVariable value, SDVariable surrogate) {
        return sg(value).add(zeroWithGrad(surrogate));
    }

    private static DataType sameWidthInteger(DataType floating) {
        switch (floating) {
            case DOUBLE:
                return DataType.INT64;
            case FLOAT:
                return DataType.INT32;
            case HALF:
            case BFLOAT16:
                return DataType.INT16;
            default:
                throw new IllegalArgumentException("stop-gradient needs a floating-point variable, got " + floating);
        }
    }

    private static SDVariable bitCast(SDVariable x, DataType to) {
        SameDiff sd = x.getSameDiff();
        BitCast op = new BitCast(sd, x, sd.constant(to.toInt()));
        op.addIArgument(to.toInt());      // the Java op takes its output type from here, libnd4j from either
        return op.outputVariable();
    }
}
