package io.relaxsd.mnist;

import java.nio.file.Path;

/** The entry point for models: verified MNIST splits as iterators. */
public final class MnistIterators {
    private MnistIterators() {
    }

    /**
     * Shuffled training batches.
     *
     * @param dataDir {@code --data DIR} or null (then $MNIST_DIR or the user cache; fetched if absent)
     * @param limit   first N examples only (≤ 0: all 60 000)
     */
    public static MnistIterator train(Path dataDir, PixelMode mode, int batch, long seed, int limit) {
        MnistFiles.Location loc = MnistFiles.standard().resolve(dataDir);
        return new MnistIterator(MnistDataset.load(loc, true), mode, batch, seed, true, limit);
    }

    /** Test batches in file order (≤ 0: all 10 000). */
    public static MnistIterator test(Path dataDir, PixelMode mode, int batch, long seed, int limit) {
        MnistFiles.Location loc = MnistFiles.standard().resolve(dataDir);
        return new MnistIterator(MnistDataset.load(loc, false), mode, batch, seed, false, limit);
    }
}
