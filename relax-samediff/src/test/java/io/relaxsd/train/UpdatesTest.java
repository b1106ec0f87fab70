package io.relaxsd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * {@link Updates#descend} moves a parameter exactly as ND4J's updater followed by a subtraction:
 * through the one-pass loop (dense FusedAdam), its fallback (a strided parameter view), and for an
 * updater outside the Adam family (SGD).
 */
class UpdatesTest {

    @ParameterizedTest
    @ValueSource(strings = {"dense", "strided", "sgd"})
    void descendEqualsApplyUpdaterThenSubtract(String kind) {
        int n = 5000;
        IUpdater ours = kind.equals("sgd") ? new Sgd(0.1) : new FusedAdam(3e-3, 0.9, 0.99, 1e-8);
        IUpdater reference = kind.equals("sgd") ? new Sgd(0.1) : new Adam(3e-3, 0.9, 0.99, 1e-8);
        GradientUpdater<?> a = instantiate(ours, n);
        GradientUpdater<?> b = instantiate(reference, n);
        INDArray start = Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(3), new long[] {50, 100})
                .castTo(DataType.FLOAT);
        INDArray holder = Nd4j.zeros(DataType.FLOAT, 50, 200);
        // strided: every other column of a wider array, so reshaping it to a vector copies
        INDArray pa = kind.equals("strided") ? holder.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 200))
                : Nd4j.zeros(DataType.FLOAT, 50, 100);
        pa.assign(start);
        INDArray pb = start.dup();
        org.nd4j.linalg.api.rng.Random rng = Nd4j.getRandomFactory().getNewRandomInstance(11);
        for (int it = 0; it < 15; it++) {
            INDArray g = Nd4j.randn(rng, new long[] {50, 100}).castTo(DataType.FLOAT).muli(it % 3 == 0 ? 10 : 0.1);
            Updates.descend(a, pa, g.dup(), it, 0);
            INDArray flat = g.dup().reshape(n);
            b.applyUpdater(flat, it, 0);
            pb.subi(flat.reshape(pb.shape()));
        }
        double moved = pb.sub(start).norm2Number().doubleValue();
        assertTrue(moved > 0.01, "the parameters moved: " + moved);
        assertEquals(0, pa.sub(pb).norm2Number().doubleValue() / moved, 1e-5, kind);
    }

    private static GradientUpdater<?> instantiate(IUpdater u, int n) {
        long size = u.stateSize(n);
        return size == 0 ? u.instantiate((INDArray) null, false)
                : u.instantiate(Nd4j.zeros(DataType.FLOAT, 1, size), true);
    }
}
