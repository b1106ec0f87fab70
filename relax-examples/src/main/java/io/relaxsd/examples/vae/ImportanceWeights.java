package io.relaxsd.examples.vae;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Log importance weights log w = log p(x, b) − log q(b|x) of samples b ~ q(b|x) of a
 * {@link VaeModel}, computed outside the graph with its current weights (plain ND4J, FLOAT GEMMs,
 * per-image sums returned as doubles):
 * <ul>
 *   <li>one layer: log w = log p(x|b) + log p(b) − log q(b|x), with the learned prior
 *       log p(b) = Σ b φ − softplus φ (Bernoulli) or the uniform −L log C (categorical), and
 *       log q(b|x) = Σ b θ − softplus θ (Bernoulli) or Σ_l log softmax(θ_l)[D_l];</li>
 *   <li>{@code binary-linear-2}: b1 ~ q(b1|x), b2 ~ q(b2|b1),
 *       log w = log p(x|b1) + log p(b1|b2) + log p(b2) − log q(b1|x) − log q(b2|b1).</li>
 * </ul>
 * log p(t | logits a) = Σ t a − softplus a, with softplus a = max(a, 0) + log1p(exp(−|a|)).
 * Binary setups read x − x̄ in the encoder and 2b − 1 above the pixels, as {@link VaeModel}.
 * These are the weights of the IWAE bound (Burda et al. 2016, eq. 8), not the analytic-KL form
 * the training loss reports.
 */
final class ImportanceWeights {
    private final VaeModel model;
    private final VaeSetup setup;
    // [rows, 784] scratch of the pixel log-likelihood: a fresh array of that size costs more than
    // the transcendental passes over it (docs/dl4j-m2.1-traps.md)
    private INDArray scratch;
    private INDArray scratch2;

    ImportanceWeights(VaeModel model) {
        this.model = model;
        this.setup = model.setup();
    }

    /**
     * {@code k} log weights per image of {@code x}, {@code [rows][k]}; samples are drawn from
     * {@code rng}, image by image in the order the rows come.
     */
    double[][] logWeights(INDArray x, int k, Random rng) {
        INDArray xf = x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        int rows = (int) xf.size(0);
        INDArray mean = setup.binary() ? model.inputMean() : null;
        INDArray centred = mean == null ? xf : xf.subRowVector(mean);
        INDArray theta = model.encoder().forward(centred);
        if (centred != xf) {
            centred.close();
        }
        double[][] out = new double[rows][k];
        for (int j = 0; j < k; j++) {
            double[] w = setup.binary() ? bernoulli(xf, theta, rng) : categorical(xf, theta, rng);
            for (int i = 0; i < rows; i++) {
                out[i][j] = w[i];
            }
        }
        theta.close();
        return out;
    }

    private double[] bernoulli(INDArray x, INDArray theta, Random rng) {
        INDArray b = draw(theta, rng);
        double[] logQ = logBernoulli(b, theta);
        double[] logP;
        INDArray decoderInput;
        TwoLayerGraph top = model.twoLayer();
        INDArray s1 = signed(b);
        INDArray phi = model.priorLogits();                               // [1, n]
        if (top == null) {
            logP = logPrior(b, phi);
        } else {
            INDArray theta2 = top.encTop().forward(s1);
            INDArray b2 = draw(theta2, rng);
            add(logQ, logBernoulli(b2, theta2));
            double[] prior = logPrior(b2, phi);
            INDArray s2 = signed(b2);
            INDArray a2 = top.decTop().forward(s2);
            logP = logBernoulli(b, a2);
            add(logP, prior);
            for (INDArray t : new INDArray[] {theta2, b2, s2, a2}) {
                t.close();
            }
        }
        decoderInput = s1;
        INDArray a = model.decoder().forward(decoderInput);
        double[] w = pixelLogLikelihood(x, a);
        // the off-heap memory of k passes per image goes back now, not at the next GC
        a.close();
        if (decoderInput != b) {
            decoderInput.close();
        }
        b.close();
        for (int i = 0; i < w.length; i++) {
            w[i] += logP[i] - logQ[i];
        }
        return w;
    }

