package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.relaxsd.estimator.EstimatorConfig;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

class Dl4jVaeRunTest {

    /**
     * The network score is ./relax vae's −ELBO: the batch mean of Σ over the 784 pixels of BCE plus
     * KL(q ‖ uniform), recomputed here by hand for the deterministic (arg-max) code of inference mode.
     */
    @Test
    void scoreIsBatchMeanOfPixelSumBcePlusKl() {
        int c = 4;
        int l = 3;
        VaeSetup setup = VaeSetup.categorical(c, l);
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jVaeRun.configuration(setup,
                EstimatorConfig.builder("reinmax").build(), OptimizerKind.ADAM.create(1e-3), 7, null));
        net.init();
        INDArray x = new SyntheticDigits(5, 5, 4).first(5).castTo(DataType.FLOAT);
        int stoch = 3;                                  // 784-512-256-(L·C) | stochastic | decoder…
        double[][] theta = net.activateSelectedLayers(0, stoch - 1, x).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] z = new double[5][l * c];
        double kl = 0;
        for (int b = 0; b < 5; b++) {
            for (int g = 0; g < l; g++) {
                int best = 0;
                double max = Double.NEGATIVE_INFINITY;
                double norm = 0;
                for (int k = 0; k < c; k++) {
                    max = Math.max(max, theta[b][g * c + k]);
                }
                for (int k = 0; k < c; k++) {
                    norm += Math.exp(theta[b][g * c + k] - max);
                }
                for (int k = 0; k < c; k++) {
                    double q = Math.exp(theta[b][g * c + k] - max) / norm;
                    kl += q * Math.log(q * c);
                    if (theta[b][g * c + k] > theta[b][g * c + best]) {
                        best = k;
                    }
                }
                z[b][g * c + best] = 1;
            }
        }
        INDArray zArr = org.nd4j.linalg.factory.Nd4j.create(z).castTo(DataType.FLOAT);
        double[][] p = net.activateSelectedLayers(stoch + 1, net.getnLayers() - 1, zArr).castTo(DataType.DOUBLE)
                .toDoubleMatrix();
        double[][] t = x.castTo(DataType.DOUBLE).toDoubleMatrix();
        double bce = 0;
        for (int b = 0; b < 5; b++) {
            for (int i = 0; i < VaeSetup.PIXELS; i++) {
                bce -= t[b][i] * Math.log(p[b][i]) + (1 - t[b][i]) * Math.log(1 - p[b][i]);
            }
        }
        double expected = (bce + kl) / 5;
        assertEquals(expected, net.score(new DataSet(x, x), false), 1e-4 * expected);
    }

    /**
     * The gradient fit() applies is that of the batch MEAN of the per-example −ELBO, as in ./relax vae:
     * one SGD step moves the output bias by −lr · (1/B) Σ_batch (σ − x), with σ the decoder output of
     * the very sample the step drew (a clone of the network draws the same noise).
     */
    @Test
    void fitStepsAlongTheBatchMeanGradient() {
        VaeSetup setup = VaeSetup.categorical(4, 3);
        double lr = 0.5;
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jVaeRun.configuration(setup,
                EstimatorConfig.builder("st").build(), new Sgd(lr), 11, null));
        net.init();
        int rows = 8;
        INDArray x = new SyntheticDigits(rows, rows, 5).first(rows).castTo(DataType.FLOAT);
        MultiLayerNetwork twin = net.clone();
        double[][] p = twin.output(x, true).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] t = x.castTo(DataType.DOUBLE).toDoubleMatrix();
        int out = net.getnLayers() - 1;
        double[] before = net.getLayer(out).getParam("b").castTo(DataType.DOUBLE).toDoubleVector();
        net.fit(new DataSet(x, x));
        double[] after = net.getLayer(out).getParam("b").castTo(DataType.DOUBLE).toDoubleVector();
        double maxErr = 0;
        double maxStep = 0;
        for (int i = 0; i < VaeSetup.PIXELS; i++) {
            double g = 0;
            for (int b = 0; b < rows; b++) {
                g += p[b][i] - t[b][i];
            }
            double expected = -lr * g / rows;
            maxErr = Math.max(maxErr, Math.abs(after[i] - before[i] - expected));
            maxStep = Math.max(maxStep, Math.abs(expected));
        }
        assertEquals(0.0, maxErr, 1e-5 * Math.max(1, maxStep), "largest step " + maxStep);
        assertEquals(true, maxStep > 0.05, "the step is not negligible: " + maxStep);
    }

    /** Seed 0 (the CLI's default) gives the same initial weights every time: ND4J alone would not honour it. */
    @Test
    void seedZeroGivesTheSameWeights() throws InterruptedException {
        VaeSetup setup = VaeSetup.categorical(4, 3);
        INDArray[] params = new INDArray[2];
        for (int n = 0; n < 2; n++) {
            MultiLayerNetwork net = new MultiLayerNetwork(Dl4jVaeRun.configuration(setup,
                    EstimatorConfig.builder("st").build(), new Sgd(0.1), 0, null));
            net.init();
            params[n] = net.params().dup();
            Thread.sleep(5);         // ND4J's seed-0 state depends on the clock
        }
        assertEquals(params[0], params[1]);
    }

    /** Biases start uniform in ±1/√fan_in as in Mlp (not at DL4J's constant 0), the same for the same seed. */
    @Test
    void biasesStartUniformLikeMlp() {
        VaeSetup setup = VaeSetup.categorical(4, 3);
        MultiLayerNetwork[] nets = new MultiLayerNetwork[2];
        for (int n = 0; n < 2; n++) {
            nets[n] = new MultiLayerNetwork(Dl4jVaeRun.configuration(setup, EstimatorConfig.builder("st").build(),
                    new Sgd(0.1), 3, null));
            nets[n].init();
            Dl4jVaeRun.initBiases(nets[n], 3);
        }
        double[] b0 = nets[0].getLayer(0).getParam("b").castTo(DataType.DOUBLE).toDoubleVector();   // fan_in 784
        double bound = 1 / Math.sqrt(784);
        double max = 0;
        for (double v : b0) {
            max = Math.max(max, Math.abs(v));
        }
        assertEquals(true, max <= bound && max > 0.9 * bound, "max |b| " + max + ", bound " + bound);
        double[] out = nets[0].getLayer(nets[0].getnLayers() - 1).getParam("b").castTo(DataType.DOUBLE).toDoubleVector();
        assertEquals(true, Math.abs(out[0]) <= 1 / Math.sqrt(512) && out[0] != 0, "output bias " + out[0]);
        assertEquals(nets[0].params(), nets[1].params());
    }
}
