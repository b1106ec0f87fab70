package io.relaxsd.train;

import io.relaxsd.estimator.StateUpdate;
import io.relaxsd.samediff.GradFunctions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Steps two parameter groups of one SameDiff graph together: the model (θ's network, a decoder…)
 * with the user's updater and the control-variate parameters φ (REBAR's η, log λ; RELAX's c_φ)
 * with their own, from ONE {@code calculateGradients} call of the summed losses per step.
 *
 * <p>The losses (e.g. a score-function node's {@code modelLoss} and {@code varianceLoss}, plus a
 * KL) are set once as the graph's loss variables and summed by SameDiff; switching loss variables
 * between calls would rebuild the gradient function every step (≈ 8× slower, measured). The model
 * and variance losses reach disjoint parameters by construction, so the sum's gradient is each
 * loss's gradient on its own group.
 *
 * <p>φ's default updater ({@link #controlUpdater}) follows the official RELAX code: Adam with
 * 10 × the model's learning rate and β2 = 0.99999. {@link #pretrainStep} updates φ only (surrogate
 * pre-training on the variance loss before the model moves). One ND4J {@link GradientUpdater} per
 * parameter, state flat (1-D).
 *
 * <pre>{@code
 * TwoGroupTrainer t = TwoGroupTrainer.builder(sd)
 *     .losses(node.modelLoss().name(), node.varianceLoss().name())
 *     .model(List.of("theta"), new Adam(0.01))
 *     .control(node.controlParameters(), TwoGroupTrainer.controlUpdater(new Adam(0.01), 10))
 *     .stateUpdates(node.stateUpdates())
 *     .build();
 * for (...) t.step(feed);
 * }</pre>
 */
public final class TwoGroupTrainer {

    /** What one step returns: the requested outputs and the step's index (0-based). */
    public record Step(long iteration, Map<String, INDArray> outputs) {
    }

    private final SameDiff sd;
    private final List<String> modelNames;
    private final List<String> controlNames;
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final List<StateUpdate> stateUpdates;
    private final List<String> outputs;
    private final List<String> allParams;
    private long iteration;
    private long modelIteration;    // model steps only: pre-training must not age the model's Adam

    private TwoGroupTrainer(Builder b) {
        this.sd = b.sd;
        this.modelNames = List.copyOf(b.modelNames);
        this.controlNames = List.copyOf(b.controlNames);
        this.stateUpdates = List.copyOf(b.stateUpdates);
        Set<String> outs = new LinkedHashSet<>(b.outputs);
        for (StateUpdate u : stateUpdates) {
            outs.add(u.output());
        }
        this.outputs = List.copyOf(outs);
        List<String> all = new ArrayList<>(modelNames);
        all.addAll(controlNames);
        this.allParams = List.copyOf(all);
        for (String n : modelNames) {
            updaters.put(n, instantiate(n, b.modelUpdater));
        }
        for (String n : controlNames) {
            updaters.put(n, instantiate(n, b.controlUpdater));
        }
        sd.setLossVariables(b.losses.toArray(new String[0]));
        GradFunctions.createQuietly(sd);
    }

    private GradientUpdater<?> instantiate(String name, IUpdater config) {
        SDVariable v = sd.getVariable(name);
        if (v == null || v.getArr() == null) {
            throw new IllegalArgumentException("parameter '" + name + "' is not a variable of the graph");
        }
        long n = v.getArr().length();
        IUpdater c = config.clone();
        long state = c.stateSize(n);
        INDArray view = state == 0 ? null : Nd4j.zeros(v.getArr().dataType(), 1, state);
        return c.instantiate(view, true);
    }

