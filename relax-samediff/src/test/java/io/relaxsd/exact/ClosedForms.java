package io.relaxsd.exact;

import io.relaxsd.estimator.DistributionKind;

/**
 * Plain-Java closed forms of the estimators that are deterministic given the sample, written from
 * the formulas of the estimators note independently of the SameDiff graphs they check.
 */
final class ClosedForms {
    private ClosedForms() {
    }

    static double[] estimate(String name, DistributionKind kind, double[] theta, double[] d, double[] g, double tau,
                             double alpha) {
        return kind == DistributionKind.CATEGORICAL ? categorical(name, theta, d, g, tau, alpha)
                : bernoulli(name, theta, d, g, tau, alpha);
    }

    private static double[] categorical(String name, double[] theta, double[] d, double[] g, double tau, double alpha) {
        int k = theta.length;
        double[] scaled = new double[k];
        for (int i = 0; i < k; i++) {
            scaled[i] = theta[i] / tau;
        }
        double[] pt = ExactGradient.softmax(scaled);
        double[] p0 = ExactGradient.softmax(theta);
        double[] p1 = new double[k];
        for (int i = 0; i < k; i++) {
            p1[i] = (d[i] + pt[i]) / 2;
        }
        switch (name) {
            case "st": {
                double[] j = jt(pt, g);
                for (int i = 0; i < k; i++) {
                    j[i] /= tau;
                }
                return j;
            }
            case "reinmax": {
                double[] a = jt(p1, g);
                double[] b = jt(p0, g);
                double[] out = new double[k];
                for (int i = 0; i < k; i++) {
                    out[i] = 2 * a[i] - 0.5 * b[i];
                }
                return out;
            }
            case "reinmax-alpha": {
                double c = 1 / (2 * alpha);
                double[] pa = new double[k];
                double dot = 0;
                for (int i = 0; i < k; i++) {
                    pa[i] = (1 - c) * pt[i] + c * d[i];
                    dot += pa[i] * g[i];
                }
                double[] b = jt(p0, g);
                double[] out = new double[k];
                for (int i = 0; i < k; i++) {
                    out[i] = 2 * (pa[i] * g[i] - p1[i] * dot) - c * b[i];
                }
                return out;
            }
            default:
                throw new IllegalArgumentException(name);
        }
    }

    private static double[] bernoulli(String name, double[] theta, double[] b, double[] g, double tau, double alpha) {
        double[] out = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            double p = ExactGradient.sigmoid(theta[i]);
            double pt = ExactGradient.sigmoid(theta[i] / tau);
            double p1 = (b[i] + pt) / 2;
            double c = 1 / (2 * alpha);
            double pa = (1 - c) * pt + c * b[i];
            out[i] = g[i] * switch (name) {
                case "st" -> pt * (1 - pt) / tau;
                case "reinmax" -> 2 * p1 * (1 - p1) - 0.5 * p * (1 - p);
                case "reinmax-alpha" -> 2 * pa * (1 - p1) - c * p * (1 - p);
                default -> throw new IllegalArgumentException(name);
            };
        }
        return out;
    }

    /** J(q)ᵀ g = q ⊙ g − q ⟨q, g⟩. */
    private static double[] jt(double[] q, double[] g) {
        double dot = 0;
        for (int i = 0; i < q.length; i++) {
            dot += q[i] * g[i];
        }
        double[] out = new double[q.length];
        for (int i = 0; i < q.length; i++) {
            out[i] = q[i] * (g[i] - dot);
        }
        return out;
    }
}
