package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.samediff.Seeds;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The binary setups in the official RELAX code's form (binary_vae_multilayer_per_layer.py): encoder
 * input x − x̄, decoder input 2b − 1, learned prior logits starting at 0, Glorot weights with zero
 * biases, decoder output bias logit(clip(x̄, 0.001, 0.999)); each against a hand computation.
 */
class BinarySetupTest {

    private static INDArray binaryImages(int n) {
        return new SyntheticDigits(n, n, 5).first(n).gt(0.5).castTo(DataType.FLOAT);
    }

    /** A mean image with pixels at 0 and 1 (clipped) and in between. */
    private static INDArray meanImage() {
        float[] m = new float[784];
        for (int i = 0; i < 784; i++) {
            m[i] = i % 7 == 0 ? 0f : i % 11 == 0 ? 1f : (i % 97) / 97f;
        }
        return Nd4j.createFromArray(m).reshape(1, 784);
    }

    @Test
    void initialisationIsGlorotWithZeroBiasesAndAZeroPrior() {
        VaeModel model = VaeModel.build(VaeSetup.binaryNonlinear(), EstimatorConfig.of("st"), 1);
        Map<String, INDArray> p = model.parameters();
        assertEquals(List.of("enc0_W", "enc0_b", "enc1_W", "enc1_b", "enc2_W", "enc2_b", "dec0_W", "dec0_b",
                "dec1_W", "dec1_b", "dec2_W", "dec2_b", TwoLayerGraph.PRIOR), List.copyOf(p.keySet()));
        // enc0: 784 → 200; dec2: 200 → 784; both U(±sqrt(6/984)), variance bound²/3
        double bound = Math.sqrt(6.0 / (784 + 200));
        for (String w : new String[] {"enc0_W", "dec2_W"}) {
            INDArray a = p.get(w);
            assertTrue(a.amaxNumber().doubleValue() <= bound, w);
            assertEquals(bound * bound / 3, a.varNumber().doubleValue(), 0.03 * bound * bound / 3, w);
        }
        double inner = Math.sqrt(6.0 / 400);
        assertEquals(inner * inner / 3, p.get("enc1_W").varNumber().doubleValue(), 0.05 * inner * inner / 3);
        for (String b : new String[] {"enc0_b", "enc2_b", "dec0_b", "dec2_b", TwoLayerGraph.PRIOR}) {
            assertEquals(0.0, p.get(b).amaxNumber().doubleValue(), 0.0, b);
        }
        assertEquals(200, p.get(TwoLayerGraph.PRIOR).length());
    }

    @Test
    void decoderOutputBiasStartsAtTheClippedLogitOfTheMean() {
        VaeModel model = VaeModel.build(VaeSetup.binaryLinear(), EstimatorConfig.of("reinforce"), 2);
        INDArray mean = meanImage();
        model.initialiseFromData(mean);
        double[] bias = model.parameters().get("dec0_b").castTo(DataType.DOUBLE).toDoubleVector();
        double[] m = mean.castTo(DataType.DOUBLE).toDoubleVector();
        for (int i = 0; i < 784; i++) {
            double p = Math.min(Math.max(m[i], 0.001), 0.999);
            assertEquals(-Math.log(1 / p - 1), bias[i], 1e-4, "pixel " + i);
        }
        assertEquals(-Math.log(999), bias[0], 1e-4);       // x̄ = 0 → logit 0.001
        assertEquals(Math.log(999), bias[11], 1e-4);       // x̄ = 1 → logit 0.999
        assertEquals(0.0, model.inputMean().sub(mean).amaxNumber().doubleValue(), 0.0);
        // the encoder keeps its zero biases: the official code adds the bias to the decoder's last layer only
        assertEquals(0.0, model.parameters().get("enc0_b").amaxNumber().doubleValue(), 0.0);
    }

    @Test
    void categoricalModelsKeepTheirBiases() {
        VaeModel model = VaeModel.build(VaeSetup.categorical(4, 3), EstimatorConfig.of("st"), 2);
        INDArray before = model.parameters().get("dec2_b").dup();
        model.initialiseFromData(meanImage());
        assertTrue(before.equals(model.parameters().get("dec2_b")));
        assertTrue(!model.usesInputMean());
    }

