package io.relaxsd.examples.vae;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.NodeDraw;
import io.relaxsd.estimator.SampleLoss;
import io.relaxsd.estimator.StateUpdate;
import io.relaxsd.estimator.ValueAndGradient;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.ScoreFunctionNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The RELAX paper's two-layer linear model L2 (Grathwohl et al. 2018, Sec. 6.2, after REBAR's
 * Sec. 6), as the upper half of a {@link VaeModel} graph whose encoder and decoder are the
 * pixel-side maps:
 * <pre>
 *   q(b1|x)  = σ((x − x̄) W1 + β1)              the model's encoder           ("z",  200 bits)
 *   q(b2|b1) = σ((2b1 − 1) W2 + β2)            {@code enc_top}               ("z2", 200 bits)
 *   p(b2)    = σ(φ), φ learned, starting at 0  {@code prior_logits}
 *   p(b1|b2) = σ((2b2 − 1) W2' + β2')          {@code dec_top}
 *   p(x|b1)  = σ((2b1 − 1) W1' + β1')          the model's decoder
 *   −ELBO per image = −log p(x|b1) − log p(b1|b2) + KL(q(b2|b1) ‖ p(b2)) − H(q(b1|x))
 * </pre>
 * at one sample (b1, b2). KL(q(b2|b1) ‖ p(b2)) = Σ q (θ2 − φ) − softplus θ2 + softplus φ and
 * H(q(b1|x)) are analytic, which is exact given b1 (the KL) and given x (the entropy), so this is
 * an unbiased single-sample estimate of −ELBO; the importance weight of {@link ImportanceWeights}
 * uses the log densities of the samples instead.
 *
 * <p><b>Score-function estimators</b> get one node per stochastic layer, each with its own
 * control variate (REBAR's η and λ, RELAX's surrogate) and its own loss:
 * <ul>
 *   <li>layer 2: f2(b2) = −log p(b1|b2) with b1 the drawn sample; the KL term is differentiated
 *       analytically in θ2 and φ.</li>
 *   <li>layer 1: f1(b1) = −log p(x|b1) + sg[−log p(b1|b2) + KL(q(b2|b1) ‖ p(b2))] with
 *       b2 = step(θ2(b1) + logit u2) drawn from layer 2's own uniforms, so f1 is everything the
 *       ELBO has downstream of b1 (the score term of layer 1 needs all of it to be unbiased). The
 *       downstream part is behind stop-gradient because layer 2's node and the KL term already
 *       carry its gradient to W2, W2', φ; without it they would receive it twice.</li>
 * </ul>
 * Layer 1's control variate relaxes only −log p(x|·) (the {@link SampleLoss#frozen()} copy of
 * f1): the downstream part depends on b1 through the discrete draw of b2, and a control variate
 * c(z) containing step(θ2(H(z)) + logit u2) would not be a smooth function of z, which REBAR's and
 * RELAX's reparameterised correction term requires. Any c(z) gives an unbiased estimator; this one
 * leaves the downstream part's variance to the score term (RELAX's learned r_ρ(z) can take it up).
 *
 * <p><b>Pathwise estimators</b> differentiate the −ELBO above through both nodes.
 */
final class TwoLayerGraph {
    /** Learned prior logits φ of the top layer. */
    static final String PRIOR = "prior_logits";
    /** Name of the top layer's node. */
    static final String TOP_NODE = "z2";
    /** Layer 1's loss draws b2 from these; {@link #alias} feeds them layer 2's own uniforms. */
    static final String DOWNSTREAM_UNIFORMS = "z2-u-downstream";

    private final SameDiff sd;
    private final int n;
    private final Mlp encTop;
    private final Mlp decTop;
    private final SDVariable prior;
    private final List<String> controlNames = new ArrayList<>();
    private final List<StateUpdate> stateUpdates = new ArrayList<>();
    private String topUniforms;
    private boolean aliased;

    TwoLayerGraph(SameDiff sd, int units, Random rng) {
        this.sd = sd;
        this.n = units;
        this.encTop = new Mlp(sd, "enc_top", new int[] {units, units}, VaeSetup.Activation.TANH, rng, Mlp.Init.GLOROT);
        this.decTop = new Mlp(sd, "dec_top", new int[] {units, units}, VaeSetup.Activation.TANH, rng, Mlp.Init.GLOROT);
        this.prior = sd.var(PRIOR, Nd4j.zeros(DataType.FLOAT, 1, units));
    }

