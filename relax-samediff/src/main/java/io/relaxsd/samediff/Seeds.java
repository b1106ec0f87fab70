package io.relaxsd.samediff;

import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded ND4J generators. ND4J 1.0.0-M2.1's native generator does not honour seed 0: generators
 * made with it ({@code getNewRandomInstance(0)}, {@code setSeed(0)}) at different times start from
 * different states, within one JVM and across runs (measured; within the same millisecond they may
 * agree; other seeds repeat exactly). Every
 * seeded generator of the project comes from here: seed 0 is replaced by a fixed non-zero
 * constant, any other seed is used as it is.
 */
public final class Seeds {
    /** What seed 0 stands for. */
    static final long ZERO = 0x9E3779B97F4A7C15L;

    private Seeds() {
    }

    /** A new ND4J generator whose stream depends on {@code seed} only. */
    public static Random generator(long seed) {
        return Nd4j.getRandomFactory().getNewRandomInstance(nonZero(seed));
    }

    /** Restarts {@code rng} at {@code seed}: afterwards it draws what {@link #generator}{@code (seed)} would. */
    public static void reseed(Random rng, long seed) {
        rng.setSeed(nonZero(seed));
    }

    /**
     * A seed for draw {@code index} of stream {@code seed}, e.g. (layer seed, training step): well-mixed
     * (SplitMix64's finaliser applied twice), so neighbouring indices give unrelated streams.
     */
    public static long derive(long seed, long index) {
        return mix(mix(seed) ^ (index * 0xD1B54A32D192ED03L + 0x632BE59BD9B4E019L));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The seed to give an ND4J or DL4J API that takes a raw seed (a network configuration's
     * {@code seed(long)}, say): {@code seed}, or the fixed constant for 0, which those APIs would not
     * honour.
     */
    public static long forNd4j(long seed) {
        return nonZero(seed);
    }

    private static long nonZero(long seed) {
        return seed == 0 ? ZERO : seed;
    }
}
