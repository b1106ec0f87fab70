package io.relaxsd.examples.vae;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

class ProbeTest {
    interface R { void run(); }
    static void time(String label, int n, R r) {
        for (int i = 0; i < 5; i++) r.run();
        double[] t = new double[n];
        for (int i = 0; i < n; i++) { long s = System.nanoTime(); r.run(); t[i] = (System.nanoTime() - s) / 1e6; }
        java.util.Arrays.sort(t);
        System.out.printf("PROBE %-40s median %.2f ms  min %.2f%n", label, t[n / 2], t[0]);
    }
    @Test
    void probe() {
        SyntheticDigits d = new SyntheticDigits(200, 100, 1);
        INDArray x = d.first(100).castTo(DataType.FLOAT);
        VaeModel m = VaeModel.build(VaeSetup.categorical(8, 16), EstimatorConfig.builder("reinmax").temperature(1.0).build(), 11);
        m.prepareGradients();
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(3);
        List<String> ps = List.copyOf(m.parameters().keySet());
        Map<String, INDArray> feed = m.feed(x, rng);
        Map<String, INDArray> g = m.sameDiff().calculateGradients(feed, ps);
        int[] it = {100};
        ParameterUpdaters up = new ParameterUpdaters(m.parameters(), OptimizerKind.RADAM.create(1e-9));
        time("radam updaters", 30, () -> up.apply(g, it[0]++, 0));
        ParameterUpdaters up2 = new ParameterUpdaters(m.parameters(), OptimizerKind.ADAM.create(1e-9));
        time("adam updaters", 30, () -> up2.apply(g, it[0]++, 0));
        time("subi only", 30, () -> { for (String k : ps) m.parameters().get(k).subi(g.get(k).mul(0)); });
        INDArray w = m.parameters().get("enc0_W");
        INDArray gw = g.get("enc0_W");
        INDArray st = Nd4j.zeros(DataType.FLOAT, 2 * w.length());
        time("native adam 400k", 30, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(gw.reshape(w.length()), st.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(w.length(), 2*w.length())), st.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, w.length())), 1e-9, 0.9, 0.999, 1e-8, it[0]++)));
        INDArray mm = Nd4j.zeros(DataType.FLOAT, w.length()), vv = Nd4j.zeros(DataType.FLOAT, w.length());
        time("native adam 400k own arrays", 30, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(gw.reshape(w.length()), vv, mm, 1e-9, 0.9, 0.999, 1e-8, it[0]++)));
        time("muli 400k", 30, () -> w.muli(1.0));
        INDArray a = Nd4j.rand(DataType.FLOAT, 401408), b = Nd4j.rand(DataType.FLOAT, 401408), c = Nd4j.rand(DataType.FLOAT, 401408);
        time("muli 0.999 400k", 30, () -> a.muli(0.999));
        time("addi scalar 400k", 30, () -> a.addi(1e-8));
        time("axpy 400k", 30, () -> Nd4j.getBlasWrapper().level1().axpy(a.length(), 0.001, b, a));
        time("MulOp 400k", 30, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp(a, b, c)));
        time("sqrt 400k", 30, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt(b, c)));
        time("addi arr 400k", 30, () -> a.addi(b));
        time("subi arr 400k", 30, () -> a.subi(b));
        time("java loop 400k", 30, () -> { float[] fa = new float[401408]; for (int i = 0; i < fa.length; i++) fa[i] = fa[i] * 0.9f + 1; });
    }
}
