package io.relaxsd.examples.bench;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.vae.Dl4jVaeRun;
import io.relaxsd.examples.vae.VaeSetup;
import io.relaxsd.samediff.Seeds;
import java.util.Map;
import java.util.function.IntConsumer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Times {@code fit()} steps of the VAE of {@code ./relax dl4j-vae} as a DL4J
 * {@link MultiLayerNetwork} ({@link Dl4jVaeRun#configuration}) against the same network with a plain
 * sigmoid bottleneck ({@link Dl4jVaeRun#plainConfiguration}), both with ND4J's {@link Adam}, on one
 * fixed synthetic batch (targets = inputs). The two networks and the GEMM probe run step by step in
 * turn, so that a machine whose speed drifts affects them alike and the ratio is what the stochastic
 * layer costs.
 */
final class Dl4jBenchmark {
    /** Adam's learning rate (speed does not depend on it). */
    static final double LEARNING_RATE = 1e-3;

    private final VaeSetup setup;
    private final VaeBenchmark shapes;
    private final int batch;
    private final int warmup;
    private final int steps;
    private final DataSet data;

    Dl4jBenchmark(VaeSetup setup, int batch, int warmup, int steps) {
        this.setup = setup;
        this.shapes = new VaeBenchmark(setup, batch, warmup, steps);
        this.batch = batch;
        this.warmup = warmup;
        this.steps = steps;
        INDArray x = Nd4j.rand(Seeds.generator(1), batch, VaeSetup.PIXELS).castTo(DataType.FLOAT);
        this.data = new DataSet(x, x);
    }

    /** Step times of the stochastic-layer network and of the plain one, and the GEMM rate (FLOP/s). */
    record Measurement(StepTimes layer, StepTimes plain, double gemmFlops) {
    }

    /** Measures the network whose bottleneck is the stochastic layer of {@code config}. */
    Measurement measure(EstimatorConfig config, IntConsumer progress) {
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jVaeRun.configuration(setup, config,
                new Adam(LEARNING_RATE), 0, null));
        net.init();
        MultiLayerNetwork plain = new MultiLayerNetwork(Dl4jVaeRun.plainConfiguration(setup,
                new Adam(LEARNING_RATE), 0));
        plain.init();
        GemmRate.Probe gemm = new GemmRate.Probe(batch, shapes.encoderWidths());
        Interleaved.Times t = Interleaved.time(warmup, steps, () -> net.fit(data), () -> plain.fit(data), gemm,
                progress);
        if (!Double.isFinite(net.score()) || !Double.isFinite(plain.score())) {
            throw new IllegalStateException("estimator '" + config.name() + "': the network's score is not finite ("
                    + net.score() + ", plain " + plain.score() + ")");
        }
        return new Measurement(t.first(), t.second(), t.gemmFlops());
    }

    /**
     * The JSON record of one estimator's measurement: the keys of {@code ./relax bench} where they
     * apply, with the plain network in place of the softmax baseline ({@code overhead_vs_plain},
     * {@code plain_ms_per_step_median}).
     */
    Map<String, Object> record(String estimator, int threads, Measurement measured) {
        StepTimes t = measured.layer();
        double stepFlops = shapes.stepFlops();
        Map<String, Object> m = t.record(estimator, setup, batch, threads, steps, stepFlops, measured.gemmFlops());
        m.put("network", "dl4j");
        m.put("overhead_vs_plain", t.median() / measured.plain().median());
        m.put("plain_ms_per_step_median", measured.plain().median());
        m.put("gemm_gflops", measured.gemmFlops() / 1e9);
        m.put("step_gflop", stepFlops / 1e9);
        return m;
    }
}
