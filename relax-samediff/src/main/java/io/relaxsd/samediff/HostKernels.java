package io.relaxsd.samediff;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.shape.Shape;

/**
 * Java loops for the libnd4j kernels of a replayed step that run far below memory speed on the CPU
 * backend (1.0.0-M2.1, one thread, FLOAT). An MLP step's: {@code thresholdedrelu_bp} (ReLU's
 * backward, 1.8–2.8 ms for {@code [100, 512]} timed op by op inside a loaded VAE step),
 * {@code reduce_sum} over the leading axis (a bias gradient, 0.45–0.6 ms), {@code relu} (0.2–0.3 ms)
 * and a whole-array {@code reduce_sum} (0.3–0.45 ms for {@code [100, 784]}). An estimator node's, on
 * its {@code [K, batch·n, k]} samples (medians inside an idle VAE step, {@code ./relax bench
 * --profile}, K = 10, batch 100 × 16 × 8): {@code softmax} along the last axis (0.8–0.9 ms;
 * here libnd4j's {@code exp} between two Java passes), {@code ClipByValue} (0.23–0.35 ms, and
 * 1.1 ms alone), {@code reduce_mean} over the K samples and its backward (0.1–0.2 ms each), and
 * {@code reduce_sum}/{@code reduce_max} along the last axis (0.08–0.17 ms for {@code [1600, 8]}).
 * Each loop copies its operands to heap arrays once, runs branch-free, and copies the result back.
 *
 * <p>{@link RecordedGraph} asks {@link #of} for every op it records; a kernel is used only if the
 * recording's own check (the op's result and the kernel's on the same recorded inputs, equal within
 * float rounding) passed, and each call falls back to the op itself if an operand is not a dense
 * FLOAT array in c order (a fed view, say) or, for the softmax, an input lies outside its loop's
 * range.
 */
final class HostKernels {
    /**
     * System property: {@code -Drelaxsd.hostKernels.disabled=true} makes recordings made from then on
     * use libnd4j's ops only (to compare, or to rule the loops out).
     */
    static final String DISABLED = "relaxsd.hostKernels.disabled";

    private HostKernels() {
    }

