package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/** The hand-written decoder input gradient equals SameDiff's own gradient of the same loss. */
class MlpInputGradientTest {

    @ParameterizedTest
    @EnumSource(VaeSetup.Activation.class)
    void handWrittenInputGradientEqualsAutodiff(VaeSetup.Activation act) {
        SameDiff sd = SameDiff.create();
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(42);
        Mlp dec = new Mlp(sd, "dec", new int[] {12, 9, 7, 30}, act, rng);
        INDArray z0 = Nd4j.rand(rng, 6, 12).castTo(DataType.FLOAT).subi(0.5).muli(4);
        INDArray x0 = Nd4j.rand(rng, 6, 30).castTo(DataType.FLOAT);
        SDVariable z = sd.var("z", z0);
        SDVariable x = sd.constant("x", x0);
        Mlp.ValueAndInputGradient vg = dec.bceValueAndInputGradient(z, x);
        sd.identity("value", vg.value());
        sd.identity("dz", vg.inputGradient());
        SDVariable autodiffLoss = sd.loss().sigmoidCrossEntropy(x, dec.apply(z), null,
                org.nd4j.autodiff.loss.LossReduce.SUM, 0.0);
        sd.identity("loss", autodiffLoss);
        sd.setLossVariables("loss");
        Map<String, INDArray> out = sd.output((Map<String, INDArray>) null, "value", "dz", "loss");
        INDArray autodiff = sd.calculateGradients(null, "z").get("z");
        INDArray mine = out.get("dz");
        assertTrue(autodiff.sub(mine).amaxNumber().doubleValue() < 1e-5 * (1 + autodiff.amaxNumber().doubleValue()),
                "max diff " + autodiff.sub(mine).amaxNumber());
        assertEquals(out.get("loss").getDouble(0), out.get("value").sumNumber().doubleValue(),
                1e-5 * Math.abs(out.get("loss").getDouble(0)));
    }
}
