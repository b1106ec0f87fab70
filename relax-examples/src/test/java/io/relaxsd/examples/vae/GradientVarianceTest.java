package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.samediff.Seeds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The S-draw statistics of {@link GradientVariance} against exact expectations on a VAE small
 * enough to enumerate: latent 3x2 (9 joint outcomes per image), two images, logits pushed away from
 * uniform so that a wrongly weighted average is told apart.
 */
class GradientVarianceTest {
    private static final int C = 3;
    private static final int L = 2;
    private static final int B = 2;
    private static final int S = 600;
    /** Per-coordinate tolerance in standard errors (12 coordinates: a false alarm is ~1e-4 at most). */
    private static final double Z = 4.5;

    private static VaeTrainer trainer(String estimator, EstimatorConfig.Builder b) {
        VaeModel model = VaeModel.build(VaeSetup.categorical(C, L), b.build(), 5);
        // output bias of the encoder: per variable, logits far from uniform (p ≈ 0.84, 0.11, 0.04)
        List<org.nd4j.autodiff.samediff.SDVariable> biases = model.encoder().biases();
        biases.get(biases.size() - 1).getArr().assign(Nd4j.createFromArray(2f, 0f, -1f, -1f, 1.5f, 0f));
        return new VaeTrainer(model, new Adam(1e-3), 0, 100);
    }

    private static INDArray images() {
        return new SyntheticDigits(B, B, 4).first(B).castTo(DataType.FLOAT);
    }

