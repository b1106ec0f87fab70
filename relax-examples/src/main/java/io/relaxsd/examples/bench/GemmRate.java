package io.relaxsd.examples.bench;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's GEMM rate (FLOP/s, FLOAT) on the shapes of the VAE step at the current thread
 * count, the denominator of the roofline fraction: {@link Probe} times one pass, and the benchmark
 * takes the median over passes interleaved with its training steps.
 */
final class GemmRate {
    private GemmRate() {
    }

    /** One pass of a fixed list of GEMMs, into arrays allocated once. */
    static final class Probe {
        private final List<Gemm> gemms = new ArrayList<>();
        private double flops;

        /** The forward GEMMs of the layer shapes {@code widths}: [B, in]·[in, out]. */
        Probe(int batch, int[] widths) {
            for (int i = 0; i + 1 < widths.length; i++) {
                add(batch, widths[i], widths[i + 1], false, false);
            }
        }

        private Probe() {
        }

        /**
         * Every GEMM of one training step of the encoder and decoder stacks, the shapes of
         * {@link #stepFlops}: per layer the forward product, the weight gradient [in, B]·[B, out] and
         * (except for the encoder's first layer) the input gradient [B, out]·[out, in].
         */
        static Probe step(int batch, int[] encoder, int[] decoder) {
            Probe p = new Probe();
            p.addStack(batch, encoder, false);
            p.addStack(batch, decoder, true);
            return p;
        }

        private void addStack(int batch, int[] widths, boolean firstInputGradient) {
            for (int i = 0; i + 1 < widths.length; i++) {
                int in = widths[i];
                int out = widths[i + 1];
                add(batch, in, out, false, false);                    // [B, in]·[in, out]
                gemms.add(new Gemm(rand(batch, in), rand(batch, out), rand(in, out), true, false));   // xᵀ·δ
                flops += 2.0 * batch * in * out;
                if (i > 0 || firstInputGradient) {
                    gemms.add(new Gemm(rand(batch, out), rand(in, out), rand(batch, in), false, true));  // δ·Wᵀ
                    flops += 2.0 * batch * in * out;
                }
            }
        }

        private void add(int batch, int in, int out, boolean transA, boolean transB) {
            gemms.add(new Gemm(rand(batch, in), rand(in, out), rand(batch, out), transA, transB));
            flops += 2.0 * batch * in * out;
        }

        private static INDArray rand(long rows, long cols) {
            return Nd4j.rand(DataType.FLOAT, rows, cols);
        }

        /** Wall seconds of one pass. */
        double seconds() {
            long t0 = System.nanoTime();
            for (Gemm g : gemms) {
                Nd4j.gemm(g.a(), g.b(), g.c(), g.transA(), g.transB(), 1.0, 0.0);
            }
            return (System.nanoTime() - t0) / 1e9;
        }

        double flops() {
            return flops;
        }

        private record Gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB) {
        }
    }

    /**
     * FLOPs of one training step of an MLP stack {@code widths} at this batch: 2·B·in·out for the
     * forward GEMM, the same for the weight gradient, and the same for the input gradient except
     * for the first layer (no gradient needed for the data).
     */
    static double stepFlops(int batch, int[] encoder, int[] decoder) {
        return mlpFlops(batch, encoder, false) + mlpFlops(batch, decoder, true);
    }

    /** FLOPs of one forward pass of an MLP stack {@code widths} at this batch: 2·B·in·out per layer. */
    static double forwardFlops(int batch, int[] widths) {
        double f = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            f += 2.0 * batch * widths[i] * widths[i + 1];
        }
        return f;
    }

    private static double mlpFlops(int batch, int[] widths, boolean inputGradient) {
        double firstInputGradient = inputGradient ? 0 : 2.0 * batch * widths[0] * widths[1];
        return 3 * forwardFlops(batch, widths) - firstInputGradient;
    }
}
