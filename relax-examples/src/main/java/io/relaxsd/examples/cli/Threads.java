package io.relaxsd.examples.cli;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** Applies a {@code --threads} value to ND4J's OpenMP pool and BLAS. */
final class Threads {
    private Threads() {
    }

    static void apply(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Nd4j.getExecutioner();   // loads the backend; NativeOpsHolder fails if touched before it
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }
}
