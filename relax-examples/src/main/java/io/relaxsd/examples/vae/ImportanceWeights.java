package io.relaxsd.examples.vae;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.UniformDistribution;
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
 *
 * <p>Memory: k passes per image would allocate a few arrays of {@code [rows, n]} and
 * {@code [rows, 784]} each, whose native memory waits for a garbage collection the small Java
 * heap rarely triggers (an {@code --iwae 100} run grew to ~8 GB resident). Every array of a pass
 * lives in {@link Buffers} that are reused while the row count stays; the uniforms are drawn
 * into them in place with the values {@code Nd4j.rand} gives from the same generator state.
 */
final class ImportanceWeights {
    private final VaeModel model;
    private final VaeSetup setup;
    private Buffers buffers;

    ImportanceWeights(VaeModel model) {
        this.model = model;
        this.setup = model.setup();
    }

    /** The arrays of one pass at a fixed row count, allocated once. */
    private static final class Buffers {
        final long rows;
        final INDArray centred;          // [rows, 784] x − x̄
        final INDArray u;                // [rows, n] uniforms (categorical: [rows, L·C])
        final INDArray threshold;        // [rows, n] 1 − σ(θ)
        final INDArray bits;             // [rows, n] b of the layer drawn last
        final INDArray bits2;            // [rows, n] b2 (binary-linear-2)
        final INDArray signed;           // [rows, n] 2b − 1
        final INDArray signed2;          // [rows, n] 2b2 − 1
        final INDArray tmp;              // [rows, n] scratch of log p(t | a)
        final INDArray tmp2;
        final INDArray dot;              // [rows, 1] b·φ
        final INDArray pixels;           // [rows, 784] scratch of the pixel log-likelihood
        final INDArray pixels2;
        final INDArray[] encoder;        // layer outputs of the model's encoder, enc_top, dec_top, decoder
        final INDArray[] encTop;
        final INDArray[] decTop;
        final INDArray[] decoder;

        Buffers(VaeModel model, long rows) {
            this.rows = rows;
            int n = model.setup().latentWidth();
            centred = Nd4j.createUninitialized(DataType.FLOAT, rows, VaeSetup.PIXELS);
            u = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
            threshold = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
            bits = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
            bits2 = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
            signed = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
            signed2 = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
            tmp = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
            tmp2 = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
            dot = Nd4j.createUninitialized(DataType.FLOAT, new long[] {rows, 1}, 'f');
            pixels = Nd4j.createUninitialized(DataType.FLOAT, rows, VaeSetup.PIXELS);
            pixels2 = Nd4j.createUninitialized(DataType.FLOAT, rows, VaeSetup.PIXELS);
            encoder = model.encoder().outputBuffers(rows);
            decoder = model.decoder().outputBuffers(rows);
            TwoLayerGraph top = model.twoLayer();
            encTop = top == null ? null : top.encTop().outputBuffers(rows);
            decTop = top == null ? null : top.decTop().outputBuffers(rows);
        }
    }

    private Buffers buffers(long rows) {
        if (buffers == null || buffers.rows != rows) {
            buffers = new Buffers(model, rows);
        }
        return buffers;
    }

    /**
     * {@code k} log weights per image of {@code x}, {@code [rows][k]}; samples are drawn from
     * {@code rng}, image by image in the order the rows come.
     */
    double[][] logWeights(INDArray x, int k, Random rng) {
        INDArray xf = x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        int rows = (int) xf.size(0);
        Buffers buf = buffers(rows);
        INDArray mean = setup.binary() ? model.inputMean() : null;
        INDArray in = mean == null ? xf : buf.centred.assign(xf).subiRowVector(mean);
        INDArray theta = model.encoder().forward(in, buf.encoder);
        double[][] out = new double[rows][k];
        for (int j = 0; j < k; j++) {
            double[] w = setup.binary() ? bernoulli(xf, theta, rng, buf) : categorical(xf, theta, rng, buf);
            for (int i = 0; i < rows; i++) {
                out[i][j] = w[i];
            }
        }
        if (xf != x) {
            xf.close();
        }
        return out;
    }

    private double[] bernoulli(INDArray x, INDArray theta, Random rng, Buffers buf) {
        INDArray b = draw(theta, rng, buf, buf.bits);
        double[] logQ = logBernoulli(b, theta, buf);
        INDArray s1 = buf.signed.assign(b).muli(2.0).subi(1.0);
        INDArray phi = model.priorLogits();                               // [1, n]
        TwoLayerGraph top = model.twoLayer();
        double[] logP;
        if (top == null) {
            logP = logPrior(b, phi, buf);
        } else {
            INDArray theta2 = top.encTop().forward(s1, buf.encTop);
            INDArray b2 = draw(theta2, rng, buf, buf.bits2);
            add(logQ, logBernoulli(b2, theta2, buf));
            double[] prior = logPrior(b2, phi, buf);
            INDArray s2 = buf.signed2.assign(b2).muli(2.0).subi(1.0);
            INDArray a2 = top.decTop().forward(s2, buf.decTop);
            logP = logBernoulli(b, a2, buf);
            add(logP, prior);
        }
        INDArray a = model.decoder().forward(s1, buf.decoder);
        double[] w = pixelLogLikelihood(x, a, buf);
        for (int i = 0; i < w.length; i++) {
            w[i] += logP[i] - logQ[i];
        }
        return w;
    }