    /** A Java kernel computing what {@code op} computes on the arrays of {@code context}, or null. */
    static Kernel of(DifferentialFunction op, OpContext context) {
        if (!Nd4j.getEnvironment().isCPU() || context == null || Boolean.getBoolean(DISABLED)) {
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
        if (op instanceof Sum s && context.numInputArguments() == 1 && reducesAxis(s, context, 0)) {
            return new LeadingSum(context, 1f);
        }
        if (op instanceof Sum s && context.numInputArguments() == 1 && isTotal(s, context)) {
            return new Total(context);
        }
        if (op instanceof SoftMax sm && context.numInputArguments() == 1 && context.numOutputArguments() == 1
                && sameShape(context, 1) && context.getInputArray(0).rank() >= 1
                && (sm.iArgs().length == 0 || (sm.iArgs().length == 1
                        && (sm.iArgs()[0] == -1 || sm.iArgs()[0] == context.getInputArray(0).rank() - 1)))) {
            return new Softmax(context);
        }
        if (op instanceof ClipByValue c && context.numInputArguments() == 1 && c.tArgs().length == 2) {
            return sameShape(context, 1) ? new Clip(context, (float) c.tArgs()[0], (float) c.tArgs()[1]) : null;
        }
        if (op instanceof Mean m && context.numInputArguments() == 1 && reducesAxis(m, context, 0)) {
            INDArray in = context.getInputArray(0);
            return new LeadingSum(context, 1f / in.size(0));
        }
        if ((op instanceof Sum || op instanceof Max) && context.numInputArguments() == 1
                && reducesAxis((ReduceOp) op, context, context.getInputArray(0).rank() - 1)) {
            return new LastAxisReduction(context, op instanceof Max);
        }
        if (op instanceof MeanBp && context.numInputArguments() == 2 && context.numOutputArguments() == 1
                && Arrays.equals(((DynamicCustomOp) op).iArgs(), new long[] {0})
                && floats(context, 2, 1) && sameShapeAs(context.getOutputArray(0), context.getInputArray(0))
                && leadingBlocks(context.getOutputArray(0), context.getInputArray(1)) > 0) {
            return new LeadingBroadcast(context, 1f / context.getInputArray(0).size(0));
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

        /** The entries of {@code in} in the first heap buffer (its first {@code in.length()} entries). */
        float[] readA(INDArray in) {
            int n = (int) in.length();
            float[] x = a(n);
            floats(in).get(0, x, 0, n);
            return x;
        }

        /** The first {@code out.length()} entries of {@code x} into {@code out}. */
        static void write(float[] x, INDArray out) {
            floats(out).put(0, x, 0, (int) out.length());
        }
    }

    /**
     * An element-wise map of input 0 into output 0 (same shape): {@link #apply} rewrites the first n
     * entries of x in place.
     */
    private abstract static class ElementWise extends Kernel {
        ElementWise(OpContext context) {
            super(context);
        }

        abstract void apply(float[] x, int n);

        @Override
        boolean run() {
            INDArray in = context.getInputArray(0);
            INDArray out = context.getOutputArray(0);
            if (!dense(in) || !dense(out)) {
                return false;
            }
            float[] x = readA(in);
            apply(x, (int) in.length());
            write(x, out);
            return true;
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
    private static final class Relu extends ElementWise {
        Relu(OpContext context) {
            super(context);
        }

        @Override
        void apply(float[] x, int n) {
            for (int k = 0; k < n; k++) {
                x[k] = Float.intBitsToFloat(Float.floatToRawIntBits(x[k]) & positive(x[k]));
            }
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
            float[] x = readA(in);
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

    /**
     * softmax along the last axis, out = e^x / Σ_row e^x, with libnd4j's vectorised {@code exp}
     * between two Java passes: an entry check and the row normalisation. libnd4j's own
     * {@code softmax} takes ~7 ns per entry on rows of 8 (three strided passes), its {@code exp} ~1.5.
     * Without the usual shift by the row's maximum, so it runs only where every |x| &lt; 64 (no
     * overflow, no denormal e^x) and otherwise leaves the op to libnd4j (NaN and ±∞ included).
     */
    private static final class Softmax extends Kernel {
        /** The bits of 64f: |x| &lt; 64 exactly when x's bits without the sign are below them (NaN is not). */
        private static final int LIMIT = Float.floatToRawIntBits(64f);

        Softmax(OpContext context) {
            super(context);
        }

        @Override
        boolean run() {
            INDArray in = context.getInputArray(0);
            INDArray out = context.getOutputArray(0);
            if (!dense(in) || !dense(out) || in == out) {
                return false;
            }
            int n = (int) in.length();
            int width = (int) in.size(-1);
            float[] x = readA(in);
            int outside = 0;
            for (int k = 0; k < n; k++) {
                outside |= LIMIT - 1 - (Float.floatToRawIntBits(x[k]) & 0x7FFF_FFFF);
            }
            if (outside < 0) {
                return false;
            }
            Nd4j.getExecutioner().exec(new Exp(in, out));
            floats(out).get(0, x, 0, n);
            for (int o = 0; o < n; o += width) {
                float t = 0f;
                for (int j = o; j < o + width; j++) {
                    t += x[j];
                }
                float inv = 1f / t;
                for (int j = o; j < o + width; j++) {
                    x[j] *= inv;
                }
            }
            write(x, out);
            return true;
        }
    }

    /** out = min(hi, max(lo, in)) element by element (NaN stays NaN), as {@code ClipByValue}. */
    private static final class Clip extends ElementWise {
        private final float lo;
        private final float hi;

        Clip(OpContext context, float lo, float hi) {
            super(context);
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        void apply(float[] x, int n) {
            for (int k = 0; k < n; k++) {
                x[k] = Math.min(hi, Math.max(lo, x[k]));
            }
        }
    }

    /**
     * out[j] = scale · Σ_k in[k, j] over the leading axis of a {@code [K, ...]} array into its trailing
     * shape: {@code reduce_mean} over axis 0 (scale 1/K), e.g. the mean over K conditional samples.
     */
    private static final class LeadingSum extends Kernel {
        private final float scale;

        LeadingSum(OpContext context, float scale) {
            super(context);
            this.scale = scale;
        }

        @Override
        boolean run() {
            INDArray in = context.getInputArray(0);
            INDArray out = context.getOutputArray(0);
            if (!dense(in) || !dense(out)) {
                return false;
            }
            int n = (int) out.length();
            int total = (int) in.length();
            float[] x = readA(in);
            float[] s = b(n);
            System.arraycopy(x, 0, s, 0, n);
            for (int row = n; row < total; row += n) {
                for (int j = 0; j < n; j++) {
                    s[j] += x[row + j];
                }
            }
            if (scale != 1f) {
                for (int j = 0; j < n; j++) {
                    s[j] *= scale;
                }
            }
            write(s, out);
            return true;
        }
    }

    /**
     * The sum or the maximum over the last axis of a FLOAT array, into its shape without that axis
     * (kept as 1 or dropped): {@code reduce_sum} and {@code reduce_max} along a row, e.g. a softmax's
     * normaliser.
     */
    private static final class LastAxisReduction extends Kernel {
        private final boolean max;

        LastAxisReduction(OpContext context, boolean max) {
            super(context);
            this.max = max;
        }

        @Override
        boolean run() {
            INDArray in = context.getInputArray(0);
            INDArray out = context.getOutputArray(0);
            if (!dense(in) || !dense(out)) {
                return false;
            }
            int total = (int) in.length();
            int rows = (int) out.length();
            int width = total / rows;
            float[] x = readA(in);
            float[] r = b(rows);
            if (max) {
                for (int i = 0, o = 0; i < rows; i++, o += width) {
                    float m = x[o];
                    for (int j = 1; j < width; j++) {
                        m = Math.max(m, x[o + j]);
                    }
                    r[i] = m;
                }
            } else {
                for (int i = 0, o = 0; i < rows; i++, o += width) {
                    float t = 0f;
                    for (int j = 0; j < width; j++) {
                        t += x[o + j];
                    }
                    r[i] = t;
                }
            }
            write(r, out);
            return true;
        }
    }

    /**
     * out[k, j] = scale · g[j]: the gradient g of a mean over the leading axis (inputs x, g; scale
     * 1/K), broadcast back to x's shape, as {@code reduce_mean_bp} over axis 0.
     */
    private static final class LeadingBroadcast extends Kernel {
        private final float scale;

        LeadingBroadcast(OpContext context, float scale) {
            super(context);
            this.scale = scale;
        }

        @Override
        boolean run() {
            INDArray g = context.getInputArray(1);
            INDArray out = context.getOutputArray(0);
            if (!dense(g) || !dense(out)) {
                return false;
            }
            int n = (int) g.length();
            int total = (int) out.length();
            float[] y = a(total);
            float[] s = b(n);
            floats(g).get(0, s, 0, n);
            for (int j = 0; j < n; j++) {
                s[j] *= scale;
            }
            for (int row = 0; row < total; row += n) {
                System.arraycopy(s, 0, y, row, n);
            }
            write(y, out);
            return true;
        }
    }

    /**
     * K if {@code small}'s shape is {@code big}'s without its leading axes (and big has K times its
     * elements, K &gt; 1), else 0.
     */
    private static long leadingBlocks(INDArray big, INDArray small) {
        long[] b = big.shape();
        long[] s = small.shape();
        if (s.length == 0 || s.length >= b.length || small.length() == 0 || big.length() % small.length() != 0) {
            return 0;
        }
        for (int i = 1; i <= s.length; i++) {
            if (s[s.length - i] != b[b.length - i]) {
                return 0;
            }
        }
        return big.length() / small.length();
    }

    /**
     * A reduction of a FLOAT array of rank ≥ 2 over exactly {@code axis} into a FLOAT array of the
     * input's length divided by that axis's size (kept as 1 or dropped).
     */
    private static boolean reducesAxis(ReduceOp op, OpContext c, int axis) {
        INDArray in = c.getInputArray(0);
        INDArray out = c.getOutputArray(0);
        if (in == null || out == null || in.dataType() != DataType.FLOAT || out.dataType() != DataType.FLOAT
                || in.rank() < 2 || op.dimensions() == null || in.length() > Integer.MAX_VALUE || in.size(axis) < 1) {
            return false;
        }
        long[] dims = op.dimensions().toLongVector();
        long d = dims.length == 1 ? (dims[0] < 0 ? dims[0] + in.rank() : dims[0]) : -1;
        return d == axis && out.length() * in.size(axis) == in.length();
    }

    private static boolean floats(OpContext c, int inputs, int outputs) {
        for (int i = 0; i < inputs; i++) {
            INDArray a = c.getInputArray(i);
            if (a == null || a.dataType() != DataType.FLOAT || a.length() > Integer.MAX_VALUE) {
                return false;
            }
        }
        for (int i = 0; i < outputs; i++) {
            INDArray a = c.getOutputArray(i);
            if (a == null || a.dataType() != DataType.FLOAT) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameShapeAs(INDArray a, INDArray b) {
        return Arrays.equals(a.shape(), b.shape());
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

    /** Dense FLOAT in c order from the start of its buffer: its host memory is the array, element by element. */
    private static boolean dense(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.offset() == 0
                && Shape.hasDefaultStridesForShape(a) && !a.isEmpty();
    }

    private static FloatBuffer floats(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }
}