    /** −log p(t | logits a) per example, Σ over columns. */
    private static SDVariable nll(SDVariable t, SDVariable a) {
        return VaeModel.bernoulliCrossEntropy(t, a).sum(1);
    }

    /** KL(Bernoulli(σ θ) ‖ Bernoulli(σ φ)) per example, φ a {@code [1, n]} row. */
    static SDVariable klToPrior(SDVariable theta, SDVariable phi) {
        SameDiff s = theta.getSameDiff();
        SDVariable q = s.nn().sigmoid(theta);
        return q.mul(theta.sub(phi)).sub(NodeDraw.stableSoftplus(theta)).add(NodeDraw.stableSoftplus(phi)).sum(1);
    }

    /** −H(Bernoulli(σ θ)) = Σ σ(θ) θ − softplus θ per example. */
    static SDVariable negativeEntropy(SDVariable theta) {
        SameDiff s = theta.getSameDiff();
        return s.nn().sigmoid(theta).mul(theta).sub(NodeDraw.stableSoftplus(theta)).sum(1);
    }

    private static SDVariable signed(SDVariable z) {
        return SignedInputLoss.signed(z);
    }

    /**
     * Pathwise estimators: both nodes in the forward, the −ELBO differentiated through them; with
     * {@code estimator == null} the deterministic σ(θ) of the benchmark's softmax baseline instead.
     */
    void buildPathwise(Discrete discrete, Mlp decoder, SDVariable x, SDVariable invBatch, SDVariable theta1,
                       EstimatorConfig estimator, boolean relaxedForward) {
        // estimator == null: the benchmark's baseline, σ(θ) in place of both samples
        SDVariable z1 = estimator == null ? sd.nn().sigmoid(theta1) : discrete.bernoulli("z", theta1, n, estimator);
        SDVariable theta2 = encTop.apply(signed(z1));
        SDVariable z2 = estimator == null ? sd.nn().sigmoid(theta2) : discrete.bernoulli(TOP_NODE, theta2, n, estimator);
        SDVariable upper = klToPrior(theta2, prior).add(negativeEntropy(theta1));
        SDVariable train = nll(x, decoder.apply(signed(z1))).add(nll(z1, decTop.apply(signed(z2)))).add(upper);
        sd.identity(VaeModel.KL_SUM, upper.sum());
        sd.math().mul(VaeModel.LOSS, train.sum(), invBatch);
        if (!relaxedForward) {
            sd.identity(VaeModel.NELBO_SUM, train.sum());
            sd.nn().sigmoid(VaeModel.RECONSTRUCTION, decoder.apply(signed(z1)));
            return;
        }
        // the reported −ELBO decodes the hard samples of the same uniforms
        SDVariable u1 = sd.getVariable(discrete.nodes().get(0).uniformPlaceholder());
        SDVariable u2 = sd.getVariable(discrete.nodes().get(1).uniformPlaceholder());
        SDVariable b1 = NodeDraw.sampled(DistributionKind.BERNOULLI, theta1, n, u1, null).hard();
        SDVariable th2 = encTop.apply(signed(b1));
        SDVariable b2 = NodeDraw.sampled(DistributionKind.BERNOULLI, th2, n, u2, null).hard();
        SDVariable hardLogits = decoder.apply(signed(b1));
        SDVariable nelbo = nll(x, hardLogits).add(nll(b1, decTop.apply(signed(b2)))).add(klToPrior(th2, prior))
                .add(negativeEntropy(theta1));
        sd.identity(VaeModel.NELBO_SUM, nelbo.sum());
        sd.nn().sigmoid(VaeModel.RECONSTRUCTION, hardLogits);
    }

