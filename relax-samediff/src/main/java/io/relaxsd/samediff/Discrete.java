package io.relaxsd.samediff;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.NodeDraw;
import io.relaxsd.estimator.PathwiseEstimator;
import io.relaxsd.estimator.SampleLoss;
import io.relaxsd.estimator.ScoreEstimate;
import io.relaxsd.estimator.ScoreFunctionEstimator;
import io.relaxsd.estimator.ScoreNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.ops.random.impl.UniformDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Discrete stochastic nodes for one SameDiff graph, in the style of {@code sd.nn()}: one call puts
 * a sampled categorical or Bernoulli variable into the graph whose backward pass is the chosen
 * estimator's.
 *
 * <pre>{@code
 * SameDiff sd = SameDiff.create();
 * Discrete discrete = Discrete.in(sd);
 * SDVariable logits = ...;                                          // [batch, 16 * 8]
 * SDVariable z = discrete.categorical("z", logits, 8, EstimatorConfig.builder("reinmax").temperature(1.5).build());
 * ...
 * Map<String, INDArray> feed = discrete.drawNoise(batchSize, rng);  // add to the placeholders of each step
 * }</pre>
 *
 * <p>Noise enters through placeholders (notes §2: the robust route), drawn by
 * {@link #drawNoise(long, Random)} from a caller-seeded ND4J {@link Random}; the same feed gives
 * the same sample in the forward and backward pass and across runs.
 */
public final class Discrete {

    /** What one node needs fed per step. */
    public record NodeInfo(String name, DistributionKind kind, String estimator, int variablesPerExample,
                           int width, int conditionalSamples, String uniformPlaceholder,
                           String conditionalPlaceholder, DataType dataType) {
    }

    private final SameDiff sd;
    private final List<NodeInfo> nodes = new ArrayList<>();
    private Random parameterRng = Seeds.generator(0);

    private Discrete(SameDiff sd) {
        this.sd = sd;
    }

    /** The namespace for one graph. Keep the instance: it knows which noise the graph needs. */
    public static Discrete in(SameDiff sd) {
        return new Discrete(sd);
    }

    /**
     * A categorical node of {@code variables} independent categorical variables per example.
     *
     * @param name       unique node name (prefix of its noise placeholders)
     * @param logits     {@code [batch, K]}, {@code [batch, L, K]} or grouped {@code [batch, L·K]}
     * @param variables  L ≥ 1, the number of variables per example
     * @param categories K ≥ 2
     * @param config     a pathwise estimator's config
     * @return the sample, shaped like {@code logits} (one-hot along the category dimension)
     */
    public SDVariable categorical(String name, SDVariable logits, int variables, int categories,
                                  EstimatorConfig config) {
        if (variables < 1) {
            throw new IllegalArgumentException("variables must be >= 1, got " + variables);
        }
        if (categories < 2) {
            throw new IllegalArgumentException("categories must be >= 2, got " + categories);
        }
        SDVariable rows = sd.reshape(logits, -1, categories);
        SDVariable out = build(name, DistributionKind.CATEGORICAL, rows, variables, categories, config);
        return sd.reshape(out, sd.shape(logits));
    }

    /** One categorical variable per example: {@code logits} is {@code [batch, K]}. */
    public SDVariable categorical(String name, SDVariable logits, int categories, EstimatorConfig config) {
        return categorical(name, logits, 1, categories, config);
    }

    /**
     * A node of {@code n} independent Bernoulli variables per example.
     *
     * @param logits {@code [batch, n]}
     * @return the 0/1 sample, {@code [batch, n]}
     */
    public SDVariable bernoulli(String name, SDVariable logits, int n, EstimatorConfig config) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        return build(name, DistributionKind.BERNOULLI, logits, 1, n, config);
    }

    private SDVariable build(String name, DistributionKind kind, SDVariable rows, int variables, int width,
                             EstimatorConfig config) {
        PathwiseEstimator estimator = Estimators.pathwise(config);
        if (!estimator.kinds().contains(kind)) {
            throw new IllegalArgumentException("estimator '" + config.name() + "' is not defined for " + kind.id()
                    + " variables");
        }
        for (NodeInfo n : nodes) {
            if (n.name().equals(name)) {
                throw new IllegalArgumentException("a discrete node named '" + name + "' already exists");
            }
        }
        DataType dt = rows.dataType();
        String uName = name + "-u";
        SDVariable u = sd.placeHolder(uName, dt, -1, width);
        int s = estimator.conditionalSamples();
        String vName = s > 0 ? name + "-v" : null;
        SDVariable v = s > 0 ? sd.placeHolder(vName, dt, s, -1, width) : null;
        nodes.add(new NodeInfo(name, kind, config.name(), variables, width, s, uName, vName, dt));
        return estimator.output(NodeDraw.sampled(kind, rows, width, u, v));
    }

    /**
     * KL(q(z|x) ‖ uniform) per example for {@code variables} categorical variables of
     * {@code categories} classes: Σ_groups Σ_k q_k log q_k + L·log K. {@code logits} is
     * {@code [batch, L·K]} or {@code [batch, L, K]}; the result is {@code [batch]}.
     */
    public SDVariable klToUniformCategorical(SDVariable logits, int variables, int categories) {
        SDVariable rows = sd.reshape(logits, -1, categories);
        // not sd.nn().logSoftmax: it is −inf for far-below classes and then q·log q = 0·(−inf) = NaN
        SDVariable logQ = NodeDraw.stableLogSoftmax(rows);
        SDVariable qLogQ = sd.reshape(sd.math().exp(logQ).mul(logQ), -1, (long) variables * categories);
        return RowSum.of(qLogQ, (long) variables * categories).add(variables * Math.log(categories));
    }

    /**
     * KL(Bern(p) ‖ Bern(½)) summed over the n units, per example: Σ log 2 + p log p + (1 − p) log(1 − p)
     * = Σ log 2 + p·θ − softplus(θ) (from log p = θ − softplus(θ), log(1 − p) = −softplus(θ)), finite
     * for every θ ({@link NodeDraw#stableSoftplus}). {@code logits} is {@code [batch, n]}; the result
     * is {@code [batch]}. (n is needed: SameDiff rarely knows shapes.)
     */
    public SDVariable klToUniformBernoulli(SDVariable logits, int n) {
        SDVariable p = sd.nn().sigmoid(logits);
        return RowSum.of(p.mul(logits).sub(NodeDraw.stableSoftplus(logits)).add(Math.log(2.0)), n);
    }

    /**
     * Seeds the generator that initialises learned control-variate parameters (RELAX's r_ρ) of the
     * nodes built after this call; default seed 0.
     */
    public Discrete parameterSeed(long seed) {
        this.parameterRng = Seeds.generator(seed);
        return this;
    }

    /**
     * A categorical node with a score-function estimator (REINFORCE, REBAR, RELAX), which needs the
     * downstream loss itself.
     *
     * @param logits     {@code [batch, L·K]} grouped (or {@code [batch, K]} for L = 1)
     * @param loss       f of the sample on the layout {@code [batch, L·K]}, per example
     * @return the sample, the estimate, the model and variance losses and φ
     */
    public ScoreFunctionNode categorical(String name, SDVariable logits, int variables, int categories,
                                         EstimatorConfig config, SampleLoss loss) {
        return categorical(name, logits, variables, categories, Estimators.scoreFunction(config), loss);
    }

    /** As {@link #categorical(String, SDVariable, int, int, EstimatorConfig, SampleLoss)} with a built estimator. */
    public ScoreFunctionNode categorical(String name, SDVariable logits, int variables, int categories,
                                         ScoreFunctionEstimator estimator, SampleLoss loss) {
        if (variables < 1) {
            throw new IllegalArgumentException("variables must be >= 1, got " + variables);
        }
        if (categories < 2) {
            throw new IllegalArgumentException("categories must be >= 2, got " + categories);
        }
        return buildScore(name, DistributionKind.CATEGORICAL, logits, variables, categories, estimator, loss);
    }

    /** A node of n Bernoullis with a score-function estimator; {@code logits} {@code [batch, n]}. */
    public ScoreFunctionNode bernoulli(String name, SDVariable logits, int n, EstimatorConfig config, SampleLoss loss) {
        return bernoulli(name, logits, n, Estimators.scoreFunction(config), loss);
    }

    /** As {@link #bernoulli(String, SDVariable, int, EstimatorConfig, SampleLoss)} with a built estimator. */
    public ScoreFunctionNode bernoulli(String name, SDVariable logits, int n, ScoreFunctionEstimator estimator,
                                       SampleLoss loss) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        return buildScore(name, DistributionKind.BERNOULLI, logits, 1, n, estimator, loss);
    }

    private ScoreFunctionNode buildScore(String name, DistributionKind kind, SDVariable logits, int variables,
                                         int width, ScoreFunctionEstimator estimator, SampleLoss loss) {
        if (loss == null) {
            throw new IllegalArgumentException("loss must not be null for score-function estimator '"
                    + estimator.name() + "'");
        }
        if (!estimator.kinds().contains(kind)) {
            throw new IllegalArgumentException("estimator '" + estimator.name() + "' is not defined for " + kind.id()
                    + " variables");
        }
        for (NodeInfo n : nodes) {
            if (n.name().equals(name)) {
                throw new IllegalArgumentException("a discrete node named '" + name + "' already exists");
            }
        }
        DataType dt = logits.dataType();
        SDVariable theta = kind == DistributionKind.CATEGORICAL ? sd.reshape(logits, -1, (long) variables * width)
                : logits;
        SDVariable rows = kind == DistributionKind.CATEGORICAL ? sd.reshape(theta, -1, width) : theta;
        SDVariable rowsSg = new StopGradient(sd, rows).outputVariable();
        String uName = name + "-u";
        SDVariable u = sd.placeHolder(uName, dt, -1, width);
        int s = estimator.conditionalSamples();
        String vName = s > 0 ? name + "-v" : null;
        SDVariable v = s > 0 ? sd.placeHolder(vName, dt, s, -1, width) : null;
        nodes.add(new NodeInfo(name, kind, estimator.name(), variables, width, s, uName, vName, dt));
        NodeDraw draw = NodeDraw.sampled(kind, rowsSg, width, u, v);
        ScoreEstimate est = estimator.estimate(new ScoreNode(name, draw, variables, loss, parameterRng));
        SDVariable g = sd.identity(name + "-gradient", est.gradient());
        SDVariable gSg = new StopGradient(sd, g).outputVariable();
        SDVariable lossAtSample = sd.identity(name + "-loss", est.lossAtSample());
        SDVariable modelLoss = sd.identity(name + "-model-loss",
                RowSum.of(gSg.mul(theta), (long) variables * width).add(lossAtSample).mean());
        SDVariable secondMoment = RowSum.of(g.mul(g), (long) variables * width).mean();
        SDVariable varianceLoss = sd.identity(name + "-variance-loss",
                est.penalty() == null ? secondMoment : secondMoment.add(est.penalty()));
        SDVariable sample = sd.reshape(est.sample(), sd.shape(logits));
        return new ScoreFunctionNode(sample, g, lossAtSample, modelLoss, varianceLoss, est.controlParameters(),
                est.stateUpdates(), est.lossEvaluations());
    }

    /** The nodes built so far. */
    public List<NodeInfo> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /**
     * Fresh uniform noise for every node, for a batch of {@code batchSize} examples: add the
     * returned arrays to the placeholder map of one {@code output}/{@code calculateGradients}/fit step.
     */
    public Map<String, INDArray> drawNoise(long batchSize, Random rng) {
        return drawNoiseInto(new LinkedHashMap<>(), batchSize, rng);
    }

    /**
     * As {@link #drawNoise(long, Random)}, drawn into the arrays {@code feed} already holds under the
     * noise placeholders' names where their shape and type fit (no allocation), and into new arrays put
     * into {@code feed} otherwise. The values are the ones {@code drawNoise} gives from the same
     * generator state. For a training loop that calls every step: fresh arrays each step leave the
     * native memory to the garbage collector, which may let it grow by gigabytes before it runs. Any
     * array in {@code feed} under a noise placeholder's name is overwritten, so do not keep the noise
     * of one step past the next call. Returns {@code feed}.
     */
    public Map<String, INDArray> drawNoiseInto(Map<String, INDArray> feed, long batchSize, Random rng) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        for (NodeInfo n : nodes) {
            long rows = batchSize * n.variablesPerExample();
            fill(feed, n.uniformPlaceholder(), rng, n.dataType(), rows, n.width());
            if (n.conditionalPlaceholder() != null) {
                fill(feed, n.conditionalPlaceholder(), rng, n.dataType(), n.conditionalSamples(), rows, n.width());
            }
        }
        return feed;
    }

    private static void fill(Map<String, INDArray> feed, String name, Random rng, DataType dt, long... shape) {
        INDArray target = feed.get(name);
        if (target == null || target.dataType() != dt || !Arrays.equals(target.shape(), shape) || target.isView()
                || target.ordering() != 'c') {
            feed.put(name, uniform(rng, dt, shape));
        } else if (dt == DataType.FLOAT) {
            Nd4j.getExecutioner().exec(new UniformDistribution(target, 0.0, 1.0), rng);
        } else {
            target.assign(Nd4j.rand(rng, shape));   // drawn in FLOAT, as drawNoise does
        }
    }

    /**
     * {@code data} for {@code SameDiff.fit}: every batch with fresh noise for the nodes built so far
     * appended to its features ({@link NoisyBatches#featureMapping} gives the matching feature mapping).
     */
    public NoisyBatches withNoise(org.nd4j.linalg.dataset.api.iterator.DataSetIterator data, Random rng) {
        return new NoisyBatches(data, this, rng);
    }

    /** As {@link #withNoise(org.nd4j.linalg.dataset.api.iterator.DataSetIterator, Random)}, for multi-input data. */
    public NoisyBatches withNoise(org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator data, Random rng) {
        return new NoisyBatches(data, this, rng);
    }

    private static INDArray uniform(Random rng, DataType dt, long... shape) {
        INDArray u = Nd4j.rand(rng, shape);   // FLOAT, the default type
        return u.dataType() == dt ? u : u.castTo(dt);
    }
}
