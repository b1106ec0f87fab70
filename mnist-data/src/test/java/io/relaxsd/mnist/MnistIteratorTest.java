package io.relaxsd.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class MnistIteratorTest {
    private static final int N = 250;

    private static MnistDataset data() {
        byte[] px = new byte[N * 784];
        byte[] labels = new byte[N];
        for (int i = 0; i < N; i++) {
            labels[i] = (byte) (i % 10);
            for (int p = 0; p < 784; p++) {
                px[i * 784 + p] = (byte) ((p * 7 + i) % 256);
            }
        }
        return MnistDataset.of(px, labels);
    }

    @Test
    void greyAndThresholdValuesAreExactAndLabelsOneHot() {
        MnistDataset d = data();
        MnistIterator grey = new MnistIterator(d, PixelMode.GREY, 32, 0, false, 0);
        MnistIterator thr = new MnistIterator(d, PixelMode.THRESHOLD, 32, 0, false, 0);
        DataSet g = grey.next();
        DataSet t = thr.next();
        assertEquals(32, g.getFeatures().size(0));
        assertEquals(784, g.getFeatures().size(1));
        for (int i = 0; i < 32; i += 7) {
            for (int p = 0; p < 784; p += 13) {
                int v = d.pixel(i, p);
                assertEquals(v / 255f, g.getFeatures().getFloat(i, p), 0f);
                assertEquals(v > 127 ? 1f : 0f, t.getFeatures().getFloat(i, p), 0f);
            }
            assertEquals(1f, g.getLabels().getFloat(i, d.label(i)), 0f);
            assertEquals(1f, g.getLabels().sum(1).getFloat(i), 0f);
        }
    }

    @Test
    void shuffleVisitsEveryExampleOncePerEpochWithALastPartialBatch() {
        MnistIterator it = new MnistIterator(data(), PixelMode.GREY, 32, 5, true, 0);
        List<Integer> seen = new ArrayList<>();
        int batches = 0;
        int last = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            batches++;
            last = (int) ds.getFeatures().size(0);
            for (int r = 0; r < last; r++) {
                // pixel 0 is i % 256 and labels are i % 10 → recover i for N = 250
                seen.add(Math.round(ds.getFeatures().getFloat(r, 0) * 255));
            }
        }
        assertEquals(8, batches);
        assertEquals(250 - 7 * 32, last);
        assertEquals(N, seen.stream().distinct().count());
        assertNotEquals(seen.subList(0, 10), List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), "shuffled");
        assertFalse(it.hasNext());
        assertThrows(java.util.NoSuchElementException.class, it::next);
        it.reset();
        assertEquals(1, it.epoch());
        assertTrue(it.hasNext());
    }

    @Test
    void dynamicBinarisationIsSeededPerEpochAndUnbiased() {
        MnistDataset d = data();
        MnistIterator a = new MnistIterator(d, PixelMode.DYNAMIC, N, 3, true, 0);
        MnistIterator b = new MnistIterator(d, PixelMode.DYNAMIC, N, 3, true, 0);
        INDArray a0 = a.next().getFeatures();
        assertEquals(a0, b.next().getFeatures(), "same seed, same epoch → same batch");
        a.reset();
        INDArray a1 = a.next().getFeatures();
        assertNotEquals(a0, a1, "a new epoch resamples");
        b.setEpoch(1);
        assertEquals(a1, b.next().getFeatures(), "setEpoch restores an epoch exactly (resume)");
        // mean of Bernoulli(grey/255) over 196 000 pixels: 4 binomial standard errors
        double meanGrey = 0;
        for (int i = 0; i < N; i++) {
            for (int p = 0; p < 784; p++) {
                meanGrey += d.pixel(i, p) / 255.0;
            }
        }
        meanGrey /= N * 784.0;
        double se = Math.sqrt(meanGrey * (1 - meanGrey) / (N * 784.0));
        assertEquals(meanGrey, a1.meanNumber().doubleValue(), 4 * se);
    }

    @Test
    void limitUsesTheFirstExamples() {
        MnistIterator it = new MnistIterator(data(), PixelMode.GREY, 100, 0, false, 40);
        assertEquals(40, it.size());
        assertEquals(1, it.batchesPerEpoch());
        assertEquals(40, it.next().getFeatures().size(0));
        assertThrows(IllegalArgumentException.class, () -> new MnistIterator(data(), PixelMode.GREY, 0, 0, false, 0));
    }
}
