package io.relaxsd.exact;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.Estimator;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.NodeDraw;
import io.relaxsd.estimator.PathwiseEstimator;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import io.relaxsd.samediff.Seeds;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Monte-Carlo study of one estimator on a problem small enough to solve exactly: one categorical
 * variable with K classes (or n ≤ 12 Bernoullis), loss f(x) = ‖M x − t‖².
 *
 * <p>N independent single-sample estimates come from ONE graph whose logits placeholder holds N
 * identical rows (rows never interact), run in chunks. The result holds the exact gradient by
 * enumeration, the Monte-Carlo mean and standard error per coordinate, the total variance and —
 * for estimators that are deterministic given the sample — their exact expectation Σ_D p(D) ĝ(D),
 * computed by running the same estimator on every outcome.
 */
public final class GradientProbe {
    /** Rows per {@code calculateGradients} call. */
    static final int CHUNK = 10_000;
    static final String LOGITS = "theta";

    private GradientProbe() {
    }

    /** What the probe measured. {@code expected} is null when it is not a finite sum. */
    public record Result(String estimator, DistributionKind kind, double[] logits, double[] exact, double[] mean,
                         double[] stderr, double variance, long samples, double[] expected) {
    }

    /**
     * Builds the per-row estimate graph of one estimator: the returned scalar's gradient with respect
     * to each row of {@code logits} is that row's single-sample estimate ĝ. Pathwise estimators use
     * {@link #pathwise}; score-function estimators plug in their own.
     */
    public interface RowEstimate {
        SDVariable build(SameDiff sd, SDVariable logits, DistributionKind kind, int width, QuadraticLoss f);

        /** Noise for {@code rows} rows, fed with every chunk. */
        Map<String, INDArray> noise(long rows, Random rng);
    }

    /** The row estimate of a pathwise estimator: f of the {@link Discrete} node's output, summed. */
    public static RowEstimate pathwise(EstimatorConfig config) {
        Estimators.pathwise(config);
        return new RowEstimate() {
            private Discrete discrete;

            @Override
            public SDVariable build(SameDiff sd, SDVariable logits, DistributionKind kind, int width, QuadraticLoss f) {
                discrete = Discrete.in(sd);
                SDVariable x = kind == DistributionKind.CATEGORICAL
                        ? discrete.categorical("z", logits, width, config)
                        : discrete.bernoulli("z", logits, width, config);
                return lossPerRow(sd, x, f).sum();
            }

            @Override
            public Map<String, INDArray> noise(long rows, Random rng) {
                return discrete.drawNoise(rows, rng);
            }
        };
    }

    /** f(x) = ‖M x − t‖² per row of {@code x} {@code [rows, width]}, as SameDiff ops: {@code [rows]}. */
    public static SDVariable lossPerRow(SameDiff sd, SDVariable x, QuadraticLoss f) {
        INDArray mT = Nd4j.create(f.mixing()).transpose().castTo(DataType.DOUBLE).dup();
        INDArray t = Nd4j.create(f.target()).reshape(1, f.target().length).castTo(DataType.DOUBLE);
        SDVariable r = x.mmul(sd.constant(mT)).sub(sd.constant(t));
        return io.relaxsd.samediff.RowSum.of(r.mul(r), f.target().length);
    }

    /** Runs a registered estimator (pathwise ones; score-function ones through {@link #run(String, RowEstimate, ...)}). */
    public static Result run(EstimatorConfig config, DistributionKind kind, double[] logits, QuadraticLoss f,
                             long samples, long seed) {
        Estimator e = Estimators.create(config);
        if (!e.kinds().contains(kind)) {
            throw new IllegalArgumentException("estimator '" + config.name() + "' is not defined for " + kind.id()
                    + " variables");
        }
        if (Estimators.isScoreFunction(config.name())) {
            return run(config.name(), ScoreFunctionProbe.of(config, logits, 0, seed), kind, logits, f, samples, seed);
        }
        Result r = run(config.name(), pathwise(config), kind, logits, f, samples, seed);
        if (!e.deterministicGivenSample()) {
            return r;
        }
        double[] expected = expectation((PathwiseEstimator) e, kind, logits, f);
        return new Result(r.estimator(), kind, r.logits(), r.exact(), r.mean(), r.stderr(), r.variance(), r.samples(),
                expected);
    }

