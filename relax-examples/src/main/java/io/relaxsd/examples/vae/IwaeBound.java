package io.relaxsd.examples.vae;

import java.util.Iterator;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The importance-weighted bound of Burda et al. ("Importance Weighted Autoencoders", ICLR 2016,
 * eq. 8) as the RELAX paper reports it (100 samples per validation image):
 * <pre>
 *   −IWAE_k(x) = −log (1/k) Σ_j exp(log w_j),   log w_j = log p(x, b_j) − log q(b_j|x),  b_j ~ q(b|x)
 * </pre>
 * averaged over images. E[IWAE_k] ≤ log p(x), it does not decrease with k, and it tends to
 * log p(x) as k → ∞; IWAE_1 is the single-sample ELBO. The log-mean-exp is shifted by the largest
 * weight and accumulated in double.
 */
public final class IwaeBound {
    private IwaeBound() {
    }

    /** log (1/k) Σ exp(w_j), stable: max + log Σ exp(w_j − max) − log k. */
    static double logMeanExp(double[] w) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : w) {
            max = Math.max(max, v);
        }
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            return max;
        }
        double s = 0;
        for (double v : w) {
            s += Math.exp(v - max);
        }
        return max + Math.log(s / w.length);
    }

    /**
     * Mean over the images of {@code data} (epoch 0's order and binarisation, as the test set is
     * fixed) of −IWAE_k, evaluated {@code evalBatch} images at a time.
     *
     * @param progress called with the number of images done after each chunk (may be null)
     */
    static double evaluate(VaeModel model, ImageBatches data, int k, int evalBatch, Random rng, IntConsumer progress) {
        if (k < 1) {
            throw new IllegalArgumentException("iwae samples must be >= 1, got " + k);
        }
        ImportanceWeights weights = new ImportanceWeights(model);
        double total = 0;
        long n = 0;
        Iterator<INDArray> it = data.epoch(0);
        while (it.hasNext()) {
            INDArray batch = it.next();
            for (long from = 0; from < batch.size(0); from += evalBatch) {
                long to = Math.min(batch.size(0), from + evalBatch);
                INDArray x = from == 0 && to == batch.size(0) ? batch
                        : batch.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
                for (double[] w : weights.logWeights(x, k, rng)) {
                    total -= logMeanExp(w);
                }
                n += to - from;
                if (progress != null) {
                    progress.accept((int) n);
                }
            }
        }
        if (n == 0) {
            throw new IllegalStateException("the evaluation data yielded no images");
        }
        double mean = total / n;
        if (!Double.isFinite(mean)) {
            throw new IllegalStateException("the IWAE bound became " + mean + "; the model's weights are not finite");
        }
        return mean;
    }
}
