package io.relaxsd.examples.poly;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.StateUpdate;
import io.relaxsd.examples.vae.ParameterUpdaters;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import io.relaxsd.samediff.ReplayedCall;
import io.relaxsd.samediff.ScoreFunctionNode;
import io.relaxsd.samediff.Seeds;
import io.relaxsd.train.FusedAdam;
import io.relaxsd.train.TwoGroupTrainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Polynomial programming (Liu et al., "Bridging Discrete and Backpropagation: Straight-Through and
 * Beyond", NeurIPS 2023, §6.1 and its official {@code poly/} example):
 * <pre>
 *   min_θ  E_{z ~ q_θ} [ (1/n) Σ_i |z_i − t|^p ],   z_i ∈ {0, 1},  t = 0.45,  n = 128
 * </pre>
 * Each latent is a 2-class categorical with logits θ_i {@code [2]} (θ is {@code [n, 2]}, as in the
 * official code), z_i = 1 for class 0, so q_i = P(z_i = 1) = softmax(θ_i)_0. The exact expected
 * loss is (1/n) Σ_i [q_i·|1 − t|^p + (1 − q_i)·|t|^p], minimised by q → 0 at |t|^p.
 *
 * <p>A step draws {@code batch} independent samples of all n latents from one shared θ, averages
 * the loss over the batch and takes one Adam step (lr 1e-3, θ initialised uniform in ±0.01). The
 * graph is the library's {@link Discrete} categorical node on logits {@code [batch, 2n]} (θ repeated
 * per row), followed by {@link PolyLoss}: for a pathwise estimator SameDiff differentiates the loss
 * through the node; for REINFORCE/REBAR/RELAX the node gets the loss as a
 * {@link io.relaxsd.estimator.SampleLoss} and builds its estimate itself. Either way θ's gradient
 * is the column sum of the gradient with respect to the repeated logits, and the call is replayed
 * by {@link ReplayedCall}. φ (REBAR/RELAX) is trained on the node's variance loss with
 * {@link TwoGroupTrainer#controlUpdater}'s Adam, as in the other commands.
 */
public final class PolyProblem {
    /** The benchmark's target t. */
    public static final double TARGET = 0.45;
    private static final String LOGITS = "logits";

    /**
     * Settings of one run.
     *
     * @param latents       n ≥ 1
     * @param pnorm         p, finite and &gt; 0
     * @param batch         samples per step ≥ 1
     * @param epochs        ≥ 1
     * @param stepsPerEpoch ≥ 1
     * @param learningRate  Adam's, finite and &gt; 0
     * @param initScale     θ ~ U(−initScale, initScale), finite and ≥ 0
     */
    public record Settings(int latents, double pnorm, int batch, int epochs, int stepsPerEpoch, double learningRate,
                           double initScale) {
        public Settings {
            positive("latents", latents);
            if (!(pnorm > 0) || Double.isInfinite(pnorm)) {
                throw new IllegalArgumentException("pnorm must be finite and > 0, got " + pnorm);
            }
            positive("batch", batch);
            positive("epochs", epochs);
            positive("steps-per-epoch", stepsPerEpoch);
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("lr must be finite and > 0, got " + learningRate);
            }
            if (!(initScale >= 0) || Double.isInfinite(initScale)) {
                throw new IllegalArgumentException("init scale must be finite and >= 0, got " + initScale);
            }
            if ((long) epochs * stepsPerEpoch > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("epochs x steps-per-epoch must be at most " + Integer.MAX_VALUE
                        + ", got " + (long) epochs * stepsPerEpoch);
            }
        }

        /** The paper's setting for p: 128 latents, batch 64, 40 epochs of 200 steps, lr 1e-3, θ ~ U(±0.01). */
        public static Settings paper(double pnorm) {
            return new Settings(128, pnorm, 64, 40, 200, 1e-3, 0.01);
        }

        public int totalSteps() {
            return epochs * stepsPerEpoch;
        }

        private static void positive(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " must be >= 1, got " + v);
            }
        }
    }

    /**
     * The outcome of one run.
     *
     * @param trainLoss per epoch, the average over its steps of the batch-mean sampled loss (the
     *                  number the official script prints; the last is the reported result)
     * @param exactLoss per epoch, the exact expected loss at θ after its last step
     * @param seconds   wall time of the training loop
     * @param replayed  whether the steps ran from a {@link ReplayedCall} recording (false: through
     *                  the SameDiff session, the same values but slower)
     */
    public record Result(String estimator, long seed, double[] trainLoss, double[] exactLoss, double seconds,
                         boolean replayed) {
        public double finalTrainLoss() {
            return trainLoss[trainLoss.length - 1];
        }

        public double finalExactLoss() {
            return exactLoss[exactLoss.length - 1];
        }
    }

    private PolyProblem() {
    }

    /** The optimum |t|^p of the expected loss (every q_i → 0). */
    public static double optimum(double pnorm) {
        return Math.pow(TARGET, pnorm);
    }

    /** (1/n) Σ_i [q_i·|1 − t|^p + (1 − q_i)·|t|^p] for q_i = P(z_i = 1). */
    public static double exactLoss(double[] q, double pnorm) {
        double one = Math.pow(1 - TARGET, pnorm);
        double zero = Math.pow(TARGET, pnorm);
        double sum = 0;
        for (double qi : q) {
            sum += qi * one + (1 - qi) * zero;
        }
        return sum / q.length;
    }

    /** q_i = softmax(θ_i)_0 = σ(θ_i0 − θ_i1) for θ flat {@code [θ_00, θ_01, θ_10, …]}. */
    public static double[] probabilities(INDArray theta) {
        double[] t = theta.dup().castTo(DataType.DOUBLE).reshape(theta.length()).toDoubleVector();
        double[] q = new double[t.length / 2];
        for (int i = 0; i < q.length; i++) {
            q[i] = 1 / (1 + Math.exp(t[2 * i + 1] - t[2 * i]));
        }
        return q;
    }

    /** Runs one estimator from one seed; {@code progress} receives the number of steps done. */
    public static Result run(EstimatorConfig config, Settings s, long seed, LongConsumer progress) {
        Model m = new Model(config, s, seed);
        double[] train = new double[s.epochs()];
        double[] exact = new double[s.epochs()];
        long start = System.nanoTime();
        int step = 0;
        for (int e = 0; e < s.epochs(); e++) {
            double sum = 0;
            for (int i = 0; i < s.stepsPerEpoch(); i++) {
                double f = m.step(step, e);
                if (!Double.isFinite(f)) {
                    throw new IllegalStateException(config.name() + ": the loss became " + f + " at step "
                            + (step + 1) + " (seed " + seed + ")");
                }
                sum += f;
                step++;
                progress.accept(step);
            }
            train[e] = sum / s.stepsPerEpoch();
            exact[e] = exactLoss(probabilities(m.theta), s.pnorm());
            if (!Double.isFinite(exact[e])) {
                throw new IllegalStateException(config.name() + ": the logits diverged in epoch " + (e + 1)
                        + " (seed " + seed + ")");
            }
        }
        return new Result(config.name(), seed, train, exact, (System.nanoTime() - start) / 1e9, m.replaying());
    }

    /**
     * One model: θ, the graph on the repeated logits, the replayed gradient call and the updaters.
     * Package-private for the gradient test.
     */
    static final class Model {
        final INDArray theta;                   // [1, 2n]
        private final Settings s;
        private final SameDiff sd = SameDiff.create();
        private final Discrete discrete = Discrete.in(sd);
        private final INDArray logits;          // [batch, 2n], θ in every row
        private final String lossName;
        private final ReplayedCall call;
        private final ParameterUpdaters model;
        private final ParameterUpdaters control; // null without φ
        private final List<StateUpdate> stateUpdates;
        private final Random rng;
        private final Map<String, INDArray> noise = new LinkedHashMap<>();   // refilled every step

        Model(EstimatorConfig config, Settings s, long seed) {
            this.s = s;
            this.rng = Seeds.generator(seed);
            int width = 2 * s.latents();
            theta = Nd4j.rand(rng, 1, width).castTo(DataType.FLOAT).muli(2 * s.initScale()).subi(s.initScale());
            SDVariable logitsVar = sd.var(LOGITS, Nd4j.zeros(DataType.FLOAT, s.batch(), width));
            logits = logitsVar.getArr();
            PolyLoss f = new PolyLoss(sd, s.latents(), s.pnorm(), TARGET, DataType.FLOAT);
            List<String> params = new ArrayList<>(List.of(LOGITS));
            List<String> outputs = new ArrayList<>();
            if (Estimators.isScoreFunction(config.name())) {
                discrete.parameterSeed(seed);
                ScoreFunctionNode node = discrete.categorical("z", logitsVar, s.latents(), 2, config, f);
                lossName = sd.identity("loss", node.lossAtSample().mean()).name();
                outputs.add(lossName);
                stateUpdates = node.stateUpdates();
                for (StateUpdate u : stateUpdates) {
                    outputs.add(u.output());
                }
                if (node.controlParameters().isEmpty()) {
                    sd.setLossVariables(node.modelLoss().name());
                    control = null;
                } else {
                    sd.setLossVariables(node.modelLoss().name(), node.varianceLoss().name());
                    params.addAll(node.controlParameters());
                    Map<String, INDArray> phi = new LinkedHashMap<>();
                    for (String n : node.controlParameters()) {
                        phi.put(n, sd.getVariable(n).getArr());
                    }
                    control = new ParameterUpdaters(phi, TwoGroupTrainer.controlUpdater(
                            new FusedAdam(s.learningRate()), config.phiLrMultiplier()));
                }
            } else {
                SDVariable x = discrete.categorical("z", logitsVar, s.latents(), 2, config);
                SDVariable loss = sd.identity("loss", f.value(x).mean());
                loss.markAsLoss();
                lossName = loss.name();
                outputs.add(lossName);
                stateUpdates = List.of();
                control = null;
            }
            GradFunctions.createQuietly(sd);
            call = ReplayedCall.gradientsAndOutputs(sd, outputs, params);
            model = new ParameterUpdaters(Map.of("theta", theta), new FusedAdam(s.learningRate()));
        }

        /** The batch-mean gradient estimate with respect to θ {@code [2n]} and the step's outputs. */
        Map<String, INDArray> gradient() {
            logits.assign(0).addiRowVector(theta);
            Map<String, INDArray> out = call.run(discrete.drawNoiseInto(noise, s.batch(), rng));
            Map<String, INDArray> copy = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : out.entrySet()) {
                copy.put(e.getKey(), e.getKey().equals(LOGITS) ? e.getValue().sum(0).reshape(1, -1)
                        : e.getValue().dup());
            }
            return copy;
        }

        /** One Adam step; returns the step's batch-mean sampled loss. */
        double step(int iteration, int epoch) {
            Map<String, INDArray> out = gradient();
            double loss = out.get(lossName).getDouble(0);
            model.apply(Map.of("theta", out.get(LOGITS)), iteration, epoch);
            if (control != null) {
                control.apply(out, iteration, epoch);
            }
            for (StateUpdate u : stateUpdates) {
                u.apply().accept(out.get(u.output()));
            }
            return loss;
        }

        boolean replaying() {
            return call.replaying();
        }
    }
}
