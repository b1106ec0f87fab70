package io.relaxsd.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FusedMoments}' FLOAT loop on SIMD lanes ({@code jdk.incubator.vector}), reading and writing
 * the arrays' native memory in place:
 * <pre>
 *   m ← β₁ m + (1 − β₁) g        v ← β₂ v + ((1 − β₂) g) g
 *   Δ ← (a m) / (sqrt(v) + ε)    (adaptive)      or      Δ ← a m    (momentum only)
 *   θ ← θ − Δ                    (if the parameter is given; else g ← Δ)
 * </pre>
 * Every lane does the scalar loop's float operations in the scalar loop's order (no fused
 * multiply-add; sqrt correctly rounded in both), so both give the same bits; the last
 * {@code n mod lanes} entries are left to that scalar loop.
 *
 * <p>Why: the scalar loop copies every chunk of the four arrays to the heap and back, and those
 * copies cost more than the arithmetic: 2.1–2.4 ms for 1.1·10⁶ parameters (the 8x16 VAE) on one
 * core of an AMD EPYC VM, against 1.2–1.4 ms here. Loaded only when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} (the {@code ./relax} launcher and the tests do);
 * {@link FusedMoments#VECTOR} says whether it is used.
 */
final class VectorMoments {
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorMoments() {
    }

    /** True if the preferred species has at least four float lanes (an SSE/AVX or NEON CPU). */
    static boolean worthIt() {
        return LANES.length() >= 4;
    }

    /**
     * The update over the first {@code n - n mod lanes} floats of each buffer ({@code p} may be null);
     * returns that count. The caller runs the scalar loop over the rest.
     */
    static int floats(ByteBuffer g, ByteBuffer m, ByteBuffer v, ByteBuffer p, int n, float b1, float b2,
                      float eps, float a, boolean adaptive) {
        g = g.order(ORDER);
        m = m.order(ORDER);
        v = v.order(ORDER);
        p = p == null ? null : p.order(ORDER);
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        int lanes = LANES.length();
        int vectorEnd = n - n % lanes;
        for (int i = 0; i < vectorEnd; i += lanes) {
            int at = 4 * i;
            FloatVector gi = FloatVector.fromByteBuffer(LANES, g, at, ORDER);
            FloatVector mi = FloatVector.fromByteBuffer(LANES, m, at, ORDER).mul(b1).add(gi.mul(c1));
            FloatVector vi = FloatVector.fromByteBuffer(LANES, v, at, ORDER).mul(b2).add(gi.mul(c2).mul(gi));
            mi.intoByteBuffer(m, at, ORDER);
            vi.intoByteBuffer(v, at, ORDER);
            FloatVector step = adaptive ? mi.mul(a).div(vi.sqrt().add(eps)) : mi.mul(a);
            if (p == null) {
                step.intoByteBuffer(g, at, ORDER);
            } else {
                FloatVector.fromByteBuffer(LANES, p, at, ORDER).sub(step).intoByteBuffer(p, at, ORDER);
            }
        }
        return vectorEnd;
    }
}
