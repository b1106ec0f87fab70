package io.relaxsd.examples.vae;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batches over an in-memory image matrix {@code [N, 784]} (grey levels in [0, 1]): optionally
 * shuffled per epoch, with grey, threshold or dynamic binarisation. Everything random is seeded by
 * (seed, epoch), so epoch e's batches do not depend on earlier epochs.
 */
final class ArrayBatches implements ImageBatches {
    enum Pixels { GREY, THRESHOLD, DYNAMIC }

    private final INDArray images;
    private final int batch;
    private final boolean shuffle;
    private final Pixels pixels;
    private final long seed;

    ArrayBatches(INDArray images, int batch, boolean shuffle, Pixels pixels, long seed) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        this.images = images;
        this.batch = batch;
        this.shuffle = shuffle;
        this.pixels = pixels;
        this.seed = seed;
    }

    @Override
    public int size() {
        return (int) images.size(0);
    }

    @Override
    public int batchCount() {
        return (size() + batch - 1) / batch;
    }

    @Override
    public Iterator<INDArray> epoch(int epoch) {
        int n = size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long epochSeed = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + epoch).nextLong();
        if (shuffle) {
            SplittableRandom r = new SplittableRandom(epochSeed);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        Random binRng = pixels == Pixels.DYNAMIC ? Nd4j.getRandomFactory().getNewRandomInstance(epochSeed ^ 0x5DEECE66DL) : null;
        return new Iterator<>() {
            private int from;

            @Override
            public boolean hasNext() {
                return from < n;
            }

            @Override
            public INDArray next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int to = Math.min(n, from + batch);
                int[] rows = new int[to - from];
                System.arraycopy(order, from, rows, 0, rows.length);
                from = to;
                return transform(shuffle ? images.getRows(rows) : images.get(
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(rows[0], rows[0] + rows.length),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(), binRng);
            }
        };
    }

    private INDArray transform(INDArray x, Random rng) {
        switch (pixels) {
            case THRESHOLD:
                return x.gt(0.5).castTo(DataType.FLOAT);
            case DYNAMIC:
                return Nd4j.rand(rng, x.shape()).castTo(DataType.FLOAT).lt(x).castTo(DataType.FLOAT);
            default:
                return x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        }
    }
}
