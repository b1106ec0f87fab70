package io.relaxsd.examples.vae;

import io.relaxsd.estimator.DistributionKind;
import java.util.Arrays;
import java.util.Locale;

/**
 * The architecture of one VAE setup: latent kind and size, hidden layers, activation, and how MNIST
 * pixels become Bernoulli targets.
 *
 * <ul>
 *   <li>{@code categorical} (ReinMax paper): L categorical variables of C classes ({@code CxL},
 *       e.g. {@code 8x16}); encoder 784-512-256-(L·C), decoder (L·C)-256-512-784, ReLU; targets are
 *       grey levels / 255.</li>
 *   <li>{@code binary-linear} (REBAR/RELAX papers): 200 Bernoulli latents, 784-200-784.</li>
 *   <li>{@code binary-nonlinear}: 200 Bernoulli latents, encoder 784-200-200-200 (tanh), decoder
 *       mirrored 200-200-200-784.</li>
 *   <li>{@code binary-linear-2} (RELAX paper's L2): two stochastic layers of 200 Bernoulli units,
 *       linear maps between them, inputs 2b − 1 into every layer above the pixels and a learned
 *       prior on the top layer ({@link TwoLayerGraph}).</li>
 * </ul>
 * Binary setups use binarised MNIST (threshold or dynamic). The papers' static binarisation
 * (Larochelle's fixed sample) is not available here.
 *
 * @param id         setup name as on the command line
 * @param kind       latent distribution
 * @param variables  L (categorical) or n (Bernoulli)
 * @param categories C (categorical), 1 for Bernoulli
 * @param hidden     encoder hidden widths, input side first; the decoder mirrors them
 * @param activation hidden activation
 */
public record VaeSetup(String id, DistributionKind kind, int variables, int categories, int[] hidden,
                       Activation activation) {

    public static final int PIXELS = 784;
    public static final String CATEGORICAL = "categorical";
    public static final String BINARY_LINEAR = "binary-linear";
    public static final String BINARY_NONLINEAR = "binary-nonlinear";
    public static final String BINARY_LINEAR_2 = "binary-linear-2";
    /** The ReinMax paper's latent shapes (C x L). */
    public static final String[] PAPER_LATENTS = {"8x4", "4x24", "8x16", "16x12", "64x8", "10x30"};

    public enum Activation { RELU, TANH }

    public VaeSetup {
        if (variables < 1) {
            throw new IllegalArgumentException("latent variables must be >= 1, got " + variables);
        }
        if (kind == DistributionKind.CATEGORICAL && categories < 2) {
            throw new IllegalArgumentException("categories must be >= 2, got " + categories);
        }
        if (kind == DistributionKind.BERNOULLI && categories != 1) {
            throw new IllegalArgumentException("Bernoulli setups have categories = 1, got " + categories);
        }
        hidden = hidden.clone();
    }

    /** The categorical setup with C categories and L variables. */
    public static VaeSetup categorical(int categories, int variables) {
        return new VaeSetup(CATEGORICAL, DistributionKind.CATEGORICAL, variables, categories, new int[] {512, 256},
                Activation.RELU);
    }

    public static VaeSetup binaryLinear() {
        return new VaeSetup(BINARY_LINEAR, DistributionKind.BERNOULLI, 200, 1, new int[0], Activation.TANH);
    }

    public static VaeSetup binaryNonlinear() {
        return new VaeSetup(BINARY_NONLINEAR, DistributionKind.BERNOULLI, 200, 1, new int[] {200, 200},
                Activation.TANH);
    }

    /** The RELAX paper's L2: two linear stochastic layers of 200 Bernoulli units each. */
    public static VaeSetup binaryLinear2() {
        return twoLayer(200);
    }

    /** L2 with {@code n} units per stochastic layer (tests use a few, to enumerate). */
    static VaeSetup twoLayer(int n) {
        return new VaeSetup(BINARY_LINEAR_2, DistributionKind.BERNOULLI, n, 1, new int[0], Activation.TANH);
    }

    /** True for {@code binary-linear-2}: two stochastic layers of {@link #variables()} units each. */
    public boolean twoLayer() {
        return BINARY_LINEAR_2.equals(id);
    }

    /**
     * @param setup  {@code categorical}, {@code binary-linear}, {@code binary-nonlinear} or {@code binary-linear-2}
     * @param latent {@code CxL} for the categorical setup (ignored, may be null, otherwise)
     */
    public static VaeSetup parse(String setup, String latent) {
        String s = setup == null ? CATEGORICAL : setup.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case CATEGORICAL:
                int[] cl = parseLatent(latent == null ? "8x16" : latent);
                return categorical(cl[0], cl[1]);
            case BINARY_LINEAR:
                return binaryLinear();
            case BINARY_NONLINEAR:
                return binaryNonlinear();
            case BINARY_LINEAR_2:
                return binaryLinear2();
            default:
                throw new IllegalArgumentException("setup must be one of categorical, binary-linear, binary-nonlinear, "
                        + "binary-linear-2; got '"
                        + setup + "'");
        }
    }

    /** {@code "8x16"} → {C = 8, L = 16}. */
    public static int[] parseLatent(String latent) {
        String[] p = latent.trim().toLowerCase(Locale.ROOT).split("x");
        try {
            if (p.length == 2) {
                int c = Integer.parseInt(p[0]);
                int l = Integer.parseInt(p[1]);
                if (c >= 2 && l >= 1) {
                    return new int[] {c, l};
                }
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("latent must be CxL with C >= 2 categories and L >= 1 variables (e.g. 8x16), got '"
                + latent + "'");
    }

    /** Width of the latent code: L·C, or n. */
    public int latentWidth() {
        return variables * categories;
    }

    public boolean binary() {
        return kind == DistributionKind.BERNOULLI;
    }

    /** A short label, e.g. {@code categorical 8x16} or {@code binary-linear}. */
    public String label() {
        return binary() ? id : id + " " + categories + "x" + variables;
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VaeSetup v && id.equals(v.id) && kind == v.kind && variables == v.variables
                && categories == v.categories && Arrays.equals(hidden, v.hidden) && activation == v.activation;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * id.hashCode() + variables) + categories;
    }

    @Override
    public String toString() {
        return label();
    }
}
