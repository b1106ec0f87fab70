package io.relaxsd.examples.bench;

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

    /** One pass of the forward GEMMs of the layer shapes, into arrays allocated once. */
    static final class Probe {
        private final INDArray[][] pairs;
        private final double flops;

        Probe(int batch, int[] widths) {
            pairs = new INDArray[widths.length - 1][];
            double f = 0;
            for (int i = 0; i + 1 < widths.length; i++) {
                pairs[i] = new INDArray[] {Nd4j.rand(DataType.FLOAT, batch, widths[i]),
                        Nd4j.rand(DataType.FLOAT, widths[i], widths[i + 1]),
                        Nd4j.create(DataType.FLOAT, batch, widths[i + 1])};
                f += 2.0 * batch * widths[i] * widths[i + 1];
            }
            this.flops = f;
        }

        /** Wall seconds of one pass. */
        double seconds() {
            long t0 = System.nanoTime();
            for (INDArray[] p : pairs) {
                Nd4j.gemm(p[0], p[1], p[2], false, false, 1.0, 0.0);
            }
            return (System.nanoTime() - t0) / 1e9;
        }

        double flops() {
            return flops;
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
