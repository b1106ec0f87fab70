package io.relaxsd.examples.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.IntConsumer;

/**
 * Two training steps and a GEMM probe timed in turn, step by step (first, second, probe), so that a
 * machine whose speed drifts (a shared VM's does, by ±30 % within minutes) affects all three alike
 * and their ratios stay meaningful.
 */
final class Interleaved {
    private Interleaved() {
    }

    /**
     * Step times of both steps, the GEMM rate (FLOP/s, median over the probes) and the median
     * milliseconds of each part ({@link #time(int, int, Runnable, Runnable, GemmRate.Probe, IntConsumer, List)}).
     */
    record Times(StepTimes first, StepTimes second, double gemmFlops, double[] partMs) {
    }

    /** {@code warmup} untimed rounds, then {@code steps} timed ones; {@code progress} counts rounds. */
    static Times time(int warmup, int steps, Runnable first, Runnable second, GemmRate.Probe gemm,
                      IntConsumer progress) {
        return time(warmup, steps, first, second, gemm, progress, List.of());
    }

    /**
     * The same, and in every round after the probe each of {@code parts}: a piece of work that
     * returns its own wall milliseconds (so that it can prepare its inputs untimed).
     */
    static Times time(int warmup, int steps, Runnable first, Runnable second, GemmRate.Probe gemm,
                      IntConsumer progress, List<DoubleSupplier> parts) {
        for (int i = 0; i < warmup; i++) {
            first.run();
            second.run();
            gemm.seconds();
            parts.forEach(DoubleSupplier::getAsDouble);
            progress.accept(1);
        }
        double[] firstMs = new double[steps];
        double[] secondMs = new double[steps];
        double[] gemmSeconds = new double[steps];
        double[][] partMs = new double[parts.size()][steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            first.run();
            long t1 = System.nanoTime();
            second.run();
            long t2 = System.nanoTime();
            gemmSeconds[i] = gemm.seconds();
            for (int p = 0; p < parts.size(); p++) {
                partMs[p][i] = parts.get(p).getAsDouble();
            }
            firstMs[i] = (t1 - t0) / 1e6;
            secondMs[i] = (t2 - t1) / 1e6;
            progress.accept(1);
        }
        Arrays.sort(gemmSeconds);
        double[] medians = new double[parts.size()];
        for (int p = 0; p < parts.size(); p++) {
            medians[p] = StepTimes.of(partMs[p]).median();
        }
        return new Times(StepTimes.of(firstMs), StepTimes.of(secondMs), gemm.flops() / gemmSeconds[steps / 2],
                medians);
    }
}
