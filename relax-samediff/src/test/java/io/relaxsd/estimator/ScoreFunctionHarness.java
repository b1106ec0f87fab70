package io.relaxsd.estimator;

import io.relaxsd.exact.ExactGradient;
import io.relaxsd.exact.QuadraticLoss;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.ScoreFunctionNode;
import io.relaxsd.train.TwoGroupTrainer;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * One score-function node on the quadratic loss, with θ fed as identical rows (one estimate per row).
 * A config naming a {@link EstimatorConfig#surrogateContext() surrogate context} gets it as a
 * placeholder of that name, fed with fresh standard-normal rows.
 */
final class ScoreFunctionHarness {
    final SameDiff sd = SameDiff.create();
    final Discrete discrete = Discrete.in(sd);
    final ScoreFunctionNode node;
    final double[] theta;
    final DistributionKind kind;
    final QuadraticLoss q;
    final Random rng;
    private TwoGroupTrainer trainer;
    private final String context;
    private final int contextWidth;

    ScoreFunctionHarness(DistributionKind kind, double[] theta, QuadraticLoss q, EstimatorConfig cfg, long seed) {
        this.kind = kind;
        this.theta = theta;
        this.q = q;
        this.rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        SDVariable logits = sd.placeHolder("theta", DataType.DOUBLE, -1, theta.length);
        this.context = cfg.surrogateContext();
        this.contextWidth = cfg.surrogateContextWidth();
        if (context != null) {
            sd.placeHolder(context, DataType.DOUBLE, -1, contextWidth);
        }
        discrete.parameterSeed(seed);
        SampleLoss loss = QuadraticSampleLoss.of(sd, q, DataType.DOUBLE);
        node = kind == DistributionKind.CATEGORICAL
                ? discrete.categorical("z", logits, 1, theta.length, cfg, loss)
                : discrete.bernoulli("z", logits, theta.length, cfg, loss);
    }

    Map<String, INDArray> feed(int rows) {
        Map<String, INDArray> feed = new HashMap<>(discrete.drawNoise(rows, rng));
        feed.put("theta", Nd4j.create(new double[][] {theta}).repeat(0, rows));
        if (context != null) {
            feed.put(context, Nd4j.randn(rng, new long[] {rows, contextWidth}).castTo(DataType.DOUBLE));
        }
        return feed;
    }

    /** N estimates ĝ, [N, W]. */
    INDArray estimates(int rows) {
        return sd.output(feed(rows), node.gradient().name()).get(node.gradient().name());
    }

    double[] exact() {
        return kind == DistributionKind.CATEGORICAL ? ExactGradient.categorical(theta, q::value)
                : ExactGradient.bernoulli(theta, q::value);
    }

    /** Trains φ on the variance loss at the fixed θ. */
    void adapt(int steps, int rows, double lr) {
        if (trainer == null) {
            trainer = TwoGroupTrainer.builder(sd).losses(node.varianceLoss().name())
                    .control(node.controlParameters(), new Adam(lr, 0.9, 0.99999, 1e-8)).build();
        }
        for (int i = 0; i < steps; i++) {
            trainer.pretrainStep(feed(rows));
        }
    }

    /** Σ_w Var(ĝ_w), estimated from the rows. */
    static double totalVariance(INDArray g) {
        INDArray c = g.subRowVector(g.mean(0));   // (g.var(0) throws an NPE for a single column in M2.1)
        return c.mul(c).sumNumber().doubleValue() / (g.size(0) - 1);
    }
}
