package io.relaxsd.examples.vae;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small MNIST stand-in for tests: 10 fixed stroke prototypes on a 28×28 grid (grey levels in
 * [0, 1]); each image (drawn with {@code seed}) is a prototype shifted by up to one pixel with pixel noise. Epoch e shuffles with a
 * seed derived from (seed, e).
 */
public final class SyntheticDigits implements ImageBatches {
    private static final long PROTOTYPE_SEED = 12345;
    private final float[][] images;
    private final int batch;
    private final long seed;

    SyntheticDigits(int count, int batch, long seed) {
        this.batch = batch;
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(PROTOTYPE_SEED);     // the same ten "digits" in every set
        float[][] protos = new float[10][784];
        for (int d = 0; d < 10; d++) {
            // three random strokes per prototype
            for (int s = 0; s < 3; s++) {
                double x0 = 6 + r.nextDouble() * 16, y0 = 6 + r.nextDouble() * 16;
                double x1 = 6 + r.nextDouble() * 16, y1 = 6 + r.nextDouble() * 16;
                for (int t = 0; t <= 40; t++) {
                    double x = x0 + (x1 - x0) * t / 40.0, y = y0 + (y1 - y0) * t / 40.0;
                    for (int dx = -1; dx <= 1; dx++) {
                        for (int dy = -1; dy <= 1; dy++) {
                            int px = (int) Math.round(x) + dx, py = (int) Math.round(y) + dy;
                            float v = (dx == 0 && dy == 0) ? 1f : 0.6f;
                            int i = py * 28 + px;
                            protos[d][i] = Math.max(protos[d][i], v);
                        }
                    }
                }
            }
        }
        r = new SplittableRandom(seed);
        images = new float[count][784];
        for (int n = 0; n < count; n++) {
            float[] p = protos[r.nextInt(10)];
            int sx = r.nextInt(3) - 1, sy = r.nextInt(3) - 1;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int ox = x - sx, oy = y - sy;
                    float v = ox >= 0 && ox < 28 && oy >= 0 && oy < 28 ? p[oy * 28 + ox] : 0f;
                    v = (float) Math.min(1.0, Math.max(0.0, v + (v > 0 ? 0.1 * (r.nextDouble() - 0.5) : 0)));
                    images[n][y * 28 + x] = v;
                }
            }
        }
    }

    @Override
    public int size() {
        return images.length;
    }

    @Override
    public int batchCount() {
        return (images.length + batch - 1) / batch;
    }

    @Override
    public Iterator<INDArray> epoch(int epoch) {
        int[] order = new int[images.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed * 7919 + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<INDArray> batches = new ArrayList<>();
        for (int from = 0; from < order.length; from += batch) {
            int to = Math.min(order.length, from + batch);
            float[][] rows = new float[to - from][];
            for (int i = from; i < to; i++) {
                rows[i - from] = images[order[i]];
            }
            batches.add(Nd4j.create(rows).castTo(DataType.FLOAT));
        }
        return batches.iterator();
    }

    /** A train/test split of synthetic digits as the CLI's data source. */
    public static VaeData.Split split(int train, int test) {
        return VaeData.of(new SyntheticDigits(train, train, 1).first(train).castTo(DataType.FLOAT),
                new SyntheticDigits(test, test, 2).first(test).castTo(DataType.FLOAT), "synthetic");
    }

    /** The first {@code n} images, unshuffled. */
    INDArray first(int n) {
        float[][] rows = new float[n][];
        System.arraycopy(images, 0, rows, 0, n);
        return Nd4j.create(rows);
    }
}