    /** log p(b) = Σ b φ − softplus φ per row, for the prior logits φ {@code [1, n]}. */
    private static double[] logPrior(INDArray b, INDArray phi) {
        double[] lp = vector(b.mmul(phi.transpose()));
        double norm = softplus(phi).sumNumber().doubleValue();
        for (int i = 0; i < lp.length; i++) {
            lp[i] -= norm;
        }
        return lp;
    }

    /** {@link #logBernoulli} of the pixels, in place in two scratch arrays (no allocation per call). */
    private double[] pixelLogLikelihood(INDArray x, INDArray a) {
        if (scratch == null || !java.util.Arrays.equals(scratch.shape(), a.shape())) {
            scratch = Nd4j.createUninitialized(DataType.FLOAT, a.shape());
            scratch2 = Nd4j.createUninitialized(DataType.FLOAT, a.shape());
        }
        INDArray tail = scratch.assign(a);
        Transforms.abs(tail, false);
        Transforms.exp(tail.negi(), false);
        Transforms.log1p(tail, false);                   // log1p(exp(−|a|))
        INDArray r = Transforms.relu(scratch2.assign(a), false);
        tail.addi(r);                                    // softplus a
        return vector(r.assign(x).muli(a).subi(tail).sum(1));
    }

    /** Gumbel-max one-hot samples per variable, log q of them, and log p(x|D) − L log C. */
    private double[] categorical(INDArray x, INDArray theta, Random rng) {
        int rows = (int) theta.size(0);
        int c = setup.categories();
        int l = setup.variables();
        float[] t = theta.castTo(DataType.FLOAT).data().asFloat();
        float[] u = Nd4j.rand(rng, rows, (long) l * c).castTo(DataType.FLOAT).data().asFloat();
        float[] d = new float[t.length];
        double[] logQ = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < l; v++) {
                int o = (r * l + v) * c;
                int best = 0;
                double bestV = Double.NEGATIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < c; i++) {
                    double ui = Math.min(Math.max(u[o + i], 1e-12), 1 - 1e-7);
                    double g = t[o + i] - Math.log(-Math.log(ui));
                    if (g > bestV) {
                        bestV = g;
                        best = i;
                    }
                    max = Math.max(max, t[o + i]);
                }
                double z = 0;
                for (int i = 0; i < c; i++) {
                    z += Math.exp(t[o + i] - max);
                }
                d[o + best] = 1;
                logQ[r] += t[o + best] - max - Math.log(z);
            }
        }
        INDArray oneHot = Nd4j.create(d, new long[] {rows, (long) l * c}, 'c');
        INDArray a = model.decoder().forward(oneHot);
        double[] w = pixelLogLikelihood(x, a);
        a.close();
        oneHot.close();
        double logPrior = -l * Math.log(c);
        for (int r = 0; r < rows; r++) {
            w[r] += logPrior - logQ[r];
        }
        return w;
    }

    /** b = 1 where θ + logit u > 0, i.e. with probability σ(θ). */
    private static INDArray draw(INDArray theta, Random rng) {
        INDArray u = Nd4j.rand(rng, theta.shape()).castTo(DataType.FLOAT);
        INDArray threshold = Transforms.sigmoid(theta.neg(), false);     // 1 − σ(θ)
        INDArray hit = u.gt(threshold);
        INDArray b = hit.castTo(DataType.FLOAT);
        u.close();
        threshold.close();
        hit.close();
        return b;
    }

    private static INDArray signed(INDArray b) {
        return b.mul(2.0).subi(1.0);
    }

    /** softplus a = max(a, 0) + log1p(exp(−|a|)), finite for any a. */
    static INDArray softplus(INDArray a) {
        INDArray tail = Transforms.log1p(Transforms.exp(Transforms.abs(a, true).negi(), false), false);
        return tail.addi(Transforms.relu(a, true));
    }

    /** Σ_columns t a − softplus a per row = log p(t | logits a). */
    static double[] logBernoulli(INDArray t, INDArray a) {
        return vector(t.mul(a).subi(softplus(a)).sum(1));
    }

    private static double[] vector(INDArray a) {
        return a.castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector();
    }

    private static void add(double[] into, double[] v) {
        for (int i = 0; i < into.length; i++) {
            into[i] += v[i];
        }
    }
}
