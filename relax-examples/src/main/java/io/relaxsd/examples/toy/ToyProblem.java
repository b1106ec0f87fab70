package io.relaxsd.examples.toy;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.QuadraticSampleLoss;
import io.relaxsd.exact.ExactGradient;
import io.relaxsd.exact.QuadraticLoss;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.ScoreFunctionNode;
import io.relaxsd.samediff.Seeds;
import io.relaxsd.train.TwoGroupTrainer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The toy of Tucker et al. 2017 (t = 0.45) and Grathwohl et al. 2018 (t = 0.499): one Bernoulli
 * b ~ Bern(σ(θ)), f(b) = (b − t)², θ starts at 0, batch 1, Adam for θ and for φ. The exact
 * expected loss is p(1 − t)² + (1 − p)t², its gradient p(1 − p)(1 − 2t): for t &lt; ½ the optimum
 * is p → 0, with a tiny signal near t = ½.
 *
 * <p>Every {@code varianceEvery} steps the estimator's variance at the current θ (and current φ)
 * is measured from {@code varianceSamples} independent estimates computed in one batched call.
 */
public final class ToyProblem {

    /** Settings of one run. */
    public record Settings(double target, int steps, double learningRate, double phiLrMultiplier, long seed,
                           int varianceEvery, int varianceSamples) {
        public Settings {
            if (!(target >= 0 && target <= 1)) {
                throw new IllegalArgumentException("target must be in [0, 1], got " + target);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("lr must be finite and > 0, got " + learningRate);
            }
            if (!(phiLrMultiplier > 0) || Double.isInfinite(phiLrMultiplier)) {
                throw new IllegalArgumentException("phi-lr-multiplier must be finite and > 0, got " + phiLrMultiplier);
            }
            if (varianceEvery < 1) {
                throw new IllegalArgumentException("variance-every must be >= 1, got " + varianceEvery);
            }
            if (varianceSamples < 2) {
                throw new IllegalArgumentException("variance samples must be >= 2, got " + varianceSamples);
            }
        }
    }

    /**
     * The outcome of one run.
     *
     * @param lossFinal       mean sampled loss f(b) over the last min(100, steps) steps
     * @param logVarianceMean mean over the checkpoints of log Var(ĝ)
     * @param curveSteps      checkpoint steps (0, every, 2·every, …, steps)
     * @param exactLoss       exact expected loss at each checkpoint
     * @param logVariance     log Var(ĝ) at each checkpoint (NaN-free: a zero variance is floored at 1e-30)
     */
    public record Result(String estimator, double target, int steps, double pFinal, double lossFinal,
                         double logVarianceMean, double exactLossFinal, double[] curveSteps, double[] exactLoss,
                         double[] logVariance) {
    }

    private ToyProblem() {
    }

    /** The exact expected loss E[(b − t)²] at p. */
    public static double exactLoss(double p, double t) {
        return p * (1 - t) * (1 - t) + (1 - p) * t * t;
    }

    /** Runs one estimator; {@code progress} receives the step count after each step. */
    public static Result run(EstimatorConfig config, Settings s, LongConsumer progress) {
        Toy toy = Estimators.isScoreFunction(config.name()) ? new ScoreToy(config, s) : new PathwiseToy(config, s);
        Random rng = Seeds.generator(s.seed());
        int pretrain = config.pretrainSteps();
        for (int i = 0; i < pretrain; i++) {
            toy.pretrainStep(rng);
            progress.accept(i + 1);
        }
        List<Double> steps = new ArrayList<>();
        List<Double> exact = new ArrayList<>();
        List<Double> logVar = new ArrayList<>();
        int tail = Math.min(100, s.steps());
        double tailSum = 0;
        for (int i = 0; i <= s.steps(); i++) {
            if (i % s.varianceEvery() == 0 || i == s.steps()) {
                steps.add((double) i);
                exact.add(exactLoss(ExactGradient.sigmoid(toy.theta()), s.target()));
                logVar.add(Math.log(Math.max(1e-30, toy.variance(s.varianceSamples(), rng))));
            }
            if (i < s.steps()) {
                double f = toy.step(rng);
                if (i >= s.steps() - tail) {
                    tailSum += f;
                }
                progress.accept(pretrain + i + 1);
            }
        }
        double theta = toy.theta();
        if (!Double.isFinite(theta)) {
            throw new IllegalStateException(config.name() + ": the logit diverged (" + theta + ")");
        }
        double p = ExactGradient.sigmoid(theta);
        double[] lv = logVar.stream().mapToDouble(Double::doubleValue).toArray();
        double lvMean = java.util.Arrays.stream(lv).average().orElse(Double.NaN);
        return new Result(config.name(), s.target(), s.steps(), p, tailSum / tail, lvMean, exactLoss(p, s.target()),
                steps.stream().mapToDouble(Double::doubleValue).toArray(),
                exact.stream().mapToDouble(Double::doubleValue).toArray(), lv);
    }

    private interface Toy {
        double theta();

        /** One training step; returns the sampled loss f(b). */
        double step(Random rng);

        /** One step of φ alone on the variance loss, θ fixed (surrogate pre-training). */
        default void pretrainStep(Random rng) {
        }

        /** Var(ĝ) from n independent estimates at the current parameters (no training). */
        double variance(int n, Random rng);
    }

    private static double variance(INDArray g) {
        INDArray c = g.sub(g.meanNumber().doubleValue());
        return c.mul(c).sumNumber().doubleValue() / (g.length() - 1);
    }

