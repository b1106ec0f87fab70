package io.relaxsd.examples.vae;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * MNIST for the VAE: the train and test images as grey levels in [0, 1], cut to the run's limits,
 * batched and turned into targets (grey levels for categorical setups, threshold or dynamic
 * binarisation for binary ones).
 */
public final class VaeData {
    private VaeData() {
    }

    /** Train and test images plus their provenance (file checksums). */
    public record Split(INDArray trainImages, INDArray testImages, Map<String, String> checksums, String source) {

        /** Shuffled training batches of the run. */
        public ImageBatches train(VaeRunConfig cfg) {
            return new ArrayBatches(limit(trainImages, cfg.trainLimit()), cfg.batch(), true, pixels(cfg), cfg.seed());
        }

        /** Test batches (in order; dynamic binarisation with a fixed seed, the same every epoch). */
        public ImageBatches test(VaeRunConfig cfg) {
            return new FixedEpoch(new ArrayBatches(limit(testImages, cfg.testLimit()), cfg.evalBatch(), false,
                    pixels(cfg), cfg.seed() + 1));
        }

        /** The first {@code n} test images as the model sees them. */
        public INDArray testImages(VaeRunConfig cfg, int n) {
            INDArray first = testImages.get(NDArrayIndex.interval(0, Math.min(n, testImages.size(0))), NDArrayIndex.all());
            return new ArrayBatches(first.dup(), n, false, pixels(cfg), cfg.seed() + 1).epoch(0).next();
        }

        private static INDArray limit(INDArray images, int limit) {
            return limit <= 0 || limit >= images.size(0) ? images
                    : images.get(NDArrayIndex.interval(0, limit), NDArrayIndex.all());
        }

        private static ArrayBatches.Pixels pixels(VaeRunConfig cfg) {
            if (!cfg.setup().binary()) {
                return ArrayBatches.Pixels.GREY;
            }
            return cfg.binarization() == VaeRunConfig.Binarization.THRESHOLD
                    ? ArrayBatches.Pixels.THRESHOLD : ArrayBatches.Pixels.DYNAMIC;
        }
    }

    /** The same batches whatever the epoch (a fixed test set). */
    private record FixedEpoch(ImageBatches inner) implements ImageBatches {
        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public int batchCount() {
            return inner.batchCount();
        }

        @Override
        public java.util.Iterator<INDArray> epoch(int epoch) {
            return inner.epoch(0);
        }
    }

    /**
     * Loads MNIST from {@code dir} (or the default cache, downloading it on first use).
     *
     * @param verbose print where the data came from
     */
    public static Split load(Path dir, VaeRunConfig cfg, PrintWriter out, boolean verbose) throws IOException {
        throw new IOException("MNIST loading is wired once the mnist-data module is on main");
    }

    /** A split from in-memory arrays (tests, other data sources). */
    public static Split of(INDArray train, INDArray test, String source) {
        return new Split(train, test, Map.of(), source);
    }
}
