package io.relaxsd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

class FusedAdamTest {

    /**
     * Fifteen steps on 5000 parameters (more than one chunk of the fused loop) give the same steps
     * and the same state as ND4J's own Adam, which runs libnd4j's native {@code adam_updater}. FLOAT
     * agrees to ~1.3e-6 relative (float rounding in a different order), so 1e-5; a wrong term in the
     * formula would be off by O(1).
     */
    @ParameterizedTest
    @CsvSource({"FLOAT,1e-5", "DOUBLE,1e-13"})
    void matchesNd4jAdamStepByStep(DataType dt, double relTol) {
        int n = 5000;
        FusedAdam fused = new FusedAdam(3e-3, 0.9, 0.99, 1e-8);
        Adam nd4j = new Adam(3e-3, 0.9, 0.99, 1e-8);
        INDArray fusedState = Nd4j.zeros(dt, 1, fused.stateSize(n));
        INDArray nd4jState = Nd4j.zeros(dt, 1, nd4j.stateSize(n));
        GradientUpdater<?> a = fused.instantiate(fusedState, true);
        GradientUpdater<?> b = nd4j.instantiate(nd4jState, true);
        org.nd4j.linalg.api.rng.Random rng = Nd4j.getRandomFactory().getNewRandomInstance(11);
        for (int it = 0; it < 15; it++) {
            INDArray g = Nd4j.randn(rng, new long[] {50, 100}).castTo(dt).muli(it % 3 == 0 ? 10 : 0.1);
            INDArray ga = g.dup();
            INDArray gb = g.dup();
            a.applyUpdater(ga, it, 0);
            b.applyUpdater(gb, it, 0);
            double scale = gb.norm2Number().doubleValue();
            assertTrue(scale > 0);
            assertEquals(0, ga.sub(gb).norm2Number().doubleValue() / scale, relTol, "step " + it);
        }
        assertEquals(0, fusedState.sub(nd4jState).norm2Number().doubleValue()
                / nd4jState.norm2Number().doubleValue(), relTol);
    }

    /**
     * The SIMD loop ({@link VectorMoments}) and the scalar loop give the same bits: state, step and
     * parameter, adaptive and momentum-only, over a length that is no multiple of the lane count (so
     * the tail runs too) and through one gradient large enough for v's update to round. The test JVM
     * runs with the vector module, as {@code ./relax} does, so it must be in use.
     */
    @ParameterizedTest
    @CsvSource({"true,true", "true,false", "false,true", "false,false"})
    void theVectorLoopGivesTheScalarLoopsBits(boolean adaptive, boolean withParam) {
        assertTrue(FusedMoments.VECTOR, "the tests run with --add-modules=jdk.incubator.vector (pom.xml)");
        int n = 4099;
        org.nd4j.linalg.api.rng.Random rng = Nd4j.getRandomFactory().getNewRandomInstance(5);
        INDArray[] vec = {Nd4j.zeros(DataType.FLOAT, n), Nd4j.zeros(DataType.FLOAT, n),
                Nd4j.randn(rng, new long[] {n}).castTo(DataType.FLOAT)};
        INDArray[] sca = {vec[0].dup(), vec[1].dup(), vec[2].dup()};
        for (int it = 0; it < 4; it++) {
            INDArray g = Nd4j.randn(rng, new long[] {n}).castTo(DataType.FLOAT).muli(it == 2 ? 1e3 : 0.1);
            INDArray gv = g.dup();
            INDArray gs = g.dup();
            assertTrue(FusedMoments.apply(gv, vec[0], vec[1], withParam ? vec[2] : null, 0.9, 0.999, 1e-8,
                    3e-3, adaptive, true));
            assertTrue(FusedMoments.apply(gs, sca[0], sca[1], withParam ? sca[2] : null, 0.9, 0.999, 1e-8,
                    3e-3, adaptive, false));
            assertArrayEquals(gs.toFloatVector(), gv.toFloatVector(), 0f, "step/gradient, iteration " + it);
            for (int k = 0; k < 3; k++) {
                assertArrayEquals(sca[k].toFloatVector(), vec[k].toFloatVector(), 0f, "array " + k + ", iteration " + it);
            }
        }
        assertTrue(vec[1].maxNumber().doubleValue() > 0, "v was updated");
    }

    @Test
    void theLoopTakesOnlyDenseFloatOrDoubleArrays() {
        INDArray m = Nd4j.zeros(DataType.FLOAT, 4);
        INDArray v = Nd4j.zeros(DataType.FLOAT, 4);
        INDArray strided = Nd4j.createFromArray(1f, 9f, 2f, 9f, 3f, 9f, 4f, 9f).get(NDArrayIndex.interval(0, 2, 8));
        assertEquals(4, strided.length());
        assertFalse(FusedMoments.apply(strided, m, v, null, 0.9, 0.999, 1e-8, 1.0, true));
        assertEquals(0, m.sumNumber().doubleValue(), 0, "nothing may change when the loop declines");
        assertFalse(FusedMoments.apply(Nd4j.ones(DataType.DOUBLE, 4), m, v, null, 0.9, 0.999, 1e-8, 1.0, true));
        INDArray half = Nd4j.zeros(DataType.HALF, 4);
        assertFalse(FusedMoments.apply(Nd4j.ones(DataType.HALF, 4), half, half.dup(), null, 0.9, 0.999, 1e-8, 1.0, true));

        // a dense gradient that is a view at an offset of a bigger buffer is read and written in place
        INDArray big = Nd4j.createFromArray(7f, 7f, 1f, -2f, 4f, 8f);
        INDArray g = big.get(NDArrayIndex.interval(2, 6));
        assertTrue(FusedMoments.apply(g, m, v, null, 0.5, 0.75, 0.0, 2.0, false));
        // m = 0.5·g, Δ = 2·m = g
        assertArrayEquals(new float[] {7f, 7f, 1f, -2f, 4f, 8f}, big.toFloatVector(), 1e-7f);
        assertArrayEquals(new float[] {0.5f, -1f, 2f, 4f}, m.toFloatVector(), 1e-7f);
        assertArrayEquals(new float[] {0.25f, 1f, 4f, 16f}, v.toFloatVector(), 1e-6f);
    }
}