    /**
     * REINFORCE, REBAR, RELAX: a training graph with θ a [1, 1] variable (model group θ, control
     * group φ), and a twin graph with θ fed as n rows for the variance check, φ copied over first.
     * (One graph with θ broadcast to the rows would not do: SameDiff M2.1 fails to backprop a
     * broadcast over a batch of 1, a reduction over a size-1 dimension.)
     */
    private static final class ScoreToy implements Toy {
        private final SameDiff sd = SameDiff.create();
        private final Discrete discrete = Discrete.in(sd);
        private final SDVariable theta;
        private final ScoreFunctionNode node;
        private final TwoGroupTrainer trainer;
        private final SameDiff probe = SameDiff.create();
        private final Discrete probeDiscrete = Discrete.in(probe);
        private final ScoreFunctionNode probeNode;

        ScoreToy(EstimatorConfig config, Settings s) {
            QuadraticLoss toyLoss = QuadraticLoss.identity(new double[] {s.target()});
            theta = sd.var("theta", Nd4j.zeros(DataType.DOUBLE, 1, 1));
            discrete.parameterSeed(s.seed());
            node = discrete.bernoulli("b", theta, 1, config, QuadraticSampleLoss.of(sd, toyLoss, DataType.DOUBLE));
            probeDiscrete.parameterSeed(s.seed());
            probeNode = probeDiscrete.bernoulli("b", probe.placeHolder("theta", DataType.DOUBLE, -1, 1), 1, config,
                    QuadraticSampleLoss.of(probe, toyLoss, DataType.DOUBLE));
            Adam model = new Adam(s.learningRate());
            TwoGroupTrainer.Builder b = TwoGroupTrainer.builder(sd).model(List.of("theta"), model)
                    .stateUpdates(node.stateUpdates()).outputs(node.lossAtSample().name());
            if (node.controlParameters().isEmpty()) {
                b.losses(node.modelLoss().name());
            } else {
                b.losses(node.modelLoss().name(), node.varianceLoss().name())
                        .control(node.controlParameters(), TwoGroupTrainer.controlUpdater(model, s.phiLrMultiplier()));
            }
            trainer = b.build();
        }

        @Override
        public double theta() {
            return theta.getArr().getDouble(0);
        }

        @Override
        public void pretrainStep(Random rng) {
            trainer.pretrainStep(discrete.drawNoise(1, rng));
        }

        @Override
        public double step(Random rng) {
            return trainer.step(discrete.drawNoise(1, rng)).outputs().get(node.lossAtSample().name()).getDouble(0);
        }

        @Override
        public double variance(int n, Random rng) {
            for (SDVariable v : sd.variables()) {
                SDVariable twin = probe.getVariable(v.name());
                if (v.getArr() != null && twin != null && twin.getArr() != null && !v.name().equals("theta")) {
                    twin.getArr().assign(v.getArr());
                }
            }
            Map<String, INDArray> feed = new HashMap<>(probeDiscrete.drawNoise(n, rng));
            feed.put("theta", Nd4j.valueArrayOf(new long[] {n, 1}, theta(), DataType.DOUBLE));
            String g = probeNode.gradient().name();
            return ToyProblem.variance(probe.output(feed, g).get(g));
        }
    }

    /** Pathwise estimators: f = (x − t)² of the node's output, ĝ by autodiff. */
    private static final class PathwiseToy implements Toy {
        private final SameDiff sd = SameDiff.create();
        private final Discrete discrete = Discrete.in(sd);
        private final SDVariable theta;
        private final SDVariable perExample;
        private final Adam updater;
        private final org.nd4j.linalg.learning.GradientUpdater<?> state;
        private final EstimatorConfig config;
        private final double target;
        private int iteration;
        private SameDiff probeGraph;
        private int probeRows = -1;

        PathwiseToy(EstimatorConfig config, Settings s) {
            this.config = config;
            this.target = s.target();
            theta = sd.var("theta", Nd4j.zeros(DataType.DOUBLE, 1, 1));
            SDVariable x = discrete.bernoulli("b", theta, 1, config);
            SDVariable d = x.sub(s.target());
            perExample = sd.identity("f", sd.reshape(d.mul(d), -1));
            sd.identity("loss", perExample.sum()).markAsLoss();
            io.relaxsd.samediff.GradFunctions.createQuietly(sd);
            updater = new Adam(s.learningRate());
            state = updater.instantiate(Nd4j.zeros(DataType.DOUBLE, 1, updater.stateSize(1)), true);
        }

        @Override
        public double theta() {
            return theta.getArr().getDouble(0);
        }

        @Override
        public double step(Random rng) {
            Map<String, INDArray> feed = discrete.drawNoise(1, rng);
            var r = sd.calculateGradientsAndOutputs(feed, List.of("f"), List.of("theta"));
            INDArray g = r.getGradients().get("theta").dup().reshape(1);
            state.applyUpdater(g, iteration++, 0);
            theta.getArr().subi(g.reshape(1, 1));
            return r.getOutputs().get("f").getDouble(0);
        }

        @Override
        public double variance(int n, Random rng) {
            // per-row ĝ: the gradient of Σ_rows f with respect to each row's logit, one call
            SameDiff probe = probe(n);
            return ToyProblem.variance(probe.calculateGradients(discrete.drawNoise(n, rng), "rows").get("rows"));
        }

        private SameDiff probe(int n) {
            if (probeRows != n) {
                probeGraph = SameDiff.create();
                SDVariable r = probeGraph.var("rows", Nd4j.zeros(DataType.DOUBLE, n, 1));
                SDVariable x = Discrete.in(probeGraph).bernoulli("b", r, 1, config);
                SDVariable d = x.sub(target);
                probeGraph.identity("loss", d.mul(d).sum()).markAsLoss();
                io.relaxsd.samediff.GradFunctions.createQuietly(probeGraph);
                probeRows = n;
            }
            probeGraph.getVariable("rows").getArr().assign(theta());
            return probeGraph;
        }

    }
}