    /**
     * Exact E_D[ĝ(D)] of an estimator that is a function of D alone (ST): Σ_D p(D) ĝ(D) per example,
     * each ĝ(D) computed by the same gradient call with the uniforms forcing D. Also returns the
     * unweighted mean over D (a deliberately wrong expectation).
     */
    private static double[][] exactOverOutcomes(VaeTrainer t, INDArray x) {
        VaeModel model = t.model();
        int outcomes = (int) Math.pow(C, L);
        int rows = B * outcomes;
        INDArray xs = Nd4j.create(DataType.FLOAT, rows, VaeSetup.PIXELS);
        float[][] u = new float[rows * L][C];
        for (int b = 0; b < B; b++) {
            for (int o = 0; o < outcomes; o++) {
                int r = b * outcomes + o;
                xs.getRow(r).assign(x.getRow(b));
                for (int l = 0, code = o; l < L; l++, code /= C) {
                    for (int k = 0; k < C; k++) {
                        u[r * L + l][k] = k == code % C ? 1f - 1e-6f : 1e-6f;      // Gumbel-max picks D_l = code % C
                    }
                }
            }
        }
        Map<String, INDArray> feed = new HashMap<>(model.feed(xs, Seeds.generator(1)));
        String uniforms = noisePlaceholder(feed);
        feed.put(uniforms, Nd4j.create(u).castTo(DataType.FLOAT));
        double[][] logits = model.sameDiff().output(feed, VaeModel.LOGITS).get(VaeModel.LOGITS)
                .castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] g = t.gradient(feed).logits().castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] exact = new double[B * L * C];
        double[] unweighted = new double[B * L * C];
        for (int b = 0; b < B; b++) {
            for (int o = 0; o < outcomes; o++) {
                int r = b * outcomes + o;
                double p = 1;
                for (int l = 0, code = o; l < L; l++, code /= C) {
                    p *= softmax(logits[r], l * C)[code % C];
                }
                for (int i = 0; i < L * C; i++) {
                    exact[b * L * C + i] += p * g[r][i];
                    unweighted[b * L * C + i] += g[r][i] / outcomes;
                }
            }
        }
        return new double[][] {exact, unweighted};
    }

    private static String noisePlaceholder(Map<String, INDArray> feed) {
        return feed.keySet().stream().filter(k -> !k.equals(VaeModel.INPUT) && !k.equals(VaeModel.INV_BATCH))
                .findFirst().orElseThrow();
    }

    private static double[] softmax(double[] row, int from) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < C; k++) {
            max = Math.max(max, row[from + k]);
        }
        double[] p = new double[C];
        double z = 0;
        for (int k = 0; k < C; k++) {
            p[k] = Math.exp(row[from + k] - max);
            z += p[k];
        }
        for (int k = 0; k < C; k++) {
            p[k] /= z;
        }
        return p;
    }

    /** Largest |mean − expected| / s.e. over the coordinates. */
    private static double maxZ(GradientVariance.Draws d, double[] expected) {
        double[] mean = d.gradient().mean();
        double[] std = d.gradient().std();
        double worst = 0;
        for (int i = 0; i < mean.length; i++) {
            worst = Math.max(worst, Math.abs(mean[i] - expected[i]) / (std[i] / Math.sqrt(S) + 1e-9));
        }
        return worst;
    }

    @Test
    void straightThroughMeanOverDrawsIsTheExactExpectationOverOutcomes() {
        VaeTrainer t = trainer("st", EstimatorConfig.builder("st").temperature(1.0));
        INDArray x = images();
        double[][] exact = exactOverOutcomes(t, x);
        GradientVariance.Draws d = GradientVariance.draw(t, x, GradientVariance.Wrt.LOGITS, S, Seeds.generator(7), null);
        GradientVariance.Stats s = d.stats();
        assertEquals(S, s.samples());
        assertEquals(B * L * C, s.coordinates());
        assertTrue(s.meanStd() > 1e-3, "ST's logit gradient depends on D, so it varies over draws: " + s.meanStd());
        double z = maxZ(d, exact[0]);
        System.out.printf("[variance-test] st: %.2f s.e. from the exact expectation, %.1f from the unweighted one%n", z,
                maxZ(d, exact[1]));
        assertTrue(z < Z, "MC mean vs exact expectation: " + z + " standard errors");
        // the test can tell: the unweighted mean over outcomes is far off
        assertTrue(maxZ(d, exact[1]) > 8, "unweighted mean is only " + maxZ(d, exact[1]) + " s.e. away");
        double norm = 0;
        for (double v : exact[0]) {
            norm += v * v;
        }
        assertEquals(Math.sqrt(norm), s.meanGradientNorm(), 0.1 * Math.sqrt(norm));
        assertTrue(Double.isFinite(s.nelbo()) && s.nelbo() > 0, "nelbo " + s.nelbo());
        // nothing moved: the same feed gives the same gradient as before the draws
        assertEquals(exact[0][0], exactOverOutcomes(t, x)[0][0], 1e-6);
    }

    /**
     * REINFORCE (leave-one-out baseline) is unbiased, so its mean over draws is the exact gradient
     * Σ_D p(D)·f(D)·∇log p(D) + ∂KL/∂θ, with f(D) and KL per example from forced outcomes. This
     * checks that the score-function path reports the model-loss gradient ĝ (plus KL), nothing
     * scaled and not the variance loss.
     */
    @Test
    void reinforceMeanOverDrawsIsTheExactGradient() {
        VaeTrainer t = trainer("reinforce", EstimatorConfig.builder("reinforce")
                .baseline(EstimatorConfig.Baseline.LEAVE_ONE_OUT).scoreSamples(2));
        VaeModel model = t.model();
        INDArray x = images();
        int outcomes = (int) Math.pow(C, L);
        double[] exact = new double[B * L * C];
        for (int b = 0; b < B; b++) {
            INDArray xb = x.getRow(b).reshape(1, VaeSetup.PIXELS);
            double[] theta = model.sameDiff().output(model.feed(xb, Seeds.generator(1)), VaeModel.LOGITS)
                    .get(VaeModel.LOGITS).castTo(DataType.DOUBLE).toDoubleVector();
            for (int o = 0; o < outcomes; o++) {
                double fd = reconstructionAt(model, xb, o);
                double p = 1;
                for (int l = 0, code = o; l < L; l++, code /= C) {
                    double[] pi = softmax(theta, l * C);
                    p *= pi[code % C];
                }
                for (int l = 0, code = o; l < L; l++, code /= C) {
                    double[] pi = softmax(theta, l * C);
                    for (int k = 0; k < C; k++) {
                        exact[b * L * C + l * C + k] += p * fd * ((k == code % C ? 1 : 0) - pi[k]);
                    }
                }
            }
            // ∂KL(π ‖ uniform)/∂θ_j = π_j (log π_j − Σ_k π_k log π_k), per variable
            for (int l = 0; l < L; l++) {
                double[] pi = softmax(theta, l * C);
                double plogp = 0;
                for (int k = 0; k < C; k++) {
                    plogp += pi[k] * Math.log(pi[k]);
                }
                for (int k = 0; k < C; k++) {
                    exact[b * L * C + l * C + k] += pi[k] * (Math.log(pi[k]) - plogp);
                }
            }
        }
        GradientVariance.Draws d = GradientVariance.draw(t, x, GradientVariance.Wrt.LOGITS, S, Seeds.generator(8), null);
        assertTrue(d.stats().meanStd() > 1e-3, "std " + d.stats().meanStd());
        double z = maxZ(d, exact);
        System.out.printf("[variance-test] reinforce: %.2f s.e. from the exact gradient%n", z);
        assertTrue(z < Z, "REINFORCE mean vs exact gradient: " + z + " standard errors");
        double[] halved = exact.clone();
        for (int i = 0; i < halved.length; i++) {
            halved[i] *= 0.5;
        }
        assertTrue(maxZ(d, halved) > 8, "half the exact gradient is only " + maxZ(d, halved) + " s.e. away");
    }

    /** f(D) = Σ_pixels BCE of the decoder at the one-hot code {@code o} (the −ELBO's first term). */
    private static double reconstructionAt(VaeModel model, INDArray xb, int o) {
        INDArray z = Nd4j.create(DataType.FLOAT, 1, (long) L * C);
        for (int l = 0, code = o; l < L; l++, code /= C) {
            z.putScalar(0, l * C + code % C, 1f);
        }
        Mlp dec = model.decoder();
        INDArray h = z;
        for (int i = 0; i < dec.weights().size(); i++) {
            h = h.mmul(dec.weights().get(i).getArr()).addRowVector(dec.biases().get(i).getArr());
            if (i + 1 < dec.weights().size()) {
                h = org.nd4j.linalg.ops.transforms.Transforms.relu(h, true);
            }
        }
        double[] a = h.castTo(DataType.DOUBLE).toDoubleVector();
        double[] px = xb.castTo(DataType.DOUBLE).toDoubleVector();
        double f = 0;
        for (int i = 0; i < a.length; i++) {
            f += Math.max(a[i], 0) - px[i] * a[i] + Math.log1p(Math.exp(-Math.abs(a[i])));
        }
        return f;
    }

    /** Gumbel-Rao Rao-Blackwellises ST-Gumbel-Softmax: the same mean, a lower standard deviation. */
    @Test
    void gumbelRaoHasStGumbelSoftmaxsMeanAndALowerStd() {
        INDArray x = images();
        GradientVariance.Draws st = GradientVariance.draw(trainer("st-gumbel-softmax",
                        EstimatorConfig.builder("st-gumbel-softmax").temperature(0.5)), x, GradientVariance.Wrt.LOGITS,
                S / 3, Seeds.generator(9), null);
        GradientVariance.Draws rao = GradientVariance.draw(trainer("gumbel-rao",
                        EstimatorConfig.builder("gumbel-rao").temperature(0.5).samples(10)), x, GradientVariance.Wrt.LOGITS,
                S / 3, Seeds.generator(10), null);
        double[] m1 = st.gradient().mean();
        double[] m2 = rao.gradient().mean();
        double[] s1 = st.gradient().std();
        double[] s2 = rao.gradient().std();
        for (int i = 0; i < m1.length; i++) {
            double se = Math.sqrt((s1[i] * s1[i] + s2[i] * s2[i]) / (S / 3));
            assertTrue(Math.abs(m1[i] - m2[i]) < Z * se + 1e-6, "coordinate " + i + ": " + m1[i] + " vs " + m2[i]);
        }
        System.out.printf("[variance-test] mean std: gumbel-rao %.4g, st-gumbel-softmax %.4g%n", rao.stats().meanStd(),
                st.stats().meanStd());
        assertTrue(rao.stats().meanStd() < 0.9 * st.stats().meanStd(),
                "gumbel-rao std " + rao.stats().meanStd() + " vs st-gumbel-softmax " + st.stats().meanStd());
    }

    @Test
    void weightGradientsCoverTheWholeEncoder() {
        VaeTrainer t = trainer("st", EstimatorConfig.builder("st"));
        GradientVariance.Stats s = GradientVariance.measure(t, images(), GradientVariance.Wrt.WEIGHTS, 4,
                Seeds.generator(3), null);
        long encoder = 0;
        for (var v : t.model().encoder().parameters()) {
            encoder += v.getArr().length();
        }
        assertEquals(encoder, s.coordinates());
        assertTrue(s.meanStd() > 0 && Double.isFinite(s.meanStd()), "std " + s.meanStd());
        assertThrows(IllegalArgumentException.class, () -> GradientVariance.measure(t, images(),
                GradientVariance.Wrt.LOGITS, 1, Seeds.generator(3), null));
    }

    @Test
    void welfordAgreesWithTheTwoPassFormula() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 50;
        float[][] xs = new float[n][3];
        Welford w = new Welford(3);
        for (float[] x : xs) {
            for (int i = 0; i < 3; i++) {
                x[i] = (float) (1e4 + r.nextGaussian() * (i + 1));     // a large offset: the naive formula loses digits
            }
            w.add(x);
        }
        for (int i = 0; i < 3; i++) {
            double mean = 0;
            for (float[] x : xs) {
                mean += x[i];
            }
            mean /= n;
            double ss = 0;
            for (float[] x : xs) {
                ss += (x[i] - mean) * (x[i] - mean);
            }
            assertEquals(mean, w.mean()[i], 1e-9 * Math.abs(mean));
            assertEquals(Math.sqrt(ss / (n - 1)), w.std()[i], 1e-9);
        }
        assertThrows(IllegalArgumentException.class, () -> w.add(new float[2]));
    }
}