    /**
     * The trainer's first step takes x̄ from the training batches (the mean of the images as the run
     * sees them) and puts it into the encoder's centring and the decoder's output bias.
     */
    @Test
    void trainerTakesTheMeanOfTheTrainingImages() {
        VaeModel model = VaeModel.build(VaeSetup.binaryLinear(), EstimatorConfig.of("st"), 3);
        SyntheticDigits train = new SyntheticDigits(30, 7, 4);
        new VaeTrainer(model, OptimizerKind.ADAM_RELAX.create(1e-3), 0, 30).prepare(train);
        double[] sum = new double[784];
        int n = 0;
        for (Iterator<INDArray> it = train.epoch(1); it.hasNext(); ) {
            double[][] b = it.next().castTo(DataType.DOUBLE).toDoubleMatrix();
            for (double[] row : b) {
                for (int i = 0; i < 784; i++) {
                    sum[i] += row[i];
                }
                n++;
            }
        }
        assertEquals(30, n);
        double[] got = model.inputMean().castTo(DataType.DOUBLE).toDoubleVector();
        double[] bias = model.parameters().get("dec0_b").castTo(DataType.DOUBLE).toDoubleVector();
        int inside = 0;
        for (int i = 0; i < 784; i++) {
            double m = sum[i] / n;
            assertEquals(m, got[i], 1e-6, "pixel " + i);
            double p = Math.min(Math.max(m, 0.001), 0.999);
            assertEquals(Math.log(p / (1 - p)), bias[i], 1e-4, "bias " + i);
            inside += m > 0.001 && m < 0.999 ? 1 : 0;
        }
        assertTrue(inside > 50, "the synthetic mean has " + inside + " unclipped pixels");
    }