    /** log p(b) = Σ b φ − softplus φ per row, for the prior logits φ {@code [1, n]}. */
    private static double[] logPrior(INDArray b, INDArray phi, Buffers buf) {
        Nd4j.gemm(b, phi, buf.dot, false, true, 1.0, 0.0);
        double[] lp = vector(buf.dot);
        INDArray sp = softplus(phi);
        double norm = sp.sumNumber().doubleValue();
        sp.close();
        for (int i = 0; i < lp.length; i++) {
            lp[i] -= norm;
        }
        return lp;
    }

    /** {@link #logBernoulli} of the pixels, in the pass's two pixel scratch arrays. */
    private static double[] pixelLogLikelihood(INDArray x, INDArray a, Buffers buf) {
        return logBernoulli(x, a, buf.pixels, buf.pixels2);
    }

    /** Gumbel-max one-hot samples per variable, log q of them, and log p(x|D) − L log C. */
    private double[] categorical(INDArray x, INDArray theta, Random rng, Buffers buf) {
        int rows = (int) theta.size(0);
        int c = setup.categories();
        int l = setup.variables();
        float[] t = theta.data().asFloat();
        Nd4j.getExecutioner().exec(new UniformDistribution(buf.u, 0.0, 1.0), rng);
        float[] u = buf.u.data().asFloat();
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
        INDArray oneHot = buf.bits;
        oneHot.data().setData(d);
        INDArray a = model.decoder().forward(oneHot, buf.decoder);
        double[] w = pixelLogLikelihood(x, a, buf);
        double logPrior = -l * Math.log(c);
        for (int r = 0; r < rows; r++) {
            w[r] += logPrior - logQ[r];
        }
        return w;
    }

    /** b = 1 where u &gt; 1 − σ(θ) (i.e. θ + logit u &gt; 0, probability σ(θ)), into {@code into}. */
    private static INDArray draw(INDArray theta, Random rng, Buffers buf, INDArray into) {
        Nd4j.getExecutioner().exec(new UniformDistribution(buf.u, 0.0, 1.0), rng);
        INDArray threshold = Transforms.sigmoid(buf.threshold.assign(theta).negi(), false);     // 1 − σ(θ)
        // u − (1 − σ(θ)) > 0 exactly where u > 1 − σ(θ): the difference of two distinct floats is never 0
        return Transforms.step(into.assign(buf.u).subi(threshold), false);
    }

    /** softplus a = max(a, 0) + log1p(exp(−|a|)), finite for any a (a new array). */
    static INDArray softplus(INDArray a) {
        INDArray tail = Transforms.log1p(Transforms.exp(Transforms.abs(a, true).negi(), false), false);
        INDArray r = Transforms.relu(a, true);
        tail.addi(r);
        r.close();
        return tail;
    }

    /** Σ_columns t a − softplus a per row = log p(t | logits a), in the pass's scratch. */
    private static double[] logBernoulli(INDArray t, INDArray a, Buffers buf) {
        return logBernoulli(t, a, buf.tmp, buf.tmp2);
    }

    /** Σ_columns t a − softplus a per row = log p(t | logits a). */
    static double[] logBernoulli(INDArray t, INDArray a) {
        INDArray s1 = Nd4j.createUninitialized(DataType.FLOAT, a.shape());
        INDArray s2 = Nd4j.createUninitialized(DataType.FLOAT, a.shape());
        double[] v = logBernoulli(t, a, s1, s2);
        s1.close();
        s2.close();
        return v;
    }

    /** The same with two scratch arrays of a's shape (overwritten). */
    private static double[] logBernoulli(INDArray t, INDArray a, INDArray scratch, INDArray scratch2) {
        INDArray tail = scratch.assign(a);
        Transforms.abs(tail, false);
        Transforms.exp(tail.negi(), false);
        Transforms.log1p(tail, false);                   // log1p(exp(−|a|))
        INDArray r = Transforms.relu(scratch2.assign(a), false);
        tail.addi(r);                                    // softplus a
        INDArray sum = r.assign(t).muli(a).subi(tail).sum(1);
        double[] v = vector(sum);
        sum.close();
        return v;
    }

    /** The values of a fresh FLOAT result (a row sum, a product) as doubles, without another native array. */
    private static double[] vector(INDArray a) {
        if (a.isView() || !a.isVectorOrScalar() || a.data().length() != a.length()) {
            throw new IllegalStateException("expected a dense result array");
        }
        return a.data().asDouble();
    }

    private static void add(double[] into, double[] v) {
        for (int i = 0; i < into.length; i++) {
            into[i] += v[i];
        }
    }
}
