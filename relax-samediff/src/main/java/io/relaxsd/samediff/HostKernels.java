package io.relaxsd.samediff;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.shape.Shape;

/**
 * Java loops for the few libnd4j kernels of a replayed MLP step that run far below memory speed on
 * the CPU backend (1.0.0-M2.1, one thread, {@code [100, 512]} FLOAT, timed op by op inside a VAE
 * step while other jobs loaded the machine): {@code thresholdedrelu_bp} (ReLU's backward, 1.8–2.8 ms),
 * {@code reduce_sum} over the rows of a matrix (a bias gradient, 0.45–0.6 ms) and {@code relu}
 * (0.2–0.3 ms), and a whole-array {@code reduce_sum} (0.3–0.45 ms for {@code [100, 784]}). Each loop
 * copies its operands to heap arrays once, runs branch-free, and copies the result back.
 *
 * <p>{@link RecordedGraph} asks {@link #of} for every op it records; a kernel is used only if the
 * recording's own check (the op's result and the kernel's on the same recorded inputs, equal within
 * float rounding) passed, and each call falls back to the op itself if an operand is not a dense
 * FLOAT array in c order (a fed view, say).
 */
final class HostKernels {
    private HostKernels() {
    }

    /** A Java kernel computing what {@code op} computes on the arrays of {@code context}, or null. */
    static Kernel of(DifferentialFunction op, OpContext context) {
        if (!Nd4j.getEnvironment().isCPU() || context == null) {
            return null;
        }
        if (op instanceof ThresholdReluBp t && context.numInputArguments() == 2 && t.tArgs().length == 1) {
            float cutoff = (float) t.tArgs()[0];
            return sameShape(context, 2) ? new ReluBackward(context, cutoff) : null;
        }
        if (op instanceof RectifiedLinear r && context.numInputArguments() == 1 && r.scalar() != null
                && r.scalar().getDouble(0) == 0.0) {
            return sameShape(context, 1) ? new Relu(context) : null;
        }
        if (op instanceof Sum s && context.numInputArguments() == 1 && isRowSum(s, context)) {
            return new ColumnSums(context);
        }
        if (op instanceof Sum s && context.numInputArguments() == 1 && isTotal(s, context)) {
            return new Total(context);
        }
        return null;
    }

    /** A replacement for one recorded op: {@link #run} returns false if it could not run (the op runs instead). */
    abstract static class Kernel {
        final OpContext context;
        float[] a = new float[0];
        float[] b = new float[0];

        Kernel(OpContext context) {
            this.context = context;
        }

        abstract boolean run();

        float[] a(int n) {
            if (a.length < n) {
                a = new float[n];
            }
            return a;
        }

        float[] b(int n) {
            if (b.length < n) {
                b = new float[n];
            }
            return b;
        }
    }

    /** out = in > cutoff ? ε : 0, inputs (in, ε). */
    private static final class ReluBackward extends Kernel {
        private final float cutoff;

        ReluBackward(OpContext context, float cutoff) {
            super(context);
            this.cutoff = cutoff;
        }

        @Override
        boolean run() {
            INDArray in = context.getInputArray(0);
            INDArray eps = context.getInputArray(1);
            INDArray out = context.getOutputArray(0);
            if (!dense(in) || !dense(eps) || !dense(out)) {
                return false;
            }
            int n = (int) in.length();
            float[] x = a(n);
            float[] e = b(n);
            floats(in).get(0, x, 0, n);
            floats(eps).get(0, e, 0, n);
            if (cutoff == 0f) {
                for (int k = 0; k < n; k++) {
                    e[k] = Float.intBitsToFloat(Float.floatToRawIntBits(e[k]) & positive(x[k]));
                }
            } else {
                float c = cutoff;
                for (int k = 0; k < n; k++) {
                    e[k] = x[k] > c ? e[k] : 0f;
                }
            }
            floats(out).put(0, e, 0, n);
            return true;
        }
    }

    /** out = in > 0 ? in : 0. */
    private static final class Relu extends Kernel {
        Relu(OpContext context) {
            super(context);
        }

        @Override
        boolean run() {
            INDArray in = context.getInputArray(0);
            INDArray out = context.getOutputArray(0);
            if (!dense(in) || !dense(out)) {
                return false;
            }
            int n = (int) in.length();
            float[] x = a(n);
            floats(in).get(0, x, 0, n);
            for (int k = 0; k < n; k++) {
                x[k] = Float.intBitsToFloat(Float.floatToRawIntBits(x[k]) & positive(x[k]));
            }
            floats(out).put(0, x, 0, n);
            return true;
        }
    }