    /** Score-function estimators: one node and one control variate per layer (see the class comment). */
    void buildScoreFunction(Discrete discrete, Mlp decoder, SDVariable x, SDVariable invBatch, SDVariable theta1,
                            EstimatorConfig estimator) {
        SDVariable u2 = sd.placeHolder(DOWNSTREAM_UNIFORMS, DataType.FLOAT, -1, n);
        SampleLoss pixels = new SignedInputLoss(new DecoderLoss(decoder, x));
        ScoreFunctionNode bottom = discrete.bernoulli("z", theta1, n, estimator, new LayerOneLoss(pixels, u2));
        SDVariable b1 = bottom.sample();
        SDVariable theta2 = encTop.apply(signed(b1));
        ScoreFunctionNode top = discrete.bernoulli(TOP_NODE, theta2, n, estimator,
                new SignedInputLoss(new DecoderLoss(decTop, b1)));
        topUniforms = discrete.nodes().get(1).uniformPlaceholder();
        aliased = true;
        SDVariable upper = klToPrior(theta2, prior).add(negativeEntropy(theta1));
        SDVariable kl = sd.identity(VaeModel.KL_SUM, upper.sum());
        // f1 at the sample is −log p(x|b1) − log p(b1|b2) + KL(q(b2|b1) ‖ p(b2)): with −H(q(b1|x)) the −ELBO
        sd.identity(VaeModel.NELBO_SUM, bottom.lossAtSample().add(negativeEntropy(theta1)).sum());
        SDVariable variance = bottom.varianceLoss().add(top.varianceLoss());
        sd.identity(VaeModel.GRADIENT_SECOND_MOMENT, variance);
        sd.identity(VaeModel.LOSS, bottom.modelLoss().add(top.modelLoss()).add(kl.mul(invBatch)).add(variance));
        sd.nn().sigmoid(VaeModel.RECONSTRUCTION, decoder.apply(signed(b1)));
        controlNames.addAll(bottom.controlParameters());
        controlNames.addAll(top.controlParameters());
        stateUpdates.addAll(bottom.stateUpdates());
        stateUpdates.addAll(top.stateUpdates());
    }

    /**
     * Layer 1's f1(b1) = −log p(x|b1) + sg[−log p(b1|b2) + KL(q(b2|b1) ‖ p(b2))], b2 drawn from
     * {@code u2}. Its {@link #frozen()} copy, which REBAR and RELAX relax, is −log p(x|·) alone.
     */
    private final class LayerOneLoss implements SampleLoss {
        private final SampleLoss pixels;
        private final SDVariable u2;

        LayerOneLoss(SampleLoss pixels, SDVariable u2) {
            this.pixels = pixels;
            this.u2 = u2;
        }

        @Override
        public SDVariable value(SDVariable b1) {
            Mlp enc = encTop.frozen();
            Mlp dec = decTop.frozen();
            SDVariable phi = new StopGradient(sd, prior).outputVariable();
            SDVariable th2 = enc.apply(signed(b1));
            SDVariable b2 = NodeDraw.sampled(DistributionKind.BERNOULLI, th2, n, u2, null).hard();
            SDVariable downstream = nll(b1, dec.apply(signed(b2))).add(klToPrior(th2, phi));
            return pixels.value(b1).add(downstream);
        }

        @Override
        public SDVariable inputGradient(SDVariable x) {
            throw new UnsupportedOperationException("f1 contains the discrete draw of b2; only its frozen()"
                    + " part -log p(x|b1) has an input gradient");
        }

        @Override
        public ValueAndGradient evaluate(SDVariable x) {
            return new ValueAndGradient(value(x), inputGradient(x));
        }

        @Override
        public SampleLoss frozen() {
            return pixels.frozen();
        }
    }

    /** Score-function graphs: layer 1's loss reads layer 2's uniforms under a second name. */
    void alias(Map<String, INDArray> feed) {
        if (aliased) {
            feed.put(DOWNSTREAM_UNIFORMS, feed.get(topUniforms));
        }
    }

    /** enc_top, dec_top (W then b), then φ. */
    List<SDVariable> parameters() {
        List<SDVariable> p = new ArrayList<>(encTop.parameters());
        p.addAll(decTop.parameters());
        p.add(prior);
        return p;
    }

    List<String> controlNames() {
        return controlNames;
    }

    List<StateUpdate> stateUpdates() {
        return stateUpdates;
    }

    Mlp encTop() {
        return encTop;
    }

    Mlp decTop() {
        return decTop;
    }

    SDVariable prior() {
        return prior;
    }
}
