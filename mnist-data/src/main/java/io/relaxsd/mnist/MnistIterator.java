package io.relaxsd.mnist;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batches of one MNIST split as a DL4J {@link DataSetIterator}: features {@code [batch, 784]}
 * FLOAT in the chosen {@link PixelMode}, labels {@code [batch, 10]} one-hot.
 *
 * <p>Deterministic: the order (when shuffled) and the dynamic binarisation of epoch e depend only
 * on (seed, e), so {@link #setEpoch(int)} restores any epoch exactly (for resumed runs).
 * {@link #reset()} moves to the next epoch once the current one has served a batch.
 */
public final class MnistIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final transient MnistDataset data;
    private final PixelMode mode;
    private final int batch;
    private final long seed;
    private final boolean shuffle;
    private final int size;
    private DataSetPreProcessor preProcessor;

    private int epoch;
    private int position;
    private int[] order;
    private SplittableRandom binarise;

    /**
     * @param limit use only the first {@code limit} examples (≤ 0: all)
     */
    public MnistIterator(MnistDataset data, PixelMode mode, int batch, long seed, boolean shuffle, int limit) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        this.data = data;
        this.mode = mode;
        this.batch = batch;
        this.seed = seed;
        this.shuffle = shuffle;
        this.size = limit > 0 ? Math.min(limit, data.size()) : data.size();
        if (size == 0) {
            throw new IllegalArgumentException("no examples to iterate");
        }
        setEpoch(0);
    }

    /** Jumps to the start of epoch {@code e}. */
    public void setEpoch(int e) {
        if (e < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + e);
        }
        epoch = e;
        position = 0;
        SplittableRandom epochRandom = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e);
        order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        if (shuffle) {
            for (int i = size - 1; i > 0; i--) {
                int j = epochRandom.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        binarise = epochRandom.split();
    }

    public int epoch() {
        return epoch;
    }

    /** Examples per epoch. */
    public int size() {
        return size;
    }

    /** Batches per epoch (the last may be smaller). */
    public int batchesPerEpoch() {
        return (size + batch - 1) / batch;
    }

    @Override
    public boolean hasNext() {
        return position < size;
    }

    @Override
    public DataSet next() {
        return next(batch);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is finished; call reset()");
        }
        int n = Math.min(num, size - position);
        float[] x = new float[n * MnistDataset.PIXELS];
        float[] y = new float[n * 10];
        for (int r = 0; r < n; r++) {
            int i = order[position + r];
            int off = r * MnistDataset.PIXELS;
            for (int p = 0; p < MnistDataset.PIXELS; p++) {
                int grey = data.pixel(i, p);
                x[off + p] = switch (mode) {
                    case GREY -> grey / 255f;
                    case THRESHOLD -> grey > 127 ? 1f : 0f;
                    case DYNAMIC -> binarise.nextDouble() * 255 < grey ? 1f : 0f;
                };
            }
            y[r * 10 + data.label(i)] = 1f;
        }
        position += n;
        DataSet ds = new DataSet(Nd4j.create(x, new long[] {n, MnistDataset.PIXELS}, DataType.FLOAT),
                Nd4j.create(y, new long[] {n, 10}, DataType.FLOAT));
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public int inputColumns() {
        return MnistDataset.PIXELS;
    }

    @Override
    public int totalOutcomes() {
        return 10;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    /** Starts the next epoch, unless the current one has not served a batch yet. */
    @Override
    public void reset() {
        if (position > 0) {
            setEpoch(epoch + 1);
        }
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    /** Features of example {@code i} of this iterator's data in GREY mode, for pictures. */
    public INDArray greyImages(int from, int count) {
        int n = Math.min(count, size - from);
        float[] x = new float[n * MnistDataset.PIXELS];
        for (int r = 0; r < n; r++) {
            for (int p = 0; p < MnistDataset.PIXELS; p++) {
                x[r * MnistDataset.PIXELS + p] = data.pixel(from + r, p) / 255f;
            }
        }
        return Nd4j.create(x, new long[] {n, MnistDataset.PIXELS}, DataType.FLOAT);
    }
}
