package io.relaxsd.layers;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.SampleLoss;
import io.relaxsd.estimator.StateUpdate;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import io.relaxsd.samediff.ReplayedCall;
import io.relaxsd.samediff.ScoreFunctionNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The compiled SameDiff graph behind one stochastic layer, built with {@link Discrete} exactly as a
 * SameDiff user would build the node, so that the layer's backward pass is the SameDiff op's backward
 * pass (no second copy of any estimator formula).
 *
 * <p>Placeholders: {@code logits} {@code [batch, width]}, {@code epsilon} (the upstream gradient
 * dL/dout, same shape) and the node's noise. The loss {@code Σ out ⊙ ε (+ w · Σ KL)} has gradient
 * ĝ(ε) (+ w · ∂KL/∂θ) with respect to the logits placeholder. Besides the sample, the graph has the
 * deterministic inference outputs (mode, probabilities) and, with a KL weight, the per-example
 * KL(q ‖ uniform).
 *
 * <p>Score-function estimators ({@link #buildScoreFunction}) build the library's score-function node
 * ({@code Discrete.categorical/bernoulli(..., SampleLoss)}) with a {@link SampleLoss} whose value is
 * the placeholder {@code f}: the per-example loss of the step, which the layer reads from its score
 * channel. The loss differentiated is {@code modelLoss + varianceLoss (+ w · mean KL)}, scaled by the
 * batch size: its gradient is ĝ (+ w · ∂KL/∂θ) per example for the logits and ∂(Σ_i Σ ĝ_i²)/∂φ for
 * the surrogate's parameters φ, which DL4J's updater divides by the batch size (so φ follows
 * ∂(Σ ĝ²/batch)/∂φ, the node's variance loss). No second copy of REINFORCE or RELAX exists here.
 */
final class StochasticKernel {
    static final String LOGITS = "logits";
    static final String EPSILON = "epsilon";
    static final String NODE = "z";
    static final String F = "f";
    /** Graph variables are named {@code NODE + "-" + key}; the layer's parameter is {@code key}. */
    private static final String PREFIX = NODE + "-";

    private final SameDiff sd;
    private final Discrete discrete;
    private final String sample;
    private final String mode;
    private final String probs;
    private final String kl;      // null without KL term
    private final long width;
    private final ScoreFunctionNode scoreNode;   // null for pathwise estimators
    private final Map<String, INDArray> variables;
    /** The session calls below, replayed ({@link ReplayedCall}); created on first use. */
    private final Map<String, ReplayedCall> calls = new HashMap<>();
    private boolean replay = true;
    /** What {@link #forward} leaves to the backward pass: the late input and the graph's variables. */
    private final Set<String> late;
    private final List<String> forwardOutputs;
    private final List<String> trainingOutputs;
    private final List<String> trainingVariables;
    private ReplayedCall training;

    private StochasticKernel(SameDiff sd, Discrete discrete, String sample, String mode, String probs, String kl,
                             long width, ScoreFunctionNode scoreNode) {
        this.sd = sd;
        this.discrete = discrete;
        this.sample = sample;
        this.mode = mode;
        this.probs = probs;
        this.kl = kl;
        this.width = width;
        this.scoreNode = scoreNode;
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                m.put(v.name().substring(PREFIX.length()), v.getArr());
            }
        }
        this.variables = Collections.unmodifiableMap(m);
        Set<String> l = new HashSet<>();
        l.add(lateInput());
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                l.add(v.name());
            }
        }
        this.late = Set.copyOf(l);
        List<String> outs = new ArrayList<>();
        outs.add(sample);
        if (kl != null) {
            outs.add(kl);
        }
        this.forwardOutputs = List.copyOf(outs);
        List<String> vars = new ArrayList<>();
        vars.add(LOGITS);
        if (scoreNode != null) {
            for (StateUpdate u : scoreNode.stateUpdates()) {
                outs.add(u.output());
            }
            vars.addAll(scoreNode.controlParameters());
        }
        this.trainingOutputs = List.copyOf(outs);
        this.trainingVariables = List.copyOf(vars);
    }

    /**
     * The placeholder of a training step known only at backprop: ε (pathwise) or f (score function).
     */
    String lateInput() {
        return scoreNode == null ? EPSILON : F;
    }

    /**
     * The placeholder feed of one training step: logits, noise and the late input ({@link #lateInput}:
     * ε {@code [batch, width]} or f {@code [batch]}), whose values {@link #forward} does not read.
     */
    Map<String, INDArray> trainingFeed(INDArray logits, Map<String, INDArray> noise, INDArray lateValue) {
        Map<String, INDArray> feed = new HashMap<>(noise);
        feed.put(LOGITS, logits);
        feed.put(lateInput(), lateValue);
        return feed;
    }

    /**
     * The forward outputs of a training step ({@link #trainingFeed}): the replay of the training call
     * runs its steps that read neither the late input nor the graph's variables now, and
     * {@link #backward} or {@link #scoreBackward} on the same feed runs the rest, so the forward pass
     * is computed once per step. The arrays are the kernel's own, valid until its next training call.
     */
    Forward forward(Map<String, INDArray> feed) {
        Map<String, INDArray> res = trainingCall().runBefore(feed, late, forwardOutputs);
        return new Forward(res.get(sample), kl == null ? null : res.get(kl));
    }

    /**
     * dLoss/dlogits of the training step whose {@link #forward} ran on {@code feed}, with ε now in the
     * feed; the array is the kernel's own, valid until its next call.
     */
    INDArray backward(Map<String, INDArray> feed) {
        return trainingCall().runAfter(feed, late).get(LOGITS);
    }

    /**
     * As {@link #scoreGradientsInto}, for the training step whose {@link #forward} ran on {@code feed},
     * with f and the graph's variables now loaded.
     */
    void scoreBackward(Map<String, INDArray> feed, INDArray logitsGrad, Map<String, INDArray> control) {
        scoreResults(trainingCall().runAfter(feed, late), feed.get(LOGITS).size(0), logitsGrad, control);
    }

    private ReplayedCall trainingCall() {
        if (training == null) {
            training = call(trainingOutputs, trainingVariables);
        }
        return training;
    }

    /**
     * Runs every call through the SameDiff session instead of its replay (the reference the replay is
     * tested against; same values, slower). Returns this kernel.
     */
    StochasticKernel sessionOnly() {
        if (training != null || !calls.isEmpty()) {
            throw new IllegalStateException("sessionOnly() must come before the kernel's first call");
        }
        replay = false;
        return this;
    }

    /** True if every call made so far runs from a replay (none was refused and fell back to the session). */
    boolean replaying() {
        return (training == null || training.replaying())
                && calls.values().stream().allMatch(ReplayedCall::replaying);
    }

    /**
     * The results of one session call, replayed: {@code output(feed, outputs)}, or with
     * {@code variables} {@code calculateGradientsAndOutputs(feed, outputs, variables)} (gradients under
     * the variables' names). The arrays may be the replay's own, overwritten by the call's next run.
     */
    private Map<String, INDArray> run(Map<String, INDArray> feed, List<String> outputs, List<String> variables) {
        return calls.computeIfAbsent(outputs + "/" + variables, k -> call(outputs, variables)).run(feed);
    }

    private ReplayedCall call(List<String> outputs, List<String> variables) {
        ReplayedCall call = variables.isEmpty() ? ReplayedCall.outputs(sd, outputs)
                : ReplayedCall.gradientsAndOutputs(sd, outputs, variables);
        return replay ? call : call.withoutReplay();
    }

    /**
     * Builds the graph of {@code variables} groups of {@code categories} categories (categorical) or of
     * {@code categories} Bernoulli units (then {@code variables} must be 1).
     */
    static StochasticKernel build(DistributionKind kind, int variables, int categories, EstimatorConfig config,
                                  double klWeight, DataType dt) {
        SameDiff sd = SameDiff.create();
        Discrete discrete = Discrete.in(sd);
        long width = (long) variables * categories;
        SDVariable logits = sd.placeHolder(LOGITS, dt, -1, width);
        SDVariable eps = sd.placeHolder(EPSILON, dt, -1, width);
        SDVariable out = kind == DistributionKind.CATEGORICAL
                ? discrete.categorical(NODE, logits, variables, categories, config)
                : discrete.bernoulli(NODE, logits, categories, config);
        Deterministic det = deterministic(discrete, kind, logits, variables, categories, klWeight, dt);
        SDVariable klPerExample = det.klPerExample();
        SDVariable loss = out.mul(eps).sum();
        if (klPerExample != null) {
            loss = loss.add(klPerExample.sum().mul(klWeight));
        }
        loss.rename("loss");
        sd.setLossVariables(loss);
        GradFunctions.createQuietly(sd, LOGITS);
        return new StochasticKernel(sd, discrete, out.name(), det.mode().name(), det.probs().name(),
                klPerExample == null ? null : klPerExample.name(), width, null);
    }

    /** The inference outputs and, with a KL weight, KL(q ‖ uniform) per example (else null). */
    private record Deterministic(SDVariable mode, SDVariable probs, SDVariable klPerExample) {
    }

    private static Deterministic deterministic(Discrete discrete, DistributionKind kind, SDVariable logits,
                                               int variables, int categories, double klWeight, DataType dt) {
        SameDiff sd = logits.getSameDiff();
        if (kind == DistributionKind.CATEGORICAL) {
            SDVariable rows = sd.reshape(logits, -1, categories);
            SDVariable probs = sd.reshape(sd.nn().softmax(rows, 1), sd.shape(logits));
            SDVariable mode = sd.reshape(sd.oneHot(sd.argmax(rows, false, 1), categories, -1, 1.0, 0.0, dt),
                    sd.shape(logits));
            return new Deterministic(mode, probs,
                    klWeight > 0 ? discrete.klToUniformCategorical(logits, variables, categories) : null);
        }
        return new Deterministic(sd.gt(logits, 0.0).castTo(dt), sd.nn().sigmoid(logits),
                klWeight > 0 ? discrete.klToUniformBernoulli(logits, categories) : null);
    }

    /**
     * The graph of a score-function estimator (REINFORCE without leave-one-out, RELAX with a surrogate
     * that needs f only at the sample). {@code parameterSeed} initialises the surrogate's parameters;
     * {@code withGradients} false builds the forward graph only (to read parameter shapes and values).
     */
    static StochasticKernel buildScoreFunction(DistributionKind kind, int variables, int categories,
                                               EstimatorConfig config, double klWeight, DataType dt,
                                               long parameterSeed, boolean withGradients) {
        SameDiff sd = SameDiff.create();
        Discrete discrete = Discrete.in(sd).parameterSeed(parameterSeed);
        long width = (long) variables * categories;
        SDVariable logits = sd.placeHolder(LOGITS, dt, -1, width);
        SDVariable f = sd.placeHolder(F, dt, -1);
        SampleLoss loss = new PublishedLoss(f);
        ScoreFunctionNode node = kind == DistributionKind.CATEGORICAL
                ? discrete.categorical(NODE, logits, variables, categories, config, loss)
                : discrete.bernoulli(NODE, logits, categories, config, loss);
        Deterministic det = deterministic(discrete, kind, logits, variables, categories, klWeight, dt);
        SDVariable klPerExample = det.klPerExample();
        SDVariable total = node.modelLoss().add(node.varianceLoss());
        if (klPerExample != null) {
            total = total.add(klPerExample.mean().mul(klWeight));
        }
        total.rename("loss");
        sd.setLossVariables(total);
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && !v.name().startsWith(PREFIX)) {
                throw new IllegalStateException("unexpected graph variable " + v.name());
            }
        }
        if (withGradients) {
            GradFunctions.createQuietly(sd, LOGITS);
        }
        return new StochasticKernel(sd, discrete, node.sample().name(), det.mode().name(), det.probs().name(),
                klPerExample == null ? null : klPerExample.name(), width, node);
    }

    /** f of a layer: the per-example loss fed as a placeholder; defined at the sample only. */
    private record PublishedLoss(SDVariable f) implements SampleLoss {
        @Override
        public SDVariable value(SDVariable x) {
            return f;
        }

        @Override
        public SDVariable inputGradient(SDVariable x) {
            throw new UnsupportedOperationException("a stochastic layer knows f only at its sample, not ∂f/∂x");
        }

        @Override
        public SampleLoss frozen() {
            return this;
        }
    }

    /** Whether this is a score-function graph. */
    boolean scoreFunction() {
        return scoreNode != null;
    }

    /**
     * The graph's own variables (φ and estimator state such as a running-mean baseline) by parameter key
     * (the graph name without the node prefix), in creation order; the arrays are the graph's.
     */
    Map<String, INDArray> variables() {
        return variables;
    }

    /** The keys of φ, the parameters trained on the variance loss (the others are estimator state). */
    List<String> controlKeys() {
        List<String> keys = new ArrayList<>();
        if (scoreNode != null) {
            for (String n : scoreNode.controlParameters()) {
                keys.add(n.substring(PREFIX.length()));
            }
        }
        return keys;
    }

    /** Copies the layer's parameter values into the graph's variables. */
    void loadVariables(Map<String, INDArray> values) {
        for (Map.Entry<String, INDArray> e : variables().entrySet()) {
            INDArray target = e.getValue();
            INDArray source = values.get(e.getKey());
            if (target.rank() == 0) {
                target.assign(source.getDouble(0));
            } else {
                target.assign(source.reshape(target.shape()));
            }
        }
    }

    /** ĝ (+ KL term) for the logits and ∂(Σ_i Σ ĝ_i²)/∂φ by key, of one training step. */
    record ScoreGradients(INDArray logits, Map<String, INDArray> control) {
    }

    /**
     * The gradients of one step for the logits, noise and per-example losses {@code f} {@code [batch]},
     * with the graph's variables as loaded, in new arrays; then runs the estimator's state updates (a
     * running-mean baseline moves after the step whose gradient it served).
     */
    ScoreGradients scoreGradients(INDArray logits, Map<String, INDArray> noise, INDArray f) {
        INDArray logitsGrad = Nd4j.createUninitialized(logits.dataType(), logits.shape());
        Map<String, INDArray> control = new LinkedHashMap<>();
        for (String key : controlKeys()) {
            control.put(key, Nd4j.createUninitialized(variables.get(key).dataType(), variables.get(key).shape()));
        }
        scoreGradientsInto(logits, noise, f, logitsGrad, control);
        return new ScoreGradients(logitsGrad, control);
    }

    /**
     * As {@link #scoreGradients}, written into {@code logitsGrad} (the logits' shape) and into the
     * arrays of {@code control} by key (each of its parameter's length, any shape).
     */
    void scoreGradientsInto(INDArray logits, Map<String, INDArray> noise, INDArray f, INDArray logitsGrad,
                            Map<String, INDArray> control) {
        Map<String, INDArray> feed = trainingFeed(logits, noise, f.reshape(f.length()).castTo(logits.dataType()));
        scoreResults(trainingCall().run(feed), logits.size(0), logitsGrad, control);
    }

    /** Scales the step's gradients by the batch size into the targets, then runs the state updates. */
    private void scoreResults(Map<String, INDArray> g, double batch, INDArray logitsGrad, Map<String, INDArray> control) {
        for (String n : scoreNode.controlParameters()) {
            INDArray target = control.get(n.substring(PREFIX.length()));
            g.get(n).reshape(target.shape()).mul(batch, target);
        }
        g.get(LOGITS).mul(batch, logitsGrad);
        for (StateUpdate u : scoreNode.stateUpdates()) {
            u.apply().accept(g.get(u.output()));
        }
    }

    /** ĝ per example {@code [batch, width]} for the given step (the variance is Σ ĝ² per example). */
    INDArray estimate(INDArray logits, Map<String, INDArray> noise, INDArray f) {
        Map<String, INDArray> feed = new HashMap<>(noise);
        feed.put(LOGITS, logits);
        feed.put(F, f.reshape(f.length()).castTo(logits.dataType()));
        String name = scoreNode.gradient().name();
        return run(feed, List.of(name), List.of()).get(name).dup();
    }

    long width() {
        return width;
    }

    boolean hasKl() {
        return kl != null;
    }

    /** Fresh noise for {@code batch} examples from the layer's generator. */
    Map<String, INDArray> drawNoise(long batch, Random rng) {
        return discrete.drawNoise(batch, rng);
    }

    /**
     * As {@link #drawNoise}, drawn into the arrays {@code noise} holds where they fit ({@link
     * Discrete#drawNoiseInto}); returns {@code noise}.
     */
    Map<String, INDArray> drawNoiseInto(Map<String, INDArray> noise, long batch, Random rng) {
        return discrete.drawNoiseInto(noise, batch, rng);
    }

    /**
     * The forward outputs of one training step: the sample and, with a KL term, KL per example. The
     * arrays may be the kernel's own, valid until its next call.
     */
    record Forward(INDArray sample, INDArray klPerExample) {
    }

    /** Deterministic output: the mode (one-hot arg-max / 1[p &gt; ½]) or the probabilities. */
    Forward infer(INDArray logits, InferenceMode inferenceMode) {
        String name = inferenceMode == InferenceMode.PROBABILITIES ? probs : mode;
        Map<String, INDArray> feed = Map.of(LOGITS, logits);
        Map<String, INDArray> res = run(feed, kl == null ? List.of(name) : List.of(name, kl), List.of());
        return new Forward(res.get(name), kl == null ? null : res.get(kl));
    }
}
