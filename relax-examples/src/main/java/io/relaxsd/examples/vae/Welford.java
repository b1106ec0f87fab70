package io.relaxsd.examples.vae;

/**
 * Per-coordinate mean and variance of a stream of vectors in double precision, by Welford's
 * update (Welford 1962; Knuth, TAOCP vol. 2, 4.2.2): after the n-th vector x,
 * δ = x − m, m ← m + δ/n, M₂ ← M₂ + δ·(x − m); the sample variance is M₂/(n − 1).
 */
final class Welford {
    private final double[] mean;
    private final double[] m2;
    private long count;

    Welford(int dimension) {
        this.mean = new double[dimension];
        this.m2 = new double[dimension];
    }

    /** Adds one vector (its length is the dimension). */
    void add(float[] x) {
        if (x.length != mean.length) {
            throw new IllegalArgumentException("vector of length " + x.length + ", expected " + mean.length);
        }
        count++;
        double n = count;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double delta = v - mean[i];
            mean[i] += delta / n;
            m2[i] += delta * (v - mean[i]);
        }
    }

    long count() {
        return count;
    }

    int dimension() {
        return mean.length;
    }

    double[] mean() {
        return mean.clone();
    }

    /** Sample standard deviation per coordinate (n − 1 in the denominator); needs n ≥ 2. */
    double[] std() {
        if (count < 2) {
            throw new IllegalStateException("a standard deviation needs at least 2 vectors, got " + count);
        }
        double[] s = new double[m2.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.sqrt(m2[i] / (count - 1));
        }
        return s;
    }
}
