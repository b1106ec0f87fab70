package io.relaxsd.examples.vae;

import io.relaxsd.mnist.MnistDataset;
import io.relaxsd.mnist.MnistFiles;
import io.relaxsd.mnist.MnistIterator;
import io.relaxsd.mnist.PixelMode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MNIST for the VAE through the mnist-data iterators: grey levels / 255 for categorical setups,
 * threshold or dynamic binarisation for binary ones; the training order and dynamic binarisation of
 * epoch e are a function of (seed, e), so a resumed run sees the same batches.
 */
public final class VaeData {
    private VaeData() {
    }

    /**
     * The splits plus their provenance (file checksums, where they came from);
     * {@code validationData} is null unless {@link #holdOut} made one.
     */
    public record Split(MnistDataset trainData, MnistDataset testData, Map<String, String> checksums, String source,
                        MnistDataset validationData) {

        public Split(MnistDataset trainData, MnistDataset testData, Map<String, String> checksums, String source) {
            this(trainData, testData, checksums, source, null);
        }

        /**
         * The last {@code size} training images as the validation set, the others as the training
         * set (the RELAX paper's 50 000 / 10 000 split for size 10 000); {@code size == 0} returns
         * this split.
         */
        public Split holdOut(int size) {
            if (size == 0) {
                return this;
            }
            if (validationData != null) {
                throw new IllegalStateException("this split already holds out a validation set");
            }
            int n = trainData.size();
            if (size < 0 || size >= n) {
                throw new IllegalArgumentException("validation-size must be in [1, " + (n - 1) + "] for the " + n
                        + " training images, got " + size);
            }
            return new Split(slice(trainData, 0, n - size), testData, checksums, source, slice(trainData, n - size, n));
        }

        /** Validation batches in file order, binarised once like the test set; null without a validation set. */
        public ImageBatches validation(VaeRunConfig cfg) {
            return validationData == null ? null : new IteratorBatches(new MnistIterator(validationData, pixels(cfg),
                    cfg.evalBatch(), cfg.seed() + 2, false, 0), true);
        }

        /** Shuffled training batches of the run. */
        public ImageBatches train(VaeRunConfig cfg) {
            return new IteratorBatches(new MnistIterator(trainData, pixels(cfg), cfg.batch(), cfg.seed(), true,
                    cfg.trainLimit()), false);
        }

        /** Test batches in file order; a dynamic binarisation is drawn once (epoch 0) and kept. */
        public ImageBatches test(VaeRunConfig cfg) {
            return new IteratorBatches(new MnistIterator(testData, pixels(cfg), cfg.evalBatch(), cfg.seed() + 1, false,
                    cfg.testLimit()), true);
        }

        /** The first {@code n} test images as the model sees them. */
        public INDArray testImages(VaeRunConfig cfg, int n) {
            MnistIterator it = new MnistIterator(testData, pixels(cfg), n, cfg.seed() + 1, false, n);
            return it.next().getFeatures();
        }

        /**
         * {@code n} training images of the run as the model sees them: the first n, or (if
         * {@code random}) n distinct ones drawn with {@code seed}, from the run's training set
         * (the first {@code train_limit} images if it has one).
         */
        public INDArray trainImages(VaeRunConfig cfg, int n, boolean random, long seed) {
            int available = new MnistIterator(trainData, pixels(cfg), 1, seed, false, cfg.trainLimit()).size();
            if (n < 1 || n > available) {
                throw new IllegalArgumentException("batch-size must be between 1 and the " + available
                        + " training images of the run, got " + n);
            }
            MnistIterator it = new MnistIterator(trainData, pixels(cfg), n, seed, random, random ? cfg.trainLimit() : n);
            return it.next().getFeatures();
        }

        private static PixelMode pixels(VaeRunConfig cfg) {
            if (!cfg.setup().binary()) {
                return PixelMode.GREY;
            }
            return cfg.binarization() == VaeRunConfig.Binarization.THRESHOLD ? PixelMode.THRESHOLD : PixelMode.DYNAMIC;
        }
    }

    /** The features of an {@link MnistIterator}, epoch by epoch. */
    private static final class IteratorBatches implements ImageBatches {
        private final MnistIterator it;
        private final boolean fixedEpoch;

        IteratorBatches(MnistIterator it, boolean fixedEpoch) {
            this.it = it;
            this.fixedEpoch = fixedEpoch;
        }

        @Override
        public int size() {
            return it.size();
        }

        @Override
        public int batchCount() {
            return it.batchesPerEpoch();
        }

        @Override
        public Iterator<INDArray> epoch(int epoch) {
            it.setEpoch(fixedEpoch ? 0 : epoch);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public INDArray next() {
                    if (!it.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return it.next().getFeatures();
                }
            };
        }
    }

    /**
     * Verified MNIST from {@code dir} (else $MNIST_DIR, else the user cache; fetched once if missing).
     *
     * @param verbose print where the data came from
     */
    public static Split load(Path dir, VaeRunConfig cfg, PrintWriter out, boolean verbose) {
        MnistFiles.Location loc = MnistFiles.standard().resolve(dir);
        Map<String, String> sums = new LinkedHashMap<>();
        loc.sha256().forEach((f, sha) -> sums.put(f.fileName(), sha));
        if (verbose) {
            out.printf("MNIST from %s%s%n", loc.directory(), loc.fetched() ? " (downloaded, checksums verified)"
                    : " (checksums verified)");
            out.flush();
        }
        return new Split(MnistDataset.load(loc, true), MnistDataset.load(loc, false), sums,
                loc.directory().toString());
    }

    private static MnistDataset slice(MnistDataset d, int from, int to) {
        byte[] pixels = new byte[(to - from) * MnistDataset.PIXELS];
        byte[] labels = new byte[to - from];
        for (int i = from; i < to; i++) {
            labels[i - from] = (byte) d.label(i);
            for (int p = 0; p < MnistDataset.PIXELS; p++) {
                pixels[(i - from) * MnistDataset.PIXELS + p] = (byte) d.pixel(i, p);
            }
        }
        return MnistDataset.of(pixels, labels);
    }

    /** A split from in-memory datasets (tests, synthetic data). */
    public static Split of(MnistDataset train, MnistDataset test, String source) {
        return new Split(train, test, Map.of(), source);
    }

}
