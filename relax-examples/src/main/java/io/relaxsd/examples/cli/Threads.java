package io.relaxsd.examples.cli;

import io.relaxsd.examples.bench.CudaSupport;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** Loads ND4J's backend (after checking that it can load here) and sets its thread counts. */
final class Threads {
    private Threads() {
    }

    static void apply(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        CudaSupport.requireLoadableBackend();
        Nd4j.getExecutioner();   // loads the backend; NativeOpsHolder fails if touched before it
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }
}
