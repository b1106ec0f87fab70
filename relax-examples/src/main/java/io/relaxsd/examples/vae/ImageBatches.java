package io.relaxsd.examples.vae;

import java.util.Iterator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batches of flattened images {@code [b, 784]} with pixels in [0, 1]. The batches of an epoch must
 * be a function of the epoch number alone (shuffling and dynamic binarisation seeded per epoch), so
 * that a run resumed at epoch e sees exactly the data an uninterrupted run sees.
 */
public interface ImageBatches {
    /** Number of images per epoch. */
    int size();

    /** Number of batches per epoch. */
    int batchCount();

    /** The batches of epoch {@code epoch} (1-based), in order. */
    Iterator<INDArray> epoch(int epoch);
}
