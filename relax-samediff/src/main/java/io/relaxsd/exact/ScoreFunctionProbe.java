package io.relaxsd.exact;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.QuadraticSampleLoss;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.ScoreFunctionNode;
import io.relaxsd.samediff.Seeds;
import io.relaxsd.train.TwoGroupTrainer;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The {@link GradientProbe.RowEstimate} of a score-function estimator (REINFORCE, REBAR, RELAX):
 * the scalar Σ_rows sg(ĝ)·θ, whose gradient with respect to each row of θ is that row's estimate.
 * With {@code adaptSteps} &gt; 0 the control variate (η, λ, c_φ; or the running-mean baseline) is
 * first trained at the fixed logits for that many steps of {@value #ADAPT_ROWS} rows on the
 * variance loss alone (Adam, lr {@value #ADAPT_LR}, β2 = 0.99999), then frozen for the measurement.
 */
public final class ScoreFunctionProbe {
    static final int ADAPT_ROWS = 64;
    static final double ADAPT_LR = 0.01;

    private ScoreFunctionProbe() {
    }

    /**
     * @param logits     the logits the probe will feed (adaptation runs at these)
     * @param adaptSteps steps of control-variate training before measuring (≥ 0)
     */
    public static GradientProbe.RowEstimate of(EstimatorConfig config, double[] logits, int adaptSteps, long seed) {
        Estimators.scoreFunction(config);
        if (adaptSteps < 0) {
            throw new IllegalArgumentException("adapt-steps must be >= 0, got " + adaptSteps);
        }
        double[] theta = logits.clone();
        return new GradientProbe.RowEstimate() {
            private Discrete discrete;

            @Override
            public SDVariable build(SameDiff sd, SDVariable rows, DistributionKind kind, int width, QuadraticLoss f) {
                discrete = Discrete.in(sd).parameterSeed(seed);
                QuadraticSampleLoss loss = QuadraticSampleLoss.of(sd, f, rows.dataType());
                ScoreFunctionNode node = kind == DistributionKind.CATEGORICAL
                        ? discrete.categorical("z", rows, 1, width, config, loss)
                        : discrete.bernoulli("z", rows, width, config, loss);
                SDVariable g = new StopGradient(sd, node.gradient()).outputVariable();
                SDVariable scalar = sd.identity("z-probe", g.mul(rows).sum());
                if (adaptSteps > 0 && (!node.controlParameters().isEmpty() || !node.stateUpdates().isEmpty())) {
                    adapt(sd, discrete, node, theta, adaptSteps, seed);
                }
                sd.setLossVariables(scalar.name());
                return scalar;
            }

            @Override
            public Map<String, INDArray> noise(long rows, Random rng) {
                return discrete.drawNoise(rows, rng);
            }
        };
    }

    private static void adapt(SameDiff sd, Discrete discrete, ScoreFunctionNode node, double[] theta, int steps,
                              long seed) {
        TwoGroupTrainer.Builder b = TwoGroupTrainer.builder(sd).losses(node.varianceLoss().name())
                .stateUpdates(node.stateUpdates());
        if (!node.controlParameters().isEmpty()) {
            b.control(node.controlParameters(), new Adam(ADAPT_LR, 0.9, 0.99999, 1e-8));
        }
        Random rng = Seeds.generator(seed ^ 0x5eedL);
        INDArray row = Nd4j.create(theta).reshape(1, theta.length).castTo(DataType.DOUBLE);
        if (node.controlParameters().isEmpty()) {
            // a baseline only: run the state updates on forward passes
            for (int i = 0; i < steps; i++) {
                Map<String, INDArray> feed = feed(discrete, row, rng);
                Map<String, INDArray> out = sd.output(feed, node.stateUpdates().stream().map(u -> u.output())
                        .toArray(String[]::new));
                node.stateUpdates().forEach(u -> u.apply().accept(out.get(u.output())));
            }
            return;
        }
        TwoGroupTrainer trainer = b.build();
        for (int i = 0; i < steps; i++) {
            trainer.pretrainStep(feed(discrete, row, rng));
        }
    }

    private static Map<String, INDArray> feed(Discrete discrete, INDArray row, Random rng) {
        Map<String, INDArray> feed = new HashMap<>(discrete.drawNoise(ADAPT_ROWS, rng));
        feed.put(GradientProbe.LOGITS, row.repeat(0, ADAPT_ROWS));
        return feed;
    }
}
