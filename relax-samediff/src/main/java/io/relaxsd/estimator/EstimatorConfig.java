package io.relaxsd.estimator;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable, validated settings of one gradient estimator: its registry name plus the
 * hyper-parameters the estimators of this library take. Each estimator reads only the fields
 * it documents; the others keep their defaults and are ignored.
 *
 * <p>Validation happens in {@link Builder#build()}: a bad value throws an
 * {@link IllegalArgumentException} that names the field and the value.
 *
 * <pre>{@code
 * EstimatorConfig cfg = EstimatorConfig.builder("reinmax").temperature(1.5).build();
 * }</pre>
 */
public final class EstimatorConfig {

    /** Default temperature τ. */
    public static final double DEFAULT_TEMPERATURE = 1.0;
    /** Default number K of conditional samples (Gumbel-Rao, ReinMax-Rao, ReinMax-CV). */
    public static final int DEFAULT_SAMPLES = 10;
    /** Default control-variate weight η (ReinMax-CV). */
    public static final double DEFAULT_ETA = 0.5;
    /** Default temperature τ_RM of ReinMax-CV's ReinMax term (the paper's eq. 18 fixes it at 1). */
    public static final double DEFAULT_REINMAX_TEMPERATURE = 1.0;
    /** Default α of generalised ReinMax (α = 1 is ReinMax). */
    public static final double DEFAULT_ALPHA = 1.0;
    /** Default decay of the running-mean baseline (REINFORCE). */
    public static final double DEFAULT_BASELINE_DECAY = 0.9;
    /** Default ratio of the control-variate parameters' (φ) learning rate to the model's. */
    public static final double DEFAULT_PHI_LR_MULTIPLIER = 10.0;

    /** Baseline of REINFORCE. */
    public enum Baseline {
        /** ĝ = f(D)·∇θ log p(D). */
        NONE,
        /** b = exponential running mean of past batch-mean losses (decay {@link #baselineDecay()}). */
        RUNNING_MEAN,
        /** S ≥ 2 samples per example; sample s uses the mean loss of the other S − 1 as its baseline. */
        LEAVE_ONE_OUT;

        /** Command-line id: none, running-mean, leave-one-out. */
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Baseline parse(String s) {
            for (Baseline b : values()) {
                if (b.id().equals(s) || b.name().equalsIgnoreCase(s)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("baseline: unknown value '" + s + "'; known: none, running-mean, "
                    + "leave-one-out");
        }
    }

    /** What RELAX's surrogate c_φ is made of. */
    public enum SurrogateKind {
        /**
         * c_φ(z) = η·f(σ_λ(z)) + r_ρ(z), φ = (η, log λ, ρ): the paper's f(σ_λ(z)) + r_ρ(z) with a
         * learned η (the official VAE code also scales the network by η and gives it the input x:
         * {@link #RELAXED_LOSS_PLUS_CONTEXT_MLP}).
         */
        RELAXED_LOSS_PLUS_MLP,
        /** c_φ(z) = r_ρ(z), φ = ρ: needs no evaluation of f at relaxed inputs. */
        MLP,
        /** c_φ(z) = r_ρ(σ_λ(z)), φ = (ρ, log λ): the MLP on the relaxed sample, as the RELAX toy code. */
        MLP_OF_RELAXED,
        /**
         * c_φ(z) = η·[f(s) + Q([sg(ctx), s])], s = σ_λ(z), φ = (η, log λ, Q): the official VAE code's
         * surrogate with the input it gives Q ({@code binary_vae_multilayer_per_layer.py}: Q sees x − x̄,
         * the training-set mean image subtracted, next to z), the context being any graph variable
         * named by {@link #surrogateContext()} (none: Q sees s alone). Unlike the official code Q sees
         * the bounded s instead of the raw z (categorical z = log π + G reaches −80 and saturates Q).
         * Default Q: ReLU, widths {200, 200}, as the official code.
         */
        RELAXED_LOSS_PLUS_CONTEXT_MLP;

        /** Command-line id: relaxed-loss-plus-mlp, mlp, mlp-of-relaxed, relaxed-loss-plus-context-mlp. */
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** True if this surrogate's network can read a {@link EstimatorConfig#surrogateContext() context}. */
        public boolean takesContext() {
            return this == RELAXED_LOSS_PLUS_CONTEXT_MLP;
        }

        /** Hidden widths of the surrogate network unless {@link Builder#surrogateWidths} says otherwise. */
        public int[] defaultWidths() {
            return takesContext() ? new int[] {200, 200} : new int[] {10};
        }

        /** Hidden activation of the surrogate network unless {@link Builder#surrogateActivation} says otherwise. */
        public Activation defaultActivation() {
            return takesContext() ? Activation.RELU : Activation.TANH;
        }

        public static SurrogateKind parse(String s) {
            for (SurrogateKind k : values()) {
                if (k.id().equals(s) || k.name().equalsIgnoreCase(s)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("surrogate: unknown value '" + s + "'; known: relaxed-loss-plus-mlp, mlp, "
                    + "mlp-of-relaxed, relaxed-loss-plus-context-mlp");
        }
    }

    /**
     * Where ReinMax-CV's single-draw term ĝ_STGS takes its Gumbel noise from. See {@link ReinMaxCv}.
     */
    public enum CvNoise {
        /**
         * A fresh Gumbel draw independent of D: the paper's eq. 18 (default). The control variate's mean given
         * D is not zero, so the estimator's mean is not ReinMax's.
         */
        UNCONDITIONAL,
        /**
         * Drawn conditionally on D like the K draws of ĝ_GR: zero mean given D. Since ReinMax is
         * deterministic given D, this form has ReinMax's mean and can only add variance; kept for studies.
         */
        CONDITIONAL;

        /** Command-line id: unconditional, conditional. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static CvNoise parse(String s) {
            for (CvNoise n : values()) {
                if (n.id().equalsIgnoreCase(s == null ? "" : s.trim())) {
                    return n;
                }
            }
            throw new IllegalArgumentException("cvNoise: unknown value '" + s + "'; known: unconditional, conditional");
        }
    }

    /** Hidden-layer activation of the surrogate MLP. */
    public enum Activation {
        TANH, RELU;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Activation parse(String s) {
            for (Activation a : values()) {
                if (a.id().equalsIgnoreCase(s)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("surrogateActivation: unknown value '" + s + "'; known: tanh, relu");
        }
    }

    private final String name;
    private final double temperature;
    private final int samples;
    private final double eta;
    private final double alpha;
    private final double reinmaxTemperature;
    private final CvNoise cvNoise;
    private final Baseline baseline;
    private final int scoreSamples;
    private final double baselineDecay;
    private final SurrogateKind surrogate;
    private final int[] surrogateWidths;
    private final Activation surrogateActivation;
    private final double phiLrMultiplier;
    private final int pretrainSteps;
    private final String surrogateContext;
    private final int surrogateContextWidth;
    private final double surrogateWeightDecay;

    private EstimatorConfig(Builder b) {
        this.name = b.name;
        this.temperature = b.temperature;
        this.samples = b.samples;
        this.eta = b.eta;
        this.alpha = b.alpha;
        this.reinmaxTemperature = b.reinmaxTemperature;
        this.cvNoise = b.cvNoise;
        this.baseline = b.baseline;
        this.scoreSamples = b.scoreSamples;
        this.baselineDecay = b.baselineDecay;
        this.surrogate = b.surrogate;
        this.surrogateWidths = b.surrogateWidths.clone();
        this.surrogateActivation = b.surrogateActivation;
        this.phiLrMultiplier = b.phiLrMultiplier;
        this.pretrainSteps = b.pretrainSteps;
        this.surrogateContext = b.surrogateContext;
        this.surrogateContextWidth = b.surrogateContextWidth;
        this.surrogateWeightDecay = b.surrogateWeightDecay;
    }

    /** A config with every hyper-parameter at its default. */
    public static EstimatorConfig of(String name) {
        return builder(name).build();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder initialised from this config, for changing a field. */
    public Builder toBuilder() {
        return new Builder(name).temperature(temperature).samples(samples).eta(eta).alpha(alpha)
                .reinmaxTemperature(reinmaxTemperature).cvNoise(cvNoise).baseline(baseline)
                .scoreSamples(scoreSamples).baselineDecay(baselineDecay).surrogate(surrogate)
                .surrogateWidths(surrogateWidths).surrogateActivation(surrogateActivation)
                .phiLrMultiplier(phiLrMultiplier).pretrainSteps(pretrainSteps)
                .surrogateContext(surrogateContext, surrogateContextWidth)
                .surrogateWeightDecay(surrogateWeightDecay);
    }

    /** Registry name, e.g. {@code reinmax}. */
    public String name() {
        return name;
    }

    /**
     * Temperature τ > 0 of the relaxation / of softmax(θ/τ) in the backward pass. REBAR and RELAX
     * use it as the initial value of their learned temperature λ.
     */
    public double temperature() {
        return temperature;
    }

    /** Number K ≥ 1 of conditional Gumbel samples. */
    public int samples() {
        return samples;
    }

    /** Control-variate weight η (finite); the initial η of REBAR and RELAX (learned from there). */
    public double eta() {
        return eta;
    }

    /** α > 0 of generalised ReinMax. */
    public double alpha() {
        return alpha;
    }

    /**
     * Temperature τ_RM > 0 of ReinMax-CV's ReinMax term, π₁ = (D + softmax(θ/τ_RM))/2 (default 1, as in the
     * paper's eq. 18); {@link #temperature()} is then the control variate's τ. Other estimators ignore it.
     */
    public double reinmaxTemperature() {
        return reinmaxTemperature;
    }

    /** ReinMax-CV's noise for its single-draw term (default {@link CvNoise#UNCONDITIONAL}, the paper's). */
    public CvNoise cvNoise() {
        return cvNoise;
    }

    /** REINFORCE's baseline (default none). */
    public Baseline baseline() {
        return baseline;
    }

    /**
     * Number S of independent samples per example for the leave-one-out baseline (≥ 2 there;
     * 1 otherwise). Each costs one evaluation of f.
     */
    public int scoreSamples() {
        return scoreSamples;
    }

    /** Decay d ∈ [0, 1) of the running-mean baseline: b ← d·b + (1 − d)·mean f. */
    public double baselineDecay() {
        return baselineDecay;
    }

    /** RELAX's surrogate composition (default η·f(σ_λ(z)) + r_ρ(z)). */
    public SurrogateKind surrogate() {
        return surrogate;
    }

    /**
     * Hidden widths of the surrogate network r_ρ or Q (default: the kind's
     * {@link SurrogateKind#defaultWidths()}, {10} or {200, 200}); its length is the depth; a copy.
     */
    public int[] surrogateWidths() {
        return surrogateWidths.clone();
    }

    /** Hidden activation of r_ρ or Q (default: the kind's {@link SurrogateKind#defaultActivation()}). */
    public Activation surrogateActivation() {
        return surrogateActivation;
    }

    /** φ's learning rate as a multiple of the model's (default 10, as the official RELAX code). */
    public double phiLrMultiplier() {
        return phiLrMultiplier;
    }

    /** Steps of φ training on the variance loss alone before the model moves (default 0). */
    public int pretrainSteps() {
        return pretrainSteps;
    }

    /**
     * The name of the graph variable {@code [batch, m]} RELAX's surrogate network Q reads next to
     * its input (the official VAE code: x − x̄), or null for none. Resolved against the node's
     * graph when the node is built (a name the graph lacks throws an
     * {@link IllegalArgumentException}); taken behind stop-gradient, so it must not depend on the
     * node's noise or sample (then ĝ stays unbiased; θ-dependence is fine). Only surrogates that
     * {@link SurrogateKind#takesContext() take a context} accept one.
     */
    public String surrogateContext() {
        return surrogateContext;
    }

    /** m, the context's width per example (0 without a context). */
    public int surrogateContextWidth() {
        return surrogateContextWidth;
    }

    /**
     * L2 weight decay w ≥ 0 on the surrogate network's weights and biases ρ: the variance loss φ
     * is trained on becomes Σ ĝ²/batch + w·Σ ρ²/2, as the official VAE code's {@code Q_wd}
     * (default 0, its command-line default).
     */
    public double surrogateWeightDecay() {
        return surrogateWeightDecay;
    }

    /**
     * The fields as an ordered map, for JSON output and provenance. {@code reinmaxTemperature} and
     * {@code cvNoise} appear for {@code reinmax-cv} only, the one estimator that reads them, so that the
     * maps (and the checkpoint fingerprints built from them) of every other estimator stay as they were.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("temperature", temperature);
        m.put("samples", samples);
        m.put("eta", eta);
        m.put("alpha", alpha);
        if (usesCvFields(name)) {
            m.put("reinmaxTemperature", reinmaxTemperature);
            m.put("cvNoise", cvNoise.id());
        }
        m.put("baseline", baseline.id());
        m.put("scoreSamples", scoreSamples);
        m.put("baselineDecay", baselineDecay);
        m.put("surrogate", surrogate.id());
        m.put("surrogateWidths", Arrays.stream(surrogateWidths).boxed().toList());
        m.put("surrogateActivation", surrogateActivation.id());
        m.put("phiLrMultiplier", phiLrMultiplier);
        m.put("pretrainSteps", pretrainSteps);
        // written only when set, so configs (and run fingerprints) without them read as before
        if (surrogateContext != null) {
            m.put("surrogateContext", surrogateContext);
            m.put("surrogateContextWidth", surrogateContextWidth);
        }
        if (surrogateWeightDecay != 0) {
            m.put("surrogateWeightDecay", surrogateWeightDecay);
        }
        return m;
    }

    /** True for the estimator that reads {@link #reinmaxTemperature()} and {@link #cvNoise()}. */
    public static boolean usesCvFields(String estimator) {
        return "reinmax-cv".equals(estimator);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EstimatorConfig c)) {
            return false;
        }
        return name.equals(c.name) && Double.compare(temperature, c.temperature) == 0 && samples == c.samples
                && Double.compare(eta, c.eta) == 0 && Double.compare(alpha, c.alpha) == 0
                && Double.compare(reinmaxTemperature, c.reinmaxTemperature) == 0 && cvNoise == c.cvNoise
                && baseline == c.baseline
                && scoreSamples == c.scoreSamples && Double.compare(baselineDecay, c.baselineDecay) == 0
                && surrogate == c.surrogate && Arrays.equals(surrogateWidths, c.surrogateWidths)
                && surrogateActivation == c.surrogateActivation
                && Double.compare(phiLrMultiplier, c.phiLrMultiplier) == 0 && pretrainSteps == c.pretrainSteps
                && Objects.equals(surrogateContext, c.surrogateContext) && surrogateContextWidth == c.surrogateContextWidth
                && Double.compare(surrogateWeightDecay, c.surrogateWeightDecay) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, temperature, samples, eta, alpha, reinmaxTemperature, cvNoise, baseline, scoreSamples,
                baselineDecay, surrogate, Arrays.hashCode(surrogateWidths), surrogateActivation, phiLrMultiplier, pretrainSteps)
                + 31 * Objects.hash(surrogateContext, surrogateContextWidth, surrogateWeightDecay);
    }

    @Override
    public String toString() {
        return "EstimatorConfig" + toMap();
    }

    /** Builder; {@link #build()} validates every field. */
    public static final class Builder {
        private final String name;
        private double temperature = DEFAULT_TEMPERATURE;
        private int samples = DEFAULT_SAMPLES;
        private double eta = DEFAULT_ETA;
        private double alpha = DEFAULT_ALPHA;
        private double reinmaxTemperature = DEFAULT_REINMAX_TEMPERATURE;
        private CvNoise cvNoise = CvNoise.UNCONDITIONAL;
        private Baseline baseline = Baseline.NONE;
        private int scoreSamples = 1;
        private double baselineDecay = DEFAULT_BASELINE_DECAY;
        private SurrogateKind surrogate = SurrogateKind.RELAXED_LOSS_PLUS_MLP;
        private int[] surrogateWidths;              // null: the kind's default
        private Activation surrogateActivation;     // null: the kind's default
        private double phiLrMultiplier = DEFAULT_PHI_LR_MULTIPLIER;
        private int pretrainSteps = 0;
        private String surrogateContext;
        private int surrogateContextWidth;
        private double surrogateWeightDecay;
        private boolean widthsSet;
        private boolean activationSet;

        private Builder(String name) {
            this.name = name;
        }

        public Builder temperature(double tau) {
            this.temperature = tau;
            return this;
        }

        public Builder samples(int k) {
            this.samples = k;
            return this;
        }

        public Builder eta(double eta) {
            this.eta = eta;
            return this;
        }

        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        public Builder reinmaxTemperature(double tauRm) {
            this.reinmaxTemperature = tauRm;
            return this;
        }

        public Builder cvNoise(CvNoise noise) {
            this.cvNoise = noise;
            return this;
        }

        public Builder baseline(Baseline baseline) {
            this.baseline = baseline;
            return this;
        }

        public Builder scoreSamples(int s) {
            this.scoreSamples = s;
            return this;
        }

        public Builder baselineDecay(double d) {
            this.baselineDecay = d;
            return this;
        }

        public Builder surrogate(SurrogateKind kind) {
            this.surrogate = kind;
            return this;
        }

        /** Hidden widths of the surrogate network (its depth is their number); default: the kind's. */
        public Builder surrogateWidths(int... widths) {
            this.surrogateWidths = widths == null ? null : widths.clone();
            this.widthsSet = true;
            return this;
        }

        /** Hidden activation of the surrogate network; default: the kind's. */
        public Builder surrogateActivation(Activation a) {
            this.surrogateActivation = a;
            this.activationSet = true;
            return this;
        }

        /**
         * The graph variable {@code [batch, width]} the surrogate network reads as its context
         * ({@link EstimatorConfig#surrogateContext()}); {@code (null, 0)} for none. The width is
         * needed because SameDiff does not know the shapes of op outputs when the graph is built.
         */
        public Builder surrogateContext(String variable, int width) {
            this.surrogateContext = variable;
            this.surrogateContextWidth = width;
            return this;
        }

        /** L2 weight decay on the surrogate network ({@link EstimatorConfig#surrogateWeightDecay()}). */
        public Builder surrogateWeightDecay(double w) {
            this.surrogateWeightDecay = w;
            return this;
        }

        public Builder phiLrMultiplier(double m) {
            this.phiLrMultiplier = m;
            return this;
        }

        public Builder pretrainSteps(int steps) {
            this.pretrainSteps = steps;
            return this;
        }

        public EstimatorConfig build() {
            if (name == null || !Estimators.names().contains(name)) {
                throw new IllegalArgumentException("estimator: unknown name '" + name + "'; known: "
                        + String.join(", ", Estimators.names()));
            }
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
            }
            if (samples < 1) {
                throw new IllegalArgumentException("samples (K) must be >= 1, got " + samples);
            }
            if (!Double.isFinite(eta)) {
                throw new IllegalArgumentException("eta must be finite, got " + eta);
            }
            if (!(alpha > 0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("alpha must be finite and > 0, got " + alpha);
            }
            if (!(reinmaxTemperature > 0) || Double.isInfinite(reinmaxTemperature)) {
                throw new IllegalArgumentException("reinmaxTemperature must be finite and > 0, got " + reinmaxTemperature);
            }
            if (cvNoise == null) {
                throw new IllegalArgumentException("cvNoise must not be null");
            }
            if (baseline == null) {
                throw new IllegalArgumentException("baseline must not be null");
            }
            if (scoreSamples < 1) {
                throw new IllegalArgumentException("scoreSamples (S) must be >= 1, got " + scoreSamples);
            }
            if (baseline == Baseline.LEAVE_ONE_OUT && scoreSamples < 2) {
                throw new IllegalArgumentException("scoreSamples (S) must be >= 2 for the leave-one-out baseline, got "
                        + scoreSamples);
            }
            if (!(baselineDecay >= 0 && baselineDecay < 1)) {
                throw new IllegalArgumentException("baselineDecay must be in [0, 1), got " + baselineDecay);
            }
            if (surrogate == null) {
                throw new IllegalArgumentException("surrogate must not be null");
            }
            if (!widthsSet) {
                surrogateWidths = surrogate.defaultWidths();
            }
            if (!activationSet) {
                surrogateActivation = surrogate.defaultActivation();
            }
            if (surrogateWidths == null || surrogateWidths.length == 0) {
                throw new IllegalArgumentException("surrogateWidths must name at least one hidden width, got "
                        + Arrays.toString(surrogateWidths));
            }
            for (int w : surrogateWidths) {
                if (w < 1) {
                    throw new IllegalArgumentException("surrogateWidths must all be >= 1, got "
                            + Arrays.toString(surrogateWidths));
                }
            }
            if (surrogateActivation == null) {
                throw new IllegalArgumentException("surrogateActivation must not be null");
            }
            if (!(phiLrMultiplier > 0) || Double.isInfinite(phiLrMultiplier)) {
                throw new IllegalArgumentException("phiLrMultiplier must be finite and > 0, got " + phiLrMultiplier);
            }
            if (pretrainSteps < 0) {
                throw new IllegalArgumentException("pretrainSteps must be >= 0, got " + pretrainSteps);
            }
            if (surrogateContext == null) {
                if (surrogateContextWidth != 0) {
                    throw new IllegalArgumentException("surrogateContextWidth must be 0 without a surrogateContext, got "
                            + surrogateContextWidth);
                }
            } else {
                if (surrogateContext.isBlank()) {
                    throw new IllegalArgumentException("surrogateContext must name a graph variable, got '"
                            + surrogateContext + "'");
                }
                if (surrogateContextWidth < 1) {
                    throw new IllegalArgumentException("surrogateContextWidth must be >= 1, got " + surrogateContextWidth
                            + " (surrogateContext '" + surrogateContext + "')");
                }
                if (!surrogate.takesContext()) {
                    throw new IllegalArgumentException("surrogateContext: surrogate " + surrogate.id()
                            + " takes no context (relaxed-loss-plus-context-mlp does), got '" + surrogateContext + "'");
                }
            }
            if (!(surrogateWeightDecay >= 0) || Double.isInfinite(surrogateWeightDecay)) {
                throw new IllegalArgumentException("surrogateWeightDecay must be finite and >= 0, got "
                        + surrogateWeightDecay);
            }
            return new EstimatorConfig(this);
        }
    }
}