    /**
     * −ELBO of the graph (training loss and reported sum) against a hand computation from the same
     * weights and noise: θ = (x − x̄)W + β, b = [θ + logit u > 0], decoder on 2b − 1, KL to the learned
     * prior Bernoulli(σ φ). Pathwise (st) and score-function (reinforce) graphs.
     */
    @ParameterizedTest
    @ValueSource(strings = {"st", "reinforce"})
    void nelboIsTheHandComputedOfficialForm(String estimator) {
        VaeModel model = VaeModel.build(VaeSetup.binaryLinear(), EstimatorConfig.of(estimator), 8);
        model.initialiseFromData(meanImage());
        INDArray phiArr = model.parameters().get(TwoLayerGraph.PRIOR);
        for (int j = 0; j < 200; j++) {
            phiArr.putScalar(0, j, 0.02 * (j % 13) - 0.1);
        }
        INDArray x = binaryImages(4);
        Map<String, INDArray> feed = model.feed(x, Seeds.generator(6));
        double sum = model.sameDiff().output(feed, VaeModel.NELBO_SUM).get(VaeModel.NELBO_SUM).getDouble(0);
        Map<String, INDArray> p = model.parameters();
        double[][] xs = x.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] mean = meanImage().castTo(DataType.DOUBLE).toDoubleVector();
        double[][] u = feed.get("z-u").castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] phi = phiArr.castTo(DataType.DOUBLE).toDoubleVector();
        double total = 0;
        for (int n = 0; n < 4; n++) {
            double[] centred = new double[784];
            for (int i = 0; i < 784; i++) {
                centred[i] = xs[n][i] - mean[i];
            }
            double[] theta = affine(centred, p.get("enc0_W"), p.get("enc0_b"));
            double[] s = new double[200];
            double kl = 0;
            for (int j = 0; j < 200; j++) {
                s[j] = theta[j] + Math.log(u[n][j] / (1 - u[n][j])) > 0 ? 1 : -1;
                double q = 1 / (1 + Math.exp(-theta[j]));
                double r = 1 / (1 + Math.exp(-phi[j]));
                kl += q * Math.log(q / r) + (1 - q) * Math.log((1 - q) / (1 - r));
            }
            double[] a = affine(s, p.get("dec0_W"), p.get("dec0_b"));
            for (int i = 0; i < 784; i++) {
                total += softplus(a[i]) - xs[n][i] * a[i];
            }
            total += kl;
        }
        assertEquals(total, sum, 1e-5 * Math.abs(total));
    }

    /**
     * The prior is a model parameter, as the official {@code p_prior} (trainable, in the decoder's
     * optimiser): ∂loss/∂φ = (1/B) Σ_b (σ(φ) − σ(θ_b)), the gradient of the analytic KL.
     */
    @Test
    void priorLogitsGetTheKlGradient() {
        VaeModel model = VaeModel.build(VaeSetup.binaryLinear(), EstimatorConfig.of("reinforce"), 9);
        model.initialiseFromData(meanImage());
        INDArray phiArr = model.parameters().get(TwoLayerGraph.PRIOR);
        phiArr.assign(Nd4j.linspace(-1, 1, 200, DataType.FLOAT).reshape(1, 200));
        INDArray x = binaryImages(5);
        Map<String, INDArray> feed = model.feed(x, Seeds.generator(3));
        model.prepareGradients();
        OutAndGrad r = model.sameDiff().calculateGradientsAndOutputs(feed, List.of(VaeModel.LOGITS),
                List.of(TwoLayerGraph.PRIOR));
        double[][] theta = r.getOutputs().get(VaeModel.LOGITS).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] g = r.getGradients().get(TwoLayerGraph.PRIOR).castTo(DataType.DOUBLE).reshape(200).toDoubleVector();
        double[] phi = phiArr.castTo(DataType.DOUBLE).reshape(200).toDoubleVector();
        for (int j = 0; j < 200; j++) {
            double want = 0;
            for (int b = 0; b < 5; b++) {
                want += (1 / (1 + Math.exp(-phi[j])) - 1 / (1 + Math.exp(-theta[b][j]))) / 5;
            }
            assertEquals(want, g[j], 1e-5, "prior logit " + j);
        }
    }

    /**
     * Pathwise estimators on binary setups give their logit gradients through the graph (for
     * {@code ./relax variance}): the encoder is one linear layer, so ∂loss/∂β = (1/B) Σ_b ∂(−ELBO_b)/∂θ_b.
     */
    @ParameterizedTest
    @ValueSource(strings = {"st", "gumbel-softmax"})
    void pathwiseLogitGradientsSumToTheEncoderBiasGradient(String estimator) {
        VaeModel model = VaeModel.build(VaeSetup.binaryLinear(), EstimatorConfig.of(estimator), 4);
        model.initialiseFromData(meanImage());
        VaeTrainer trainer = new VaeTrainer(model, OptimizerKind.ADAM_RELAX.create(1e-3), 0, 10);
        INDArray x = binaryImages(6);
        VaeTrainer.StepGradient g = trainer.gradient(model.feed(x, Seeds.generator(2)));
        double[] fromLogits = g.logits().castTo(DataType.DOUBLE).sum(0).div(6).toDoubleVector();
        double[] bias = g.parameters().get("enc0_b").castTo(DataType.DOUBLE).reshape(200).toDoubleVector();
        double scale = 0;
        for (int j = 0; j < 200; j++) {
            scale = Math.max(scale, Math.abs(bias[j]));
        }
        assertTrue(scale > 0);
        for (int j = 0; j < 200; j++) {
            assertEquals(bias[j], fromLogits[j], 1e-5 * scale, "logit " + j);
        }
        assertTrue(Double.isFinite(g.nelbo()) && g.nelbo() > 100, "−ELBO per image " + g.nelbo());
    }

    @Test
    void binaryProtocolDefaults() {
        EstimatorDefaults relax = EstimatorDefaults.of("relax", VaeSetup.binaryLinear2());
        assertEquals(1e-3, relax.learningRate(), 0);
        assertEquals(0.5, relax.temperature(), 0);
        assertEquals(OptimizerKind.ADAM_RELAX, relax.optimizer());
        assertEquals(1.0, EstimatorDefaults.eta("rebar", VaeSetup.binaryLinear()), 0);
        assertTrue(Double.isNaN(EstimatorDefaults.eta("rebar", VaeSetup.categorical(8, 16))));
        assertEquals(EstimatorDefaults.of("reinmax"), EstimatorDefaults.of("reinmax", VaeSetup.categorical(8, 16)));
        assertEquals(1.5, EstimatorDefaults.of("reinmax", VaeSetup.binaryLinear()).temperature(), 0);
        assertEquals(0.99999, ((io.relaxsd.train.FusedAdam) OptimizerKind.ADAM_RELAX.create(1e-3)).beta2(), 0);
        assertEquals(OptimizerKind.ADAM_RELAX, OptimizerKind.parse("adam-relax"));
    }

    static double[] affine(double[] in, INDArray wArr, INDArray bArr) {
        double[][] w = wArr.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] b = bArr.castTo(DataType.DOUBLE).reshape(bArr.length()).toDoubleVector();
        double[] o = b.clone();
        for (int j = 0; j < o.length; j++) {
            for (int i = 0; i < in.length; i++) {
                o[j] += in[i] * w[i][j];
            }
        }
        return o;
    }

    private static double softplus(double a) {
        return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
    }
}