    /**
     * φ's updater as in the official RELAX code: Adam with {@code multiplier} × the model
     * updater's learning rate (at iteration 0), β1 = 0.9, β2 = 0.99999, ε = 1e-8.
     */
    public static IUpdater controlUpdater(IUpdater model, double multiplier) {
        if (!model.hasLearningRate()) {
            throw new IllegalArgumentException("the model updater has no learning rate to scale: " + model);
        }
        if (!(multiplier > 0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("phiLrMultiplier must be finite and > 0, got " + multiplier);
        }
        return new FusedAdam(multiplier * model.getLearningRate(0, 0), 0.9, 0.99999, 1e-8);
    }

    public static Builder builder(SameDiff sd) {
        return new Builder(sd);
    }

    /** One step of both groups; returns the configured outputs of this step. */
    public Step step(Map<String, INDArray> feed) {
        return run(feed, true);
    }

    /** One step of φ only (the model parameters stay put): surrogate pre-training. */
    public Step pretrainStep(Map<String, INDArray> feed) {
        return run(feed, false);
    }

    private Step run(Map<String, INDArray> feed, boolean updateModel) {
        OutAndGrad r = sd.calculateGradientsAndOutputs(feed, outputs, allParams);
        Map<String, INDArray> grads = r.getGradients();
        if (updateModel) {
            apply(modelNames, grads, (int) Math.min(Integer.MAX_VALUE, modelIteration++));
        }
        apply(controlNames, grads, (int) Math.min(Integer.MAX_VALUE, iteration));
        Map<String, INDArray> outs = r.getOutputs() == null ? Map.of() : r.getOutputs();
        for (StateUpdate u : stateUpdates) {
            u.apply().accept(outs.get(u.output()));
        }
        return new Step(iteration++, Collections.unmodifiableMap(outs));
    }

    private void apply(List<String> names, Map<String, INDArray> grads, int iter) {
        for (String n : names) {
            INDArray g = grads.get(n);
            if (g == null) {
                throw new IllegalStateException("no gradient for parameter '" + n + "': it does not influence the losses");
            }
            INDArray param = sd.getVariable(n).getArr();
            Updates.descend(updaters.get(n), param, g.dup(), iter, 0);     // dup: the step's map keeps the gradient
        }
    }

    /** Steps taken so far (both kinds). */
    public long iteration() {
        return iteration;
    }

    public List<String> modelParameters() {
        return modelNames;
    }

    public List<String> controlParameters() {
        return controlNames;
    }

    /** Builder; {@link #build()} checks that the groups are disjoint and not both empty. */
    public static final class Builder {
        private final SameDiff sd;
        private final List<String> losses = new ArrayList<>();
        private final List<String> modelNames = new ArrayList<>();
        private final List<String> controlNames = new ArrayList<>();
        private final List<StateUpdate> stateUpdates = new ArrayList<>();
        private final List<String> outputs = new ArrayList<>();
        private IUpdater modelUpdater;
        private IUpdater controlUpdater;

        private Builder(SameDiff sd) {
            this.sd = Objects.requireNonNull(sd, "sd");
        }

        /** The loss variables, summed. */
        public Builder losses(String... names) {
            losses.addAll(List.of(names));
            return this;
        }

        public Builder model(List<String> names, IUpdater updater) {
            modelNames.addAll(names);
            this.modelUpdater = updater;
            return this;
        }

        /** φ and its updater; with a null updater, {@link #controlUpdater}(model updater, 10). */
        public Builder control(List<String> names, IUpdater updater) {
            controlNames.addAll(names);
            this.controlUpdater = updater;
            return this;
        }

        public Builder stateUpdates(List<StateUpdate> updates) {
            stateUpdates.addAll(updates);
            return this;
        }

        /** Graph outputs to return from every step (e.g. the loss for logging). */
        public Builder outputs(String... names) {
            outputs.addAll(List.of(names));
            return this;
        }

        public TwoGroupTrainer build() {
            if (losses.isEmpty()) {
                throw new IllegalArgumentException("losses: name at least one loss variable");
            }
            if (modelNames.isEmpty() && controlNames.isEmpty()) {
                throw new IllegalArgumentException("parameters: both the model and the control group are empty");
            }
            if (!modelNames.isEmpty() && modelUpdater == null) {
                throw new IllegalArgumentException("model updater must not be null");
            }
            Set<String> seen = new LinkedHashSet<>();
            for (String n : modelNames) {
                if (!seen.add(n)) {
                    throw new IllegalArgumentException("parameter '" + n + "' is listed twice");
                }
            }
            for (String n : controlNames) {
                if (!seen.add(n)) {
                    throw new IllegalArgumentException("parameter '" + n + "' is in both groups or listed twice");
                }
            }
            if (!controlNames.isEmpty() && controlUpdater == null) {
                if (modelUpdater == null) {
                    throw new IllegalArgumentException("control updater must not be null without a model updater");
                }
                controlUpdater = controlUpdater(modelUpdater, 10.0);
            }
            return new TwoGroupTrainer(this);
        }
    }
}
