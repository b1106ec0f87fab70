package io.relaxsd.estimator;

import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What an estimator sees of one discrete stochastic node in a SameDiff graph: the logits, the
 * hard sample and the noise that produced it, as named fields (never slices of one array).
 *
 * <p>Shapes: categorical nodes are normalised to rows {@code [N, K]} (N = batch × variables);
 * Bernoulli nodes are {@code [N, n]}. The hard sample carries no gradient. Derived quantities
 * (probabilities, perturbed logits) are created once, on first use, and shared by whoever asks.
 *
 * <p>Two ways to build one:
 * <ul>
 *   <li>{@link #sampled}: from uniform noise u; D = onehot(argmax(θ + G)) with G = −log(−log u)
 *       (Bernoulli: b = 1[θ + logit(u) > 0]).</li>
 *   <li>{@link #given}: with the hard sample supplied, e.g. to enumerate all outcomes. Estimators
 *       that need the perturbation itself ({@link #perturbed()}) cannot run on such a draw.</li>
 * </ul>
 */
public final class NodeDraw {
    private final DistributionKind kind;
    private final SDVariable logits;
    private final SDVariable hard;
    private final SDVariable noise;          // G (Gumbel) or logistic noise; null for a given sample
    private final SDVariable conditionalUniforms;
    private final int categories;

    private SDVariable probs;
    private SDVariable logProbs;
    private SDVariable perturbed;
    private SDVariable conditionalPerturbed;

    private NodeDraw(DistributionKind kind, SDVariable logits, SDVariable hard, SDVariable noise,
                     SDVariable conditionalUniforms, int categories) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.logits = Objects.requireNonNull(logits, "logits");
        this.hard = Objects.requireNonNull(hard, "hard");
        this.noise = noise;
        this.conditionalUniforms = conditionalUniforms;
        this.categories = categories;
    }

    /**
     * A draw made from uniforms {@code u} of the logits' shape.
     *
     * @param logits              {@code [N, K]} (categorical) or {@code [N, n]} (Bernoulli)
     * @param width               K, or n for Bernoulli nodes (SameDiff rarely knows shapes statically)
     * @param uniforms            u ∈ (0, 1), same shape as the logits
     * @param conditionalUniforms v ∈ (0, 1), {@code [S, N, K]}, or null if the estimator needs none
     */
    public static NodeDraw sampled(DistributionKind kind, SDVariable logits, int width, SDVariable uniforms,
                                   SDVariable conditionalUniforms) {
        int k = checkWidth(kind, width);
        if (kind == DistributionKind.CATEGORICAL) {
            SDVariable g = Sg.sg(CategoricalMath.gumbel(uniforms));
            SDVariable hard = CategoricalMath.oneHotArgmax(logits.add(g), k);
            return new NodeDraw(kind, logits, hard, g, conditionalUniforms, k);
        }
        SDVariable l = Sg.sg(BernoulliMath.logistic(uniforms));
        SDVariable hard = BernoulliMath.step(logits.add(l));
        return new NodeDraw(kind, logits, hard, l, conditionalUniforms, k);
    }

    /** A draw whose hard sample is given (one-hot rows, or 0/1 for Bernoulli); no perturbation. */
    public static NodeDraw given(DistributionKind kind, SDVariable logits, int width, SDVariable hard,
                                 SDVariable conditionalUniforms) {
        return new NodeDraw(kind, logits, Sg.sg(hard), null, conditionalUniforms, checkWidth(kind, width));
    }

    private static int checkWidth(DistributionKind kind, int width) {
        int min = kind == DistributionKind.CATEGORICAL ? 2 : 1;
        if (width < min) {
            throw new IllegalArgumentException((kind == DistributionKind.CATEGORICAL ? "categories" : "width")
                    + " must be >= " + min + ", got " + width);
        }
        return width;
    }

    public DistributionKind kind() {
        return kind;
    }

    public SameDiff sameDiff() {
        return logits.getSameDiff();
    }

    /** θ, {@code [N, K]} or {@code [N, n]}. */
    public SDVariable logits() {
        return logits;
    }

    /** K for categorical nodes, the number of Bernoullis per row otherwise. */
    public int width() {
        return categories;
    }

    /** D (one-hot) or b (0/1); gradient-free. */
    public SDVariable hard() {
        return hard;
    }

    /** The conditional uniforms v, {@code [S, N, K]}; fails if the node was built without them. */
    public SDVariable conditionalUniforms() {
        if (conditionalUniforms == null) {
            throw new IllegalStateException("this node was built without conditional noise");
        }
        return conditionalUniforms;
    }

    /** π = softmax(θ) (categorical) or p = σ(θ) (Bernoulli); differentiable in θ. */
    public SDVariable probs() {
        if (probs == null) {
            probs = kind == DistributionKind.CATEGORICAL
                    ? CategoricalMath.softmax(logits)
                    : sameDiff().nn().sigmoid(logits);
        }
        return probs;
    }

    /**
     * log softmax over dimension 1 of {@code [N, K]} rows, as θ − m − log Σ exp(θ − m) with the shift
     * m = ⌊max θ⌋ (within 1 of the max, so exp(θ − m) ≤ e). The result does not depend on m, and m is
     * taken through an integer cast, which SameDiff does not differentiate: with {@code sg(max θ)}
     * instead, M2.1 still runs {@code reduce_max_bp} on zeros (2.4 ms of a VAE step, measured).
     * Not {@code sd.nn().logSoftmax}: libnd4j 1.0.0-M2.1 computes log(softmax(θ)), which is −inf in
     * FLOAT once a class is ~104 nats below the top one (a VAE encoder gets there within a few dozen
     * steps), and {@code sd.math().logSumExp} neither shifts by the max (exp overflows above ~88) nor
     * has a working gradient.
     */
    public static SDVariable stableLogSoftmax(SDVariable rows) {
        SameDiff sd = rows.getSameDiff();
        SDVariable m = rows.max(true, 1).castTo(DataType.INT64).castTo(rows.dataType());
        SDVariable shifted = rows.sub(m);
        return shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, 1)));
    }

    /**
     * softplus(x) = log(1 + eˣ), finite for every x and with the exact gradient σ(x) everywhere:
     * log1p(exp(min(x, 80))) + max(x − 80, 0). Not {@code sd.nn().softplus}, which is ∞ in FLOAT
     * from x ≈ 89; and not max(x, 0) + log1p(exp(−|x|)), whose autodiff gives 0 instead of ½ at
     * x = 0 exactly (relu' and abs' are 0 there), where logits often start. min(x, 80) is written
     * x − r with r = max(x − 80, 0) (exactly x below 80), not as a clip: the clip's backward costs
     * five libnd4j passes (two comparisons, two casts, a product), x − r's one.
     */
    public static SDVariable stableSoftplus(SDVariable x) {
        return softplus(x).value();
    }

    /** softplus(x) as {@link #stableSoftplus} computes it, and its e = exp(min(x, 80)). */
    private record Softplus(SDVariable value, SDVariable e) {
    }

    private static Softplus softplus(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        SDVariable above = sd.nn().relu(x.sub(SOFTPLUS_CLIP), 0.0);
        SDVariable e = sd.math().exp(x.sub(above));
        return new Softplus(sd.math().log1p(e).add(above), e);
    }

    /**
     * The Bernoulli cross-entropy per entry of logits a against targets x ∈ [0, 1],
     * −x log σ(a) − (1 − x) log(1 − σ(a)) = softplus(a) − x·a ({@link #stableSoftplus}), with its
     * gradient σ(a) − x as one product in the backward pass:
     * <pre>  value = sg(softplus(a) − σ(a)·a) + (sg(σ(a)) − x)·a</pre>
     * Forward: softplus(a) − x·a up to float rounding. Backward (in a only; x gets none): σ(a) − x,
     * where autodiff of softplus(a) − x·a replays its exp, log1p and clip backwards (about a dozen
     * passes over a {@code [batch, 784]} decoder output). σ(a) = e/(1 + e) from the softplus's own
     * e = exp(min(a, 80)): 1 above 80, and 0 where e underflows (a below about −87).
     */
    public static SDVariable bernoulliCrossEntropy(SDVariable targets, SDVariable logits) {
        Softplus sp = softplus(logits);
        SDVariable sigmoid = sp.e().div(sp.e().add(1.0));
        return Sg.sg(sp.value().sub(sigmoid.mul(logits))).add(Sg.sg(sigmoid).sub(targets).mul(logits));
    }

    private static final double SOFTPLUS_CLIP = 80.0;

    /** Normalised log-probabilities log π (categorical only); differentiable in θ. */
    public SDVariable logProbs() {
        requireCategorical("logProbs");
        if (logProbs == null) {
            logProbs = stableLogSoftmax(logits);
        }
        return logProbs;
    }

    /**
     * The perturbed logits that produced the sample, differentiable in θ with the noise fixed:
     * z = log π + G (categorical, normalised so that it matches {@link #conditionalPerturbed()}),
     * z = θ + logit(u) (Bernoulli).
     */
    public SDVariable perturbed() {
        if (noise == null) {
            throw new IllegalStateException("this estimator needs the sampling noise; a draw with a given "
                    + "sample has none");
        }
        if (perturbed == null) {
            perturbed = (kind == DistributionKind.CATEGORICAL ? logProbs() : logits).add(noise);
        }
        return perturbed;
    }

    /**
     * z̃ {@code [S, N, K]}: perturbed logits drawn from the noise distribution conditioned on the
     * sample, in the same coordinates as {@link #perturbed()}, differentiable in θ (through π) with v
     * and D fixed.
     */
    public SDVariable conditionalPerturbed() {
        if (conditionalPerturbed == null) {
            conditionalPerturbed = conditionalPerturbedAt(probs());
        }
        return conditionalPerturbed;
    }

    /** z̃ as in {@link #conditionalPerturbed()} but for the distribution with probabilities {@code q}. */
    public SDVariable conditionalPerturbedAt(SDVariable q) {
        return conditionalPerturbedAt(q, conditionalUniforms());
    }

    /** z̃ as in {@link #conditionalPerturbedAt(SDVariable)} from the given uniforms {@code v} {@code [S, N, K]}. */
    SDVariable conditionalPerturbedAt(SDVariable q, SDVariable v) {
        return kind == DistributionKind.CATEGORICAL
                ? CategoricalMath.conditionalPerturbed(q, hard, v)
                : BernoulliMath.conditionalPerturbed(q, hard, v);
    }

    /**
     * Perturbed logits for the distribution with probabilities {@code q}, with noise drawn from uniforms
     * {@code v} {@code [S, N, K]} independently of the sample: log q + G with G = −log(−log v)
     * (categorical), logit(q) + log(v/(1 − v)) (Bernoulli). Coordinates as {@link #perturbed()}.
     */
    SDVariable unconditionalPerturbedAt(SDVariable q, SDVariable v) {
        SameDiff sd = sameDiff();
        if (kind == DistributionKind.CATEGORICAL) {
            return sd.math().log(q).add(CategoricalMath.gumbel(v));
        }
        return sd.math().log(q).sub(sd.math().log(q.rsub(1.0))).add(BernoulliMath.logistic(v));
    }

    /**
     * The relaxed sample softmax(z/τ) (Bernoulli σ(z/τ)) at the sampling perturbation z, differentiable
     * in θ with the noise fixed: the Gumbel-Softmax / binary Concrete relaxation, {@code [N, K]}.
     */
    public SDVariable relaxed(double temperature) {
        SDVariable scaled = perturbed().div(temperature);
        return kind == DistributionKind.BERNOULLI ? sameDiff().nn().sigmoid(scaled) : CategoricalMath.softmax(scaled);
    }

    /**
     * The Rao-Blackwellised relaxation (1/S) Σ_s softmax(z̃_s/τ) over perturbations {@code zTilde}
     * {@code [S, N, K]} held fixed (conditional ones, or any others), carrying the Jacobian (1/S) Σ_s J(softmax(z̃_s/τ))/τ
     * with respect to θ. Built as softmax((θ + sg(z̃_s − θ))/τ), averaged over s; {@code [N, K]}.
     */
    public SDVariable conditionalRelaxedMean(SDVariable zTilde, double temperature) {
        SDVariable shifted = logits.add(Sg.sg(zTilde.sub(logits))).div(temperature);
        SDVariable y = kind == DistributionKind.BERNOULLI
                ? sameDiff().nn().sigmoid(shifted)
                : CategoricalMath.softmax3(shifted);
        return y.mean(0);
    }

    private void requireCategorical(String what) {
        if (kind != DistributionKind.CATEGORICAL) {
            throw new IllegalStateException(what + " is defined for categorical nodes only");
        }
    }
}
