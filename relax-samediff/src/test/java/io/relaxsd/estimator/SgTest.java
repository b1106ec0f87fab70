package io.relaxsd.estimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The stop-gradient primitive: exact forward, zero backward, and no backward ops above the cut. */
class SgTest {

    private static final double[] VALUES = {-0.0, 0.0, 1e-300, -3.5, 7.25, 1e30, Double.MIN_VALUE, -Math.PI};

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void forwardIsTheInputBitForBit(DataType type) {
        SameDiff sd = SameDiff.create();
        INDArray x = Nd4j.createFromArray(VALUES).castTo(type);
        SDVariable out = Sg.sg(sd.constant("x", x));
        INDArray y = out.eval();
        assertEquals(type, y.dataType());
        for (int i = 0; i < VALUES.length; i++) {
            if (type == DataType.DOUBLE) {
                assertEquals(Double.doubleToRawLongBits(x.getDouble(i)), Double.doubleToRawLongBits(y.getDouble(i)));
            } else {
                assertEquals(Float.floatToRawIntBits(x.getFloat(i)), Float.floatToRawIntBits(y.getFloat(i)));
            }
        }
    }

    /**
     * loss = Σ θ ⊙ sg(chain(θ)) + Σ θ², so ∂loss/∂θ = chain(θ) + 2θ exactly. The number of ops SameDiff
     * adds for the backward pass must not depend on the length of the chain above the cut; with
     * SameDiff's own StopGradient op every op of the chain gets a backward op.
     */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void backwardIsZeroAndSkipsTheGraphAboveTheCut(DataType type) {
        int shortChain = backwardOps(type, 1);
        int longChain = backwardOps(type, 6);
        assertEquals(shortChain, longChain, "backward ops for a chain of 1 and of 6 ops above the cut");
    }

    private static int backwardOps(DataType type, int chainLength) {
        SameDiff sd = SameDiff.create();
        INDArray theta0 = Nd4j.createFromArray(new double[][] {{0.3, -1.2, 0.8}, {2.0, -0.4, 0.1}}).castTo(type);
        SDVariable theta = sd.var("theta", theta0.dup());
        SDVariable chain = theta;
        for (int i = 0; i < chainLength; i++) {
            chain = sd.math().tanh(chain.mul(1.5).add(0.25));
        }
        SDVariable loss = theta.mul(Sg.sg(chain)).sum().add(theta.mul(theta).sum());
        loss.markAsLoss();
        int forwardOps = sd.ops().length;
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "theta");

        INDArray expected = theta0.dup();
        for (int i = 0; i < chainLength; i++) {
            expected = org.nd4j.linalg.ops.transforms.Transforms.tanh(expected.mul(1.5).add(0.25));
        }
        expected.addi(theta0.mul(2));
        double tol = type == DataType.DOUBLE ? 1e-12 : 1e-6;
        assertArrayEquals(expected.ravel().toDoubleVector(), grads.get("theta").ravel().toDoubleVector(), tol);
        return sd.getFunction("grad").ops().length - forwardOps;
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void zeroWithGradIsZeroForwardAndIdentityBackward(DataType type) {
        SameDiff sd = SameDiff.create();
        INDArray theta0 = Nd4j.createFromArray(new double[] {0.5, -2.0, 3.0}).castTo(type);
        SDVariable theta = sd.var("theta", theta0.dup());
        SDVariable carrier = Sg.zeroWithGrad(sd.math().exp(theta));
        SDVariable loss = carrier.mul(sd.constant(Nd4j.createFromArray(new double[] {1, 2, 3}).castTo(type))).sum();
        loss.markAsLoss();
        assertArrayEquals(new double[] {0, 0, 0}, carrier.eval().toDoubleVector(), 0.0);
        INDArray expected = org.nd4j.linalg.ops.transforms.Transforms.exp(theta0.castTo(DataType.DOUBLE))
                .mul(Nd4j.createFromArray(new double[] {1, 2, 3}));
        double tol = type == DataType.DOUBLE ? 1e-12 : 1e-5;
        assertArrayEquals(expected.toDoubleVector(), sd.calculateGradients(Map.of(), "theta").get("theta")
                .toDoubleVector(), tol);
    }

    /** Where autodiff cannot reach above x anyway, sg adds no ops: x itself is the answer. */
    @org.junit.jupiter.api.Test
    void addsNoOpsWhereTheGraphIsAlreadyCut() {
        SameDiff sd = SameDiff.create();
        SDVariable theta = sd.var("theta", Nd4j.createFromArray(new float[][] {{0.3f, -1.2f, 0.8f}}));
        SDVariable cut = Sg.sg(theta.mul(2.0));
        int ops = sd.ops().length;
        org.junit.jupiter.api.Assertions.assertSame(cut, Sg.sg(cut), "sg of sg");
        SDVariable oneHot = sd.oneHot(sd.argmax(theta, 1), 3, -1, 1.0, 0.0, DataType.FLOAT);
        org.junit.jupiter.api.Assertions.assertSame(oneHot, Sg.sg(oneHot), "one-hot of an arg-max");
        SDVariable constant = sd.constant(Nd4j.createFromArray(1f, 2f));
        org.junit.jupiter.api.Assertions.assertSame(constant, Sg.sg(constant), "constant");
        assertEquals(ops + 2, sd.ops().length, "only argmax and onehot were added");
        org.junit.jupiter.api.Assertions.assertNotSame(theta, Sg.sg(theta), "a variable is cut");
    }

    @org.junit.jupiter.api.Test
    void refusesANonFloatingVariable() {
        SameDiff sd = SameDiff.create();
        SDVariable ints = sd.constant(Nd4j.createFromArray(1, 2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sg.sg(ints));
        assertEquals("stop-gradient needs a floating-point variable, got " + ints.dataType(), e.getMessage());
    }
}
