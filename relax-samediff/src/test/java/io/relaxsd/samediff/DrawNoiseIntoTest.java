package io.relaxsd.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link Discrete#drawNoiseInto}: the values of {@link Discrete#drawNoise}, in the caller's arrays. */
class DrawNoiseIntoTest {

    private static Discrete twoNodes() {
        SameDiff sd = SameDiff.create();
        Discrete d = Discrete.in(sd);
        d.categorical("c", sd.placeHolder("a", DataType.FLOAT, -1, 6), 2, 3,
                EstimatorConfig.builder("reinmax-cv").samples(4).build());   // uniform + conditional noise
        d.bernoulli("b", sd.placeHolder("l", DataType.DOUBLE, -1, 5), 5, EstimatorConfig.of("st"));
        return d;
    }

    @Test
    void givesDrawNoisesValuesStepAfterStepInTheSameArrays() {
        Discrete d = twoNodes();
        org.nd4j.linalg.api.rng.Random fresh = Seeds.generator(3);
        org.nd4j.linalg.api.rng.Random reused = Seeds.generator(3);
        Map<String, INDArray> feed = new HashMap<>();
        Map<String, INDArray> first = null;
        for (int step = 0; step < 3; step++) {
            Map<String, INDArray> expected = d.drawNoise(7, fresh);
            assertSame(feed, d.drawNoiseInto(feed, 7, reused));
            assertEquals(expected.keySet(), feed.keySet());
            for (Map.Entry<String, INDArray> e : expected.entrySet()) {
                INDArray got = feed.get(e.getKey());
                assertEquals(e.getValue().dataType(), got.dataType(), e.getKey());
                assertEquals(e.getValue(), got, e.getKey() + " at step " + step);
                if (first != null) {
                    assertSame(first.get(e.getKey()), got, e.getKey() + " was reallocated at step " + step);
                }
            }
            first = first == null ? new HashMap<>(feed) : first;
        }
        assertEquals(3, feed.size());
    }

    @Test
    void aNewBatchSizeGetsNewArraysAndOtherEntriesStay() {
        Discrete d = twoNodes();
        org.nd4j.linalg.api.rng.Random rng = Seeds.generator(1);
        Map<String, INDArray> feed = new HashMap<>();
        INDArray x = org.nd4j.linalg.factory.Nd4j.ones(2, 2);
        feed.put("x", x);
        d.drawNoiseInto(feed, 7, rng);
        Map<String, INDArray> before = new HashMap<>(feed);
        d.drawNoiseInto(feed, 3, rng);
        assertSame(x, feed.get("x"));
        Map<String, INDArray> shapes = d.drawNoise(3, Seeds.generator(9));
        for (String k : shapes.keySet()) {
            assertNotSame(before.get(k), feed.get(k), k);
            assertEquals(java.util.Arrays.toString(shapes.get(k).shape()), java.util.Arrays.toString(feed.get(k).shape()), k);
        }
        assertThrows(IllegalArgumentException.class, () -> d.drawNoiseInto(feed, 0, rng));
    }
}