    /** out[j] = Σ_i in[i, j] of a {@code [rows, n]} matrix, into an output of n elements. */
    private static final class ColumnSums extends Kernel {
        ColumnSums(OpContext context) {
            super(context);
        }

        @Override
        boolean run() {
            INDArray in = context.getInputArray(0);
            INDArray out = context.getOutputArray(0);
            if (!dense(in) || !dense(out) || in.rank() != 2 || out.length() != in.size(1)) {
                return false;
            }
            int rows = (int) in.size(0);
            int n = (int) in.size(1);
            float[] x = a(rows * n);
            float[] s = b(n);
            floats(in).get(0, x, 0, rows * n);
            System.arraycopy(x, 0, s, 0, n);
            for (int i = 1; i < rows; i++) {
                int row = i * n;
                for (int j = 0; j < n; j++) {
                    s[j] += x[row + j];
                }
            }
            floats(out).put(0, s, 0, n);
            return true;
        }
    }

    /** out = Σ in over every entry, accumulated in double, into a scalar. */
    private static final class Total extends Kernel {
        Total(OpContext context) {
            super(context);
        }

        @Override
        boolean run() {
            INDArray in = context.getInputArray(0);
            INDArray out = context.getOutputArray(0);
            if (!dense(in) || out.length() != 1) {
                return false;
            }
            int n = (int) in.length();
            float[] x = a(n);
            floats(in).get(0, x, 0, n);
            // four partial sums: the loop is not one dependency chain
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            int k = 0;
            for (; k + 3 < n; k += 4) {
                s0 += x[k];
                s1 += x[k + 1];
                s2 += x[k + 2];
                s3 += x[k + 3];
            }
            for (; k < n; k++) {
                s0 += x[k];
            }
            out.putScalar(0, (s0 + s1) + (s2 + s3));
            return true;
        }
    }

    /** A sum over every entry of a FLOAT array of at least 2 entries into a scalar. */
    private static boolean isTotal(ReduceOp op, OpContext c) {
        INDArray in = c.getInputArray(0);
        INDArray out = c.getOutputArray(0);
        if (in == null || out == null || in.dataType() != DataType.FLOAT || out.dataType() != DataType.FLOAT
                || out.length() != 1 || in.length() < 2 || op.isKeepDims()) {
            return false;
        }
        if (op.dimensions() == null) {
            return true;
        }
        long[] dims = op.dimensions().toLongVector();
        return dims.length == 0 || (dims.length == 1 && dims[0] == Integer.MAX_VALUE) || dims.length == in.rank();
    }

    /**
     * All ones where v &gt; 0 (its bits, read as an int, are positive), else 0: −bits and ~bits both
     * have the sign bit set exactly then (+0 gives 0; −0 and negatives have ~bits ≥ 0). A mask
     * instead of a branch: on a random sign C2 compiles {@code v > 0 ? a : 0} into a branch that
     * mispredicts half the time (10–25 ns per element measured, against ~1 with the mask).
     */
    private static int positive(float v) {
        int bits = Float.floatToRawIntBits(v);
        return (-bits & ~bits) >> 31;
    }

    private static boolean sameShape(OpContext c, int inputs) {
        INDArray out = c.getOutputArray(0);
        if (out == null || out.dataType() != DataType.FLOAT) {
            return false;
        }
        for (int i = 0; i < inputs; i++) {
            INDArray in = c.getInputArray(i);
            if (in == null || in.dataType() != DataType.FLOAT || !java.util.Arrays.equals(in.shape(), out.shape())) {
                return false;
            }
        }
        return true;
    }

    /** A sum over dimension 0 of a rank-2 FLOAT matrix, not keeping dimensions. */
    private static boolean isRowSum(ReduceOp op, OpContext c) {
        INDArray in = c.getInputArray(0);
        INDArray out = c.getOutputArray(0);
        if (in == null || out == null || in.dataType() != DataType.FLOAT || out.dataType() != DataType.FLOAT
                || in.rank() != 2 || op.dimensions() == null || op.isKeepDims()) {
            return false;
        }
        long[] dims = op.dimensions().toLongVector();
        return dims.length == 1 && dims[0] == 0 && out.length() == in.size(1);
    }

    /** Dense FLOAT in c order from the start of its buffer: its host memory is the array, element by element. */
    private static boolean dense(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.offset() == 0
                && Shape.hasDefaultStridesForShape(a) && !a.isEmpty();
    }

    private static FloatBuffer floats(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }
}
