package io.relaxsd.exact;

import io.relaxsd.estimator.DistributionKind;
import java.util.SplittableRandom;

/**
 * ReinMax-CV's expectation computed in plain Java from the estimators note, independently of the
 * SameDiff graph: exact enumeration over D, ReinMax's term in closed form ({@link ClosedForms}), and the
 * two Gumbel (logistic) expectations of the control variate by Monte-Carlo with own sampling; the
 * conditional one by rejection sampling (accept G when argmax(θ_D + G) = D), not by the exponential race
 * the graph uses.
 *
 * <pre>
 *   E[ĝ] = Σ_D p(D)·( ĝ_RM(D; τ_RM) + η·( E[J_τ(θ_D + G)ᵀg | argmax(θ_D + G) = D] − E_G[J_τ(θ_D + G)ᵀg] ) )
 *   θ_D = log((π₀ + D)/2),  J_τ(z) = J(softmax(z/τ))/τ,  g = ∂f/∂x at D
 * </pre>
 * The conditional form ({@code conditional = true}) replaces the unconditional expectation by the
 * conditional one, so its expectation is exactly Σ_D p(D) ĝ_RM(D), with zero standard error.
 */
final class ReinMaxCvReference {
    /** The expectation and its Monte-Carlo standard error per coordinate. */
    record Mean(double[] mean, double[] stderr) {
    }

    private ReinMaxCvReference() {
    }

    /** Σ_D p(D) ĝ_RM(D) at temperature τ_RM, in closed form. */
    static double[] reinmaxMean(DistributionKind kind, double[] theta, QuadraticLoss f, double tauRm) {
        return ExactGradient.expectation(outcomes(kind, theta),
                d -> ClosedForms.estimate("reinmax", kind, theta, d, f.gradient(d), tauRm, 1.0));
    }

    /** E[ĝ] with {@code draws} Gumbel (logistic) draws per outcome for each of the two expectations. */
    static Mean mean(DistributionKind kind, double[] theta, QuadraticLoss f, double tau, double tauRm, double eta,
                     boolean conditional, int draws, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int w = theta.length;
        double[] mean = reinmaxMean(kind, theta, f, tauRm);
        double[] var = new double[w];
        if (conditional) {
            return new Mean(mean, var);
        }
        for (ExactGradient.Outcome o : outcomes(kind, theta)) {
            double[] d = o.value();
            double[] g = f.gradient(d);
            double[][] cond = kind == DistributionKind.CATEGORICAL
                    ? categoricalJvp(theta, d, g, tau, true, draws, rng) : bernoulliJvp(theta, d, g, tau, true, draws, rng);
            double[][] free = kind == DistributionKind.CATEGORICAL
                    ? categoricalJvp(theta, d, g, tau, false, draws, rng) : bernoulliJvp(theta, d, g, tau, false, draws, rng);
            double p = o.probability();
            for (int i = 0; i < w; i++) {
                mean[i] += p * eta * (cond[0][i] - free[0][i]);
                var[i] += p * p * eta * eta * (cond[1][i] + free[1][i]);
            }
        }
        double[] se = new double[w];
        for (int i = 0; i < w; i++) {
            se[i] = Math.sqrt(var[i]);
        }
        return new Mean(mean, se);
    }

    private static ExactGradient.Outcome[] outcomes(DistributionKind kind, double[] theta) {
        return kind == DistributionKind.CATEGORICAL
                ? ExactGradient.categoricalOutcomes(theta) : ExactGradient.bernoulliOutcomes(theta);
    }

    /**
     * Mean and squared standard error of J(softmax((θ_D + G)/τ))ᵀg/τ over {@code draws} accepted Gumbel
     * draws, conditioned on argmax(θ_D + G) = D (by rejection) or not.
     */
    private static double[][] categoricalJvp(double[] theta, double[] d, double[] g, double tau, boolean conditional,
                                             int draws, SplittableRandom rng) {
        int k = theta.length;
        double[] p0 = ExactGradient.softmax(theta);
        int sampled = argmax(d);
        double[] thetaD = new double[k];
        for (int i = 0; i < k; i++) {
            thetaD[i] = Math.log((p0[i] + d[i]) / 2);
        }
        double[] sum = new double[k];
        double[] sumSq = new double[k];
        double[] z = new double[k];
        for (int n = 0; n < draws; ) {
            for (int i = 0; i < k; i++) {
                z[i] = thetaD[i] - Math.log(-Math.log(uniform(rng)));
            }
            if (conditional && argmax(z) != sampled) {
                continue;
            }
            for (int i = 0; i < k; i++) {
                z[i] /= tau;
            }
            double[] y = ExactGradient.softmax(z);
            double dot = 0;
            for (int i = 0; i < k; i++) {
                dot += y[i] * g[i];
            }
            for (int i = 0; i < k; i++) {
                double j = y[i] * (g[i] - dot) / tau;
                sum[i] += j;
                sumSq[i] += j * j;
            }
            n++;
        }
        return meanAndSquaredError(sum, sumSq, draws);
    }

    /** The same for independent Bernoullis: σ'(z_i/τ)/τ·g_i, z_i = logit((p_i + b_i)/2) + L_i, L logistic. */
    private static double[][] bernoulliJvp(double[] theta, double[] b, double[] g, double tau, boolean conditional,
                                           int draws, SplittableRandom rng) {
        int n = theta.length;
        double[] sum = new double[n];
        double[] sumSq = new double[n];
        for (int i = 0; i < n; i++) {
            double q = (ExactGradient.sigmoid(theta[i]) + b[i]) / 2;
            double logit = Math.log(q) - Math.log(1 - q);
            for (int s = 0; s < draws; ) {
                double u = uniform(rng);
                double z = logit + Math.log(u) - Math.log(1 - u);
                if (conditional && (z > 0) != (b[i] == 1.0)) {
                    continue;
                }
                double y = ExactGradient.sigmoid(z / tau);
                double j = y * (1 - y) / tau * g[i];
                sum[i] += j;
                sumSq[i] += j * j;
                s++;
            }
        }
        return meanAndSquaredError(sum, sumSq, draws);
    }

    private static double[][] meanAndSquaredError(double[] sum, double[] sumSq, int draws) {
        double[] mean = new double[sum.length];
        double[] se2 = new double[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = sum[i] / draws;
            se2[i] = Math.max(0, sumSq[i] / draws - mean[i] * mean[i]) / (draws - 1);
        }
        return new double[][] {mean, se2};
    }

    private static double uniform(SplittableRandom rng) {
        double u;
        do {
            u = rng.nextDouble();
        } while (u == 0.0);
        return u;
    }

    private static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
