package io.relaxsd.examples.vae;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;

/**
 * The gradient-variance protocol of Wang &amp; Bui, "Beyond ReinMax": at fixed weights and on one
 * fixed batch, S independent gradient estimates g⁽¹⁾ … g⁽ˢ⁾ of one estimator (fresh noise each, no
 * update in between), summarised per coordinate i by the sample mean ḡ_i and the sample standard
 * deviation s_i = √(Σ_s (g_i⁽ˢ⁾ − ḡ_i)² / (S − 1)) (Welford, double precision), and over the d
 * coordinates by
 * <pre>
 *   mean std        = (1/d) Σ_i s_i
 *   mean grad norm  = ‖ḡ‖₂ = √(Σ_i ḡ_i²)
 *   total variance  = Σ_i s_i²            (the trace of the estimate's covariance)
 *   debiased norm   = √max(0, ‖ḡ‖² − Σ_i s_i²/S)
 * </pre>
 * ‖ḡ‖ overestimates the norm of the expected gradient μ: E‖ḡ‖² = ‖μ‖² + tr Σ/S, so for a
 * high-variance estimator (REINFORCE) and small S it mostly measures the noise; the debiased norm
 * subtracts that term (unbiased for ‖μ‖² before the square root and the clipping at 0).
 * The coordinates are either the per-example logit gradients ∂(−ELBO_b)/∂θ_b of the whole batch
 * (d = B·L·C; {@link Wrt#LOGITS}) or the gradient of the batch-mean loss with respect to every
 * encoder parameter (d = the encoder's parameter count; {@link Wrt#WEIGHTS}); see
 * {@link VaeTrainer#gradient}. The exact KL term is part of both; it is the same in every draw and
 * adds nothing to the standard deviations.
 */
public final class GradientVariance {

    /** With respect to what the gradient is taken. */
    public enum Wrt {
        /** The encoder's output logits θ, per example ({@code [B, L·C]} flattened). */
        LOGITS,
        /** All encoder weights and biases, flattened in the encoder's layer order. */
        WEIGHTS;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Wrt parse(String s) {
            for (Wrt w : values()) {
                if (w.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return w;
                }
            }
            throw new IllegalArgumentException("wrt must be logits or weights, got '" + s + "'");
        }
    }

    /**
     * The summary of S draws.
     *
     * @param samples          S
     * @param coordinates      d
     * @param meanStd          (1/d) Σ_i s_i
     * @param meanGradientNorm ‖ḡ‖₂
     * @param totalVariance    Σ_i s_i²
     * @param debiasedNorm     √max(0, ‖ḡ‖² − Σ_i s_i²/S)
     * @param nelbo            −ELBO of the batch (hard sample, batch mean), averaged over the S draws
     * @param nelboStdError    its standard error over the draws
     * @param seconds          wall time of the S draws
     */
    public record Stats(int samples, int coordinates, double meanStd, double meanGradientNorm, double totalVariance,
                        double debiasedNorm, double nelbo, double nelboStdError, double seconds) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("samples", samples);
            m.put("coordinates", coordinates);
            m.put("mean_std", meanStd);
            m.put("mean_gradient_norm", meanGradientNorm);
            m.put("total_variance", totalVariance);
            m.put("debiased_gradient_norm", debiasedNorm);
            m.put("nelbo", nelbo);
            m.put("nelbo_se", nelboStdError);
            m.put("seconds", seconds);
            return m;
        }
    }

    /** The draws' moments (mean and std vectors), for tests; {@link #stats} summarises them. */
    record Draws(Welford gradient, double nelboSum, double nelboSquares, double seconds) {
        Stats stats() {
            double[] mean = gradient.mean();
            double[] std = gradient.std();
            double sumStd = 0;
            double sumVar = 0;
            double norm2 = 0;
            for (int i = 0; i < std.length; i++) {
                sumStd += std[i];
                sumVar += std[i] * std[i];
                norm2 += mean[i] * mean[i];
            }
            long s = gradient.count();
            double nelbo = nelboSum / s;
            double nelboVar = Math.max(0, (nelboSquares - s * nelbo * nelbo) / (s - 1));
            return new Stats((int) s, std.length, sumStd / std.length, Math.sqrt(norm2), sumVar,
                    Math.sqrt(Math.max(0, norm2 - sumVar / s)), nelbo,
                    Math.sqrt(nelboVar / s), seconds);
        }
    }

    private GradientVariance() {
    }

    /**
     * Draws {@code samples} gradient estimates with the trainer's model at its current weights on
     * the batch {@code x}, noise from {@code rng}, and summarises them.
     *
     * @param progress called after each draw with the number of draws done
     */
    public static Stats measure(VaeTrainer trainer, INDArray x, Wrt wrt, int samples, Random rng, IntConsumer progress) {
        return draw(trainer, x, wrt, samples, rng, progress).stats();
    }

    static Draws draw(VaeTrainer trainer, INDArray x, Wrt wrt, int samples, Random rng, IntConsumer progress) {
        if (samples < 2) {
            throw new IllegalArgumentException("samples must be >= 2 for a standard deviation, got " + samples);
        }
        VaeModel model = trainer.model();
        List<String> encoder = new ArrayList<>();
        for (SDVariable v : model.encoder().parameters()) {
            encoder.add(v.name());
        }
        long start = System.nanoTime();
        Welford w = null;
        double sum = 0;
        double squares = 0;
        for (int s = 1; s <= samples; s++) {
            VaeTrainer.StepGradient g = trainer.gradient(model.feed(x, rng));
            float[] v = wrt == Wrt.LOGITS ? floats(g.logits()) : concat(g.parameters(), encoder);
            if (w == null) {
                w = new Welford(v.length);
            }
            for (float f : v) {
                if (!Float.isFinite(f)) {
                    throw new IllegalStateException("draw " + s + " of " + model.estimator().name()
                            + " gave a non-finite gradient (" + f + ")");
                }
            }
            w.add(v);
            if (!Double.isFinite(g.nelbo())) {
                throw new IllegalStateException("draw " + s + " of " + model.estimator().name() + " gave -ELBO "
                        + g.nelbo());
            }
            sum += g.nelbo();
            squares += g.nelbo() * g.nelbo();
            if (progress != null) {
                progress.accept(s);
            }
        }
        return new Draws(w, sum, squares, (System.nanoTime() - start) / 1e9);
    }

    private static float[] floats(INDArray a) {
        return a.dup('c').castTo(DataType.FLOAT).data().asFloat();
    }

    private static float[] concat(Map<String, INDArray> grads, List<String> names) {
        long n = 0;
        for (String name : names) {
            n += grads.get(name).length();
        }
        float[] v = new float[Math.toIntExact(n)];
        int at = 0;
        for (String name : names) {
            float[] part = floats(grads.get(name));
            System.arraycopy(part, 0, v, at, part.length);
            at += part.length;
        }
        return v;
    }
}
