package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

class SigmoidBceLossTest {
    private final SigmoidBceLoss loss = new SigmoidBceLoss();

    @Test
    void scoreAndGradientFromTheLogits() {
        double[][] z = {{-30, 0.5, 3}, {2, -1, 40}};
        double[][] y = {{0.5, 0, 1}, {0.2, 1, 0}};
        INDArray zs = Nd4j.create(z).castTo(DataType.DOUBLE);
        INDArray ys = Nd4j.create(y).castTo(DataType.DOUBLE);
        double[] perExample = loss.computeScoreArray(ys, zs, new ActivationSigmoid(), null).toDoubleVector();
        double[][] grad = loss.computeGradient(ys, zs, new ActivationSigmoid(), null).toDoubleMatrix();
        double total = 0;
        for (int b = 0; b < 2; b++) {
            double s = 0;
            for (int i = 0; i < 3; i++) {
                double p = 1 / (1 + Math.exp(-z[b][i]));
                // −y log σ(z) − (1 − y) log(1 − σ(z)) with log σ(z) = −log(1 + e^{−z})
                s += y[b][i] * Math.log1p(Math.exp(-z[b][i])) + (1 - y[b][i]) * (z[b][i] + Math.log1p(Math.exp(-z[b][i])));
                assertEquals(p - y[b][i], grad[b][i], 1e-12);
            }
            assertEquals(s, perExample[b], 1e-9 * s);
            total += s;
        }
        assertEquals(total / 2, loss.computeScore(ys, zs, new ActivationSigmoid(), null, true), 1e-9 * total);
        // a confidently wrong pixel: exact here, clipped (≈ 11.5 nats at most) by DL4J's XENT
        // pixel 3 of example 2 (z = 40, y = 0) costs 40 nats: the rest is 0.8·2 + log(1 + e^-2) + log(1 + e)
        assertEquals(40.0, perExample[1] - 0.8 * 2 - Math.log1p(Math.exp(-2)) - Math.log1p(Math.exp(1)), 1e-6);
        double xent = new LossBinaryXENT().computeScoreArray(ys, zs, new ActivationSigmoid(), null).getDouble(1);
        assertEquals(true, xent < perExample[1] - 25, "XENT " + xent + " vs exact " + perExample[1]);
    }

    @Test
    void needsASigmoidLayer() {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, 1, 2);
        assertThrows(IllegalArgumentException.class, () -> loss.computeGradient(a, a, new ActivationIdentity(), null));
    }
}