    /** Runs any row estimate. */
    public static Result run(String name, RowEstimate estimate, DistributionKind kind, double[] logits,
                             QuadraticLoss f, long samples, long seed) {
        validate(kind, logits, f, samples);
        int width = logits.length;
        SameDiff sd = SameDiff.create();
        SDVariable theta = sd.placeHolder(LOGITS, DataType.DOUBLE, -1, width);
        estimate.build(sd, theta, kind, width, f).markAsLoss();
        GradFunctions.createQuietly(sd, LOGITS);
        Random rng = Seeds.generator(seed);
        double[] sum = new double[width];
        double[] sumSq = new double[width];
        INDArray row = Nd4j.create(logits).reshape(1, width).castTo(DataType.DOUBLE);
        for (long done = 0; done < samples; ) {
            int rows = (int) Math.min(CHUNK, samples - done);
            Map<String, INDArray> feed = new HashMap<>(estimate.noise(rows, rng));
            feed.put(LOGITS, row.repeat(0, rows));
            INDArray g = sd.calculateGradients(feed, LOGITS).get(LOGITS);
            if (!allFinite(g)) {                       // never report a silent NaN
                throw new IllegalStateException("estimator '" + name + "' produced non-finite gradients at logits "
                        + java.util.Arrays.toString(logits));
            }
            INDArray s = g.sum(0);
            INDArray s2 = g.mul(g).sum(0);
            for (int i = 0; i < width; i++) {
                sum[i] += s.getDouble(i);
                sumSq[i] += s2.getDouble(i);
            }
            done += rows;
        }
        double[] mean = new double[width];
        double[] stderr = new double[width];
        double variance = 0;
        for (int i = 0; i < width; i++) {
            mean[i] = sum[i] / samples;
            double var = samples > 1 ? Math.max(0, (sumSq[i] - samples * mean[i] * mean[i]) / (samples - 1)) : 0;
            stderr[i] = Math.sqrt(var / samples);
            variance += var;
        }
        double[] exact = kind == DistributionKind.CATEGORICAL
                ? ExactGradient.categorical(logits, f::value)
                : ExactGradient.bernoulli(logits, f::value);
        return new Result(name, kind, logits.clone(), exact, mean, stderr, variance, samples, null);
    }

    /** Σ_D p(D) ĝ(D) for an estimator that is deterministic given D, by running it on every outcome. */
    static double[] expectation(PathwiseEstimator e, DistributionKind kind, double[] logits, QuadraticLoss f) {
        int width = logits.length;
        ExactGradient.Outcome[] outcomes = kind == DistributionKind.CATEGORICAL
                ? ExactGradient.categoricalOutcomes(logits)
                : ExactGradient.bernoulliOutcomes(logits);
        double[][] perOutcome = perOutcomeEstimates(e, kind, logits, f, outcomes);
        double[] acc = new double[width];
        for (int o = 0; o < outcomes.length; o++) {
            for (int i = 0; i < width; i++) {
                acc[i] += outcomes[o].probability() * perOutcome[o][i];
            }
        }
        return acc;
    }

    /** ĝ(D) for each outcome D (rows of the result follow {@code outcomes}). */
    public static double[][] perOutcomeEstimates(PathwiseEstimator e, DistributionKind kind, double[] logits,
                                                 QuadraticLoss f, ExactGradient.Outcome[] outcomes) {
        int width = logits.length;
        SameDiff sd = SameDiff.create();
        SDVariable theta = sd.placeHolder(LOGITS, DataType.DOUBLE, -1, width);
        SDVariable hard = sd.placeHolder("hard", DataType.DOUBLE, -1, width);
        SDVariable x = e.output(NodeDraw.given(kind, theta, width, hard, null));
        lossPerRow(sd, x, f).sum().markAsLoss();
        GradFunctions.createQuietly(sd, LOGITS);
        double[][] d = new double[outcomes.length][];
        for (int o = 0; o < outcomes.length; o++) {
            d[o] = outcomes[o].value();
        }
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(LOGITS, Nd4j.create(logits).reshape(1, width).castTo(DataType.DOUBLE).repeat(0, outcomes.length));
        feed.put("hard", Nd4j.create(d).castTo(DataType.DOUBLE));
        INDArray g = sd.calculateGradients(feed, LOGITS).get(LOGITS);
        double[][] out = new double[outcomes.length][];
        for (int o = 0; o < outcomes.length; o++) {
            out[o] = g.getRow(o).toDoubleVector();
        }
        return out;
    }

    static boolean allFinite(INDArray a) {
        return a.isNaN().castTo(DataType.INT32).sumNumber().intValue() == 0
                && a.isInfinite().castTo(DataType.INT32).sumNumber().intValue() == 0;
    }

    private static void validate(DistributionKind kind, double[] logits, QuadraticLoss f, long samples) {
        for (int i = 0; i < logits.length; i++) {
            if (!Double.isFinite(logits[i])) {
                throw new IllegalArgumentException("logits must be finite, got " + logits[i] + " at position " + (i + 1));
            }
        }
        if (kind == DistributionKind.CATEGORICAL && logits.length < 2) {
            throw new IllegalArgumentException("a categorical variable needs >= 2 logits, got " + logits.length);
        }
        if (kind == DistributionKind.BERNOULLI && logits.length > ExactGradient.MAX_BERNOULLI) {
            throw new IllegalArgumentException("at most " + ExactGradient.MAX_BERNOULLI + " Bernoulli logits can be "
                    + "enumerated, got " + logits.length);
        }
        if (f.width() != logits.length) {
            throw new IllegalArgumentException("the mixing matrix has " + f.width() + " columns but there are "
                    + logits.length + " logits");
        }
        if (samples < 2) {
            throw new IllegalArgumentException("samples must be >= 2, got " + samples);
        }
    }
}
