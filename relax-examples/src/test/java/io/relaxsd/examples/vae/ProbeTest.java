package io.relaxsd.examples.vae;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
        INDArray a = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 100, 784), w = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 784, 512);
        time("gemm 100x784x512", 30, () -> a.mmul(w));
        INDArray big = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 784, 512);
        time("muli 400k", 30, () -> big.muli(1.0000001));
        time("tiny add", 30, () -> { INDArray q = Nd4j.ones(3); for (int i = 0; i < 100; i++) q.addi(1.0); });
        System.out.println("PROBE threads env=" + System.getenv("OMP_NUM_THREADS"));
        SyntheticDigits d = new SyntheticDigits(200, 100, 1);
        INDArray x = d.first(100).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        for (String est : new String[] {"st", "reinmax"}) {
            VaeModel m = VaeModel.build(VaeSetup.categorical(8, 16), EstimatorConfig.builder(est).temperature(1.0).build(), 11);
            VaeTrainer t = new VaeTrainer(m, OptimizerKind.RADAM.create(7e-4), 1, 500);
            Random rng = Nd4j.getRandomFactory().getNewRandomInstance(3);
            List<String> ps = List.copyOf(m.parameters().keySet());
            Map<String, INDArray> feed = m.feed(x, rng);
            time(est + " feed", 30, () -> m.feed(x, rng));
            time(est + " output(loss)", 30, () -> m.sameDiff().output(feed, VaeModel.LOSS));
            time(est + " calculateGradients", 30, () -> m.sameDiff().calculateGradients(feed, ps));
            time(est + " calculateGradientsAndOutputs", 30, () -> m.sameDiff().calculateGradientsAndOutputs(feed, List.of(VaeModel.LOSS), ps));
            Map<String, INDArray> g = m.sameDiff().calculateGradients(feed, ps);
            ParameterUpdaters up = new ParameterUpdaters(m.parameters(), OptimizerKind.RADAM.create(1e-9));
            int[] it = {100};
            time(est + " updaters", 30, () -> up.apply(g, it[0]++, 0));
            time(est + " full step", 30, () -> t.step(x, rng));
        }
    }
}
