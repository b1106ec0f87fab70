package io.relaxsd.exact;

import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Exact expectations by enumeration, the ground truth of every estimator test.
 *
 * <ul>
 *   <li>one categorical variable with logits θ ∈ R^K: ∇θ E[f(D)] = Σ_k π_k f(e_k) (e_k − π);</li>
 *   <li>n independent Bernoullis with logits θ ∈ R^n (n ≤ {@value #MAX_BERNOULLI}):
 *       ∇θ E[f(b)] = Σ_b p(b) f(b) (b − p), all 2^n outcomes.</li>
 * </ul>
 * {@link #expectation} gives Σ_D p(D) h(D) for any vector-valued h, e.g. the closed-form mean of
 * an estimator that is deterministic given D (ST, ReinMax).
 */
public final class ExactGradient {
    /** Largest n for Bernoulli enumeration. */
    public static final int MAX_BERNOULLI = 12;

    private ExactGradient() {
    }

    /** One discrete outcome: its one-hot / 0-1 vector and its probability. */
    public record Outcome(double[] value, double probability) {
    }

    /** All outcomes of one categorical variable with these logits. */
    public static Outcome[] categoricalOutcomes(double[] logits) {
        double[] p = softmax(logits);
        Outcome[] out = new Outcome[logits.length];
        for (int k = 0; k < logits.length; k++) {
            double[] e = new double[logits.length];
            e[k] = 1.0;
            out[k] = new Outcome(e, p[k]);
        }
        return out;
    }

    /** All 2^n outcomes of n independent Bernoullis with these logits. */
    public static Outcome[] bernoulliOutcomes(double[] logits) {
        int n = logits.length;
        if (n < 1 || n > MAX_BERNOULLI) {
            throw new IllegalArgumentException("Bernoulli enumeration needs 1 <= n <= " + MAX_BERNOULLI + ", got " + n);
        }
        Outcome[] out = new Outcome[1 << n];
        for (int mask = 0; mask < out.length; mask++) {
            double[] b = new double[n];
            double prob = 1.0;
            for (int i = 0; i < n; i++) {
                b[i] = (mask >> i) & 1;
                double p = sigmoid(logits[i]);
                prob *= b[i] == 1.0 ? p : 1 - p;
            }
            out[mask] = new Outcome(b, prob);
        }
        return out;
    }

    /** Σ over outcomes of p(D)·h(D). */
    public static double[] expectation(Outcome[] outcomes, Function<double[], double[]> h) {
        double[] acc = null;
        for (Outcome o : outcomes) {
            double[] v = h.apply(o.value());
            if (acc == null) {
                acc = new double[v.length];
            }
            for (int i = 0; i < v.length; i++) {
                acc[i] += o.probability() * v[i];
            }
        }
        return acc;
    }

    /** ∇θ E[f(D)] for one categorical variable. */
    public static double[] categorical(double[] logits, ToDoubleFunction<double[]> f) {
        double[] p = softmax(logits);
        return expectation(categoricalOutcomes(logits), d -> scoreTimes(d, p, f.applyAsDouble(d)));
    }

    /** ∇θ E[f(b)] for n independent Bernoullis. */
    public static double[] bernoulli(double[] logits, ToDoubleFunction<double[]> f) {
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = sigmoid(logits[i]);
        }
        return expectation(bernoulliOutcomes(logits), b -> scoreTimes(b, p, f.applyAsDouble(b)));
    }

    /** E[f(D)]. */
    public static double expectedValue(Outcome[] outcomes, ToDoubleFunction<double[]> f) {
        double s = 0;
        for (Outcome o : outcomes) {
            s += o.probability() * f.applyAsDouble(o.value());
        }
        return s;
    }

    private static double[] scoreTimes(double[] d, double[] p, double f) {
        double[] g = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            g[i] = f * (d[i] - p[i]);
        }
        return g;
    }

    /** Numerically stable softmax. */
    public static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double[] p = new double[logits.length];
        double z = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            z += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= z;
        }
        return p;
    }

    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
