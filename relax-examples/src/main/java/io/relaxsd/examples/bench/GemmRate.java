package io.relaxsd.examples.bench;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's measured GEMM rate (FLOP/s, FLOAT) on the shapes of the VAE step at the current
 * thread count: the denominator of the roofline fraction.
 */
final class GemmRate {
    private GemmRate() {
    }

    /**
     * Median FLOP/s of {@code C = A·B} over the VAE's layer shapes (batch × in × out for in/out in
     * the encoder and decoder widths), after a warm-up.
     */
    static double measure(int batch, int[] widths, int repetitions) {
        double totalFlop = 0;
        double[] seconds = new double[repetitions];
        INDArray[][] pairs = new INDArray[widths.length - 1][];
        for (int i = 0; i + 1 < widths.length; i++) {
            pairs[i] = new INDArray[] {Nd4j.rand(DataType.FLOAT, batch, widths[i]), Nd4j.rand(DataType.FLOAT, widths[i],
                    widths[i + 1]), Nd4j.create(DataType.FLOAT, batch, widths[i + 1])};
            totalFlop += 2.0 * batch * widths[i] * widths[i + 1];
        }
        for (int r = -3; r < repetitions; r++) {
            long t0 = System.nanoTime();
            for (INDArray[] p : pairs) {
                Nd4j.gemm(p[0], p[1], p[2], false, false, 1.0, 0.0);
            }
            if (r >= 0) {
                seconds[r] = (System.nanoTime() - t0) / 1e9;
            }
        }
        Arrays.sort(seconds);
        return totalFlop / seconds[repetitions / 2];
    }

    /**
     * FLOPs of one training step of an MLP stack {@code widths} at this batch: 2·B·in·out for the
     * forward GEMM, the same for the weight gradient, and the same for the input gradient except
     * for the first layer (no gradient needed for the data).
     */
    static double stepFlops(int batch, int[] encoder, int[] decoder) {
        return mlpFlops(batch, encoder, false) + mlpFlops(batch, decoder, true);
    }

    private static double mlpFlops(int batch, int[] widths, boolean inputGradient) {
        double f = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            double gemm = 2.0 * batch * widths[i] * widths[i + 1];
            f += gemm * (i == 0 && !inputGradient ? 2 : 3);
        }
        return f;
    }
}
