package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.exact.ExactGradient;
import io.relaxsd.samediff.Seeds;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * REINFORCE and RELAX as DL4J layers, on the network x = 1 → dense logits θ (no bias, so ∂/∂W is the
 * batch sum of the layer's input gradient ĝ) → stochastic layer → identity output with MSE wrapped in
 * {@link PerExampleScoreLoss}: the loss f(b) = Σ_j (Vᵀb + c − y)_j² / 2 per example is known in closed
 * form, so ∇θ E[f] is exact by enumeration ({@link ExactGradient}).
 */
class ScoreFunctionLayerTest {
    static final String CHANNEL = "f";
    private static final int OUT = 2;

    static Stream<Arguments> estimators() {
        return Stream.of(
                Arguments.of("reinforce, Bernoulli", false,
                        new BernoulliStochasticLayer.Builder().units(2).estimator("reinforce")),
                Arguments.of("reinforce running-mean, categorical", true,
                        new CategoricalStochasticLayer.Builder().groups(1).categories(3).estimator("reinforce")
                                .baseline(EstimatorConfig.Baseline.RUNNING_MEAN)),
                Arguments.of("relax mlp, Bernoulli", false,
                        new BernoulliStochasticLayer.Builder().units(2).estimator("relax")),
                Arguments.of("relax mlp-of-relaxed, categorical", true,
                        new CategoricalStochasticLayer.Builder().groups(1).categories(3).estimator("relax")
                                .surrogate(EstimatorConfig.SurrogateKind.MLP_OF_RELAXED)));
    }

    static MultiLayerNetwork network(StochasticLayer layer, org.nd4j.linalg.learning.config.IUpdater updater) {
        int w = (int) layer.width();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.DOUBLE)
                .updater(updater).list()
                .layer(new DenseLayer.Builder().nIn(1).nOut(w).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(layer)
                .layer(new OutputLayer.Builder().lossFunction(new PerExampleScoreLoss(new LossMSE(), CHANNEL))
                        .nIn(w).nOut(OUT).activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        double[] theta = w == 2 ? new double[] {1.2, -0.9} : new double[] {0.3, -0.5, 0.9};
        net.getParam("0_W").assign(Nd4j.createFromArray(new double[][] {theta}));
        INDArray v = Nd4j.createFromArray(w == 2 ? new double[][] {{1.5, -0.5}, {-1.0, 2.0}}
                : new double[][] {{1.5, -0.5}, {-1.0, 2.0}, {0.5, 1.0}});
        net.getParam("2_W").assign(v);
        net.getParam("2_b").assign(Nd4j.createFromArray(new double[][] {{0.2, -0.3}}));
        return net;
    }

    static final double[] TARGET = {0.5, 1.0};

    /** f(b) = LossMSE's per-example score: Σ_j (Vᵀb + c − y)_j² / OUT. */
    static double loss(MultiLayerNetwork net, double[] b) {
        INDArray v = net.getParam("2_W");
        INDArray c = net.getParam("2_b");
        double s = 0;
        for (int j = 0; j < OUT; j++) {
            double y = c.reshape(c.length()).getDouble(j);
            for (int i = 0; i < b.length; i++) {
                y += v.getDouble(i, j) * b[i];
            }
            s += (y - TARGET[j]) * (y - TARGET[j]);
        }
        return s / OUT;
    }

    static double[] exact(MultiLayerNetwork net, boolean categorical) {
        double[] theta = net.getParam("0_W").toDoubleVector();
        return categorical ? ExactGradient.categorical(theta, b -> loss(net, b))
                : ExactGradient.bernoulli(theta, b -> loss(net, b));
    }

    /** One batch-mean ĝ of {@code batch} draws: ∂/∂W of the first layer divided by the batch size. */
    static double[] batchMeanEstimate(MultiLayerNetwork net, int batch) {
        net.setInput(Nd4j.ones(DataType.DOUBLE, batch, 1));
        INDArray y = Nd4j.createFromArray(new double[][] {TARGET}).repeat(0, batch);
        net.setLabels(y);
        net.computeGradientAndScore();
        return net.gradient().getGradientFor("0_W").div(batch).toDoubleVector();
    }

    record MeanAndSe(double[] mean, double[] se, double meanSquare) {
    }

    /** Mean and standard error over {@code reps} batch means; meanSquare is Σ_w of E[(batch mean)²]·batch. */
    static MeanAndSe estimate(MultiLayerNetwork net, int reps, int batch) {
        double[][] g = new double[reps][];
        for (int r = 0; r < reps; r++) {
            g[r] = batchMeanEstimate(net, batch);
        }
        int w = g[0].length;
        double[] mean = new double[w];
        double[] se = new double[w];
        for (double[] row : g) {
            for (int i = 0; i < w; i++) {
                mean[i] += row[i] / reps;
            }
        }
        double var = 0;
        for (int i = 0; i < w; i++) {
            double ss = 0;
            for (double[] row : g) {
                ss += (row[i] - mean[i]) * (row[i] - mean[i]);
            }
            se[i] = Math.sqrt(ss / (reps - 1) / reps);
            var += ss / (reps - 1) * batch;
        }
        return new MeanAndSe(mean, se, var);
    }

    /**
     * The layer's input gradient, averaged over 12 000 draws, equals Σ_b f(b) ∇θ p(b) within 4
     * standard errors per logit, and the standard error is small enough for the check to have power.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("estimators")
    void meanInputGradientIsTheExactGradient(String name, boolean categorical, StochasticLayer.Builder<?> layer) {
        MultiLayerNetwork net = network((StochasticLayer) layer.scoreFrom(CHANNEL).seed(5).build(), new NoOp());
        double[] exact = exact(net, categorical);
        MeanAndSe est = estimate(net, 60, 200);
        double scale = 0;
        for (double e : exact) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertTrue(scale > 0.1, name + ": the exact gradient must not be trivial, max |g| = " + scale);
        for (int i = 0; i < exact.length; i++) {
            assertTrue(4 * est.se()[i] < 0.3 * scale, name + ": s.e. " + est.se()[i] + " too large to test");
            assertEquals(exact[i], est.mean()[i], 4 * est.se()[i],
                    name + ": logit " + i + " (exact " + java.util.Arrays.toString(exact) + ", estimated "
                            + java.util.Arrays.toString(est.mean()) + ")");
        }
    }

    /**
     * The gradient the layer hands DL4J for φ is ∂(Σ_i Σ_w ĝ_iw²)/∂φ (DL4J's updater then divides by the
     * batch size): checked against central differences of Σ ĝ² computed by the same graph with φ moved.
     */
    @Test
    void controlGradientIsTheDerivativeOfTheSquaredEstimate() {
        StochasticLayer conf = new BernoulliStochasticLayer.Builder().units(2).estimator("relax")
                .surrogate(EstimatorConfig.SurrogateKind.MLP_OF_RELAXED).surrogateWidths(3).scoreFrom(CHANNEL).build();
        StochasticKernel kernel = conf.buildKernel(DataType.DOUBLE, 3L, true);
        java.util.Map<String, INDArray> phi = new java.util.LinkedHashMap<>();
        kernel.variables().forEach((k, v) -> phi.put(k, v.dup()));
        org.nd4j.linalg.api.rng.Random rng = Seeds.generator(9);
        int batch = 7;
        INDArray logits = Nd4j.rand(rng, batch, 2).castTo(DataType.DOUBLE).subi(0.5).muli(3);
        java.util.Map<String, INDArray> noise = kernel.drawNoise(batch, rng);
        INDArray f = Nd4j.rand(rng, batch).castTo(DataType.DOUBLE).muli(2);
        kernel.loadVariables(phi);
        java.util.Map<String, INDArray> analytic = kernel.scoreGradients(logits, noise, f).control();
        assertEquals(java.util.List.of("rW0", "rb0", "rW1", "rb1", "logLambdaIn"),
                java.util.List.copyOf(analytic.keySet()));
        double h = 1e-6;
        double largest = 0;
        for (String key : analytic.keySet()) {
            INDArray p = phi.get(key);
            for (int i = 0; i < p.length(); i++) {
                double old = p.getDouble(i);
                p.putScalar(i, old + h);
                kernel.loadVariables(phi);
                double up = kernel.estimate(logits, noise, f).mul(kernel.estimate(logits, noise, f)).sumNumber()
                        .doubleValue();
                p.putScalar(i, old - h);
                kernel.loadVariables(phi);
                double down = kernel.estimate(logits, noise, f).mul(kernel.estimate(logits, noise, f)).sumNumber()
                        .doubleValue();
                p.putScalar(i, old);
                double numeric = (up - down) / (2 * h);
                double a = analytic.get(key).reshape(analytic.get(key).length()).getDouble(i);
                largest = Math.max(largest, Math.abs(a));
                assertEquals(numeric, a, 1e-5 * Math.max(1, Math.abs(numeric)), key + "[" + i + "]");
            }
        }
        assertTrue(largest > 1e-3, "φ's gradient must not vanish, largest " + largest);
    }

    /**
     * {@code fit()} trains φ with the layer's control updater (the network's updater is SGD with learning
     * rate 0, so θ and the decoder stay put; DL4J's NoOp would apply the raw gradient) and the
     * estimator's variance Σ_w Var(ĝ_w) falls.
     */
    @Test
    void fitTrainsThePhiAndTheVarianceFalls() {
        StochasticLayer conf = new BernoulliStochasticLayer.Builder().units(2).estimator("relax").scoreFrom(CHANNEL)
                .controlUpdater(new Adam(5e-2)).seed(5).build();
        MultiLayerNetwork net = network(conf, new Sgd(0.0));
        double[] exact = exact(net, false);
        double before = estimate(net, 20, 400).meanSquare();
        INDArray phi0 = net.getLayer(1).params().dup();
        INDArray theta0 = net.getParam("0_W").dup();
        INDArray x = Nd4j.ones(DataType.DOUBLE, 400, 1);
        INDArray y = Nd4j.createFromArray(new double[][] {TARGET}).repeat(0, 400);
        for (int i = 0; i < 40; i++) {
            net.fit(x, y);
        }
        assertEquals(theta0, net.getParam("0_W"), "θ has learning rate 0");
        assertNotEquals(0.0, net.getLayer(1).params().sub(phi0).norm2Number().doubleValue(), "φ moved");
        assertEquals(net.getLayer(1).params().getDouble(0), net.getLayer(1).paramTable().get("rW0").getDouble(0),
                0.0, "the parameter table views the flat parameters");
        MeanAndSe after = estimate(net, 20, 400);
        System.out.println("RELAX layer variance before/after 40 steps of phi: " + before + " -> " + after.meanSquare());
        assertTrue(after.meanSquare() < 0.5 * before, "variance " + before + " -> " + after.meanSquare());
        for (int i = 0; i < exact.length; i++) {
            assertEquals(exact[i], after.mean()[i], 4 * after.se()[i] + 1e-9, "still unbiased after training φ");
        }
    }
}
