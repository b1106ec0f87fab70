package io.relaxsd.exact;

import java.util.Arrays;

/**
 * The test loss f(x) = ‖M x − t‖² of the exactness checks: M is m × K (or m × n), t has length m.
 * Non-separable when M mixes coordinates, so estimators cannot pass by treating them one by one.
 */
public final class QuadraticLoss {
    private final double[][] mixing;
    private final double[] target;

    private QuadraticLoss(double[][] mixing, double[] target) {
        this.mixing = mixing;
        this.target = target;
    }

    /** f(x) = ‖M x − t‖² with M validated against t and the input width. */
    public static QuadraticLoss of(double[][] mixing, double[] target, int width) {
        if (target.length == 0) {
            throw new IllegalArgumentException("target must not be empty");
        }
        if (mixing.length != target.length) {
            throw new IllegalArgumentException("mixing must have " + target.length + " rows (the target length), got "
                    + mixing.length);
        }
        for (int r = 0; r < mixing.length; r++) {
            if (mixing[r].length != width) {
                throw new IllegalArgumentException("mixing row " + (r + 1) + " must have " + width + " entries (the "
                        + "number of logits), got " + mixing[r].length);
            }
            for (double v : mixing[r]) {
                requireFinite("mixing", v);
            }
        }
        for (double v : target) {
            requireFinite("target", v);
        }
        double[][] copy = new double[mixing.length][];
        for (int r = 0; r < mixing.length; r++) {
            copy[r] = mixing[r].clone();
        }
        return new QuadraticLoss(copy, target.clone());
    }

    /** f(x) = ‖x − t‖² (M = identity). */
    public static QuadraticLoss identity(double[] target) {
        double[][] m = new double[target.length][target.length];
        for (int i = 0; i < target.length; i++) {
            m[i][i] = 1.0;
        }
        return of(m, target, target.length);
    }

    private static void requireFinite(String field, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(field + " must be finite, got " + v);
        }
    }

    public int width() {
        return mixing[0].length;
    }

    /** A copy of M. */
    public double[][] mixing() {
        double[][] copy = new double[mixing.length][];
        for (int r = 0; r < mixing.length; r++) {
            copy[r] = mixing[r].clone();
        }
        return copy;
    }

    /** A copy of t. */
    public double[] target() {
        return target.clone();
    }

    /** f(x). */
    public double value(double[] x) {
        double s = 0;
        for (int r = 0; r < mixing.length; r++) {
            double d = -target[r];
            for (int c = 0; c < x.length; c++) {
                d += mixing[r][c] * x[c];
            }
            s += d * d;
        }
        return s;
    }

    /** ∂f/∂x = 2 Mᵀ(M x − t). */
    public double[] gradient(double[] x) {
        double[] g = new double[x.length];
        for (int r = 0; r < mixing.length; r++) {
            double d = -target[r];
            for (int c = 0; c < x.length; c++) {
                d += mixing[r][c] * x[c];
            }
            for (int c = 0; c < x.length; c++) {
                g[c] += 2 * mixing[r][c] * d;
            }
        }
        return g;
    }

    @Override
    public String toString() {
        return "QuadraticLoss{M=" + Arrays.deepToString(mixing) + ", t=" + Arrays.toString(target) + "}";
    }
}
