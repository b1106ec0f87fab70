package io.relaxsd.examples.bench;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Two training steps and a GEMM probe timed in turn, step by step (first, second, probe), so that a
 * machine whose speed drifts (a shared VM's does, by ±30 % within minutes) affects all three alike
 * and their ratios stay meaningful.
 */
final class Interleaved {
    private Interleaved() {
    }

    /** Step times of both steps and the GEMM rate (FLOP/s, median over the probes). */
    record Times(StepTimes first, StepTimes second, double gemmFlops) {
    }

    /** {@code warmup} untimed rounds, then {@code steps} timed ones; {@code progress} counts rounds. */
    static Times time(int warmup, int steps, Runnable first, Runnable second, GemmRate.Probe gemm,
                      IntConsumer progress) {
        for (int i = 0; i < warmup; i++) {
            first.run();
            second.run();
            gemm.seconds();
            progress.accept(1);
        }
        double[] firstMs = new double[steps];
        double[] secondMs = new double[steps];
        double[] gemmSeconds = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            first.run();
            long t1 = System.nanoTime();
            second.run();
            long t2 = System.nanoTime();
            gemmSeconds[i] = gemm.seconds();
            firstMs[i] = (t1 - t0) / 1e6;
            secondMs[i] = (t2 - t1) / 1e6;
            progress.accept(1);
        }
        Arrays.sort(gemmSeconds);
        return new Times(StepTimes.of(firstMs), StepTimes.of(secondMs), gemm.flops() / gemmSeconds[steps / 2]);
    }
}
