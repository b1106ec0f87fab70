package io.relaxsd.examples.bench;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.vae.EstimatorDefaults;
import io.relaxsd.examples.vae.VaeModel;
import io.relaxsd.examples.vae.VaeSetup;
import io.relaxsd.examples.vae.VaeTrainer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times training steps of the MNIST VAE of {@code ./relax vae} (same graph, same trainer) on a
 * fixed synthetic batch of grey images: throughput does not depend on pixel values, and a fixed
 * batch keeps data loading off the measurement.
 */
final class VaeBenchmark {
    private final VaeSetup setup;
    private final int batch;
    private final int warmup;
    private final int steps;
    private final INDArray x;

    VaeBenchmark(VaeSetup setup, int batch, int warmup, int steps) {
        this.setup = setup;
        this.batch = batch;
        this.warmup = warmup;
        this.steps = steps;
        this.x = Nd4j.rand(Nd4j.getRandomFactory().getNewRandomInstance(1), batch, VaeSetup.PIXELS)
                .castTo(DataType.FLOAT);
    }

    /** Step times of the VAE with this estimator (its tuned learning rate, temperature and optimiser). */
    StepTimes estimator(String name, EstimatorConfig config, IntConsumer progress) {
        EstimatorDefaults d = EstimatorDefaults.of(name);
        VaeModel model = VaeModel.build(setup, config, 0);
        return time(new VaeTrainer(model, d.optimizer().create(d.learningRate()), 0, batch), progress);
    }

    /** Step times of the same network with a softmax bottleneck and no sampling. */
    StepTimes softmaxBaseline(IntConsumer progress) {
        VaeModel model = VaeModel.softmaxBaseline(setup, 0);
        EstimatorDefaults d = EstimatorDefaults.of("st");
        return time(new VaeTrainer(model, d.optimizer().create(d.learningRate()), 0, batch), progress);
    }

    private StepTimes time(VaeTrainer trainer, IntConsumer progress) {
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(7);
        for (int i = 0; i < warmup; i++) {
            trainer.step(x, rng);
            progress.accept(1);
        }
        double[] ms = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            trainer.step(x, rng);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            progress.accept(1);
        }
        return StepTimes.of(ms);
    }

    /** FLOPs of one step: the GEMMs of the encoder and decoder, forward and backward. */
    double stepFlops() {
        return GemmRate.stepFlops(batch, encoderWidths(), decoderWidths());
    }

    int[] encoderWidths() {
        int[] h = setup.hidden();
        int[] w = new int[h.length + 2];
        w[0] = VaeSetup.PIXELS;
        System.arraycopy(h, 0, w, 1, h.length);
        w[h.length + 1] = setup.latentWidth();
        return w;
    }

    int[] decoderWidths() {
        int[] e = encoderWidths();
        int[] d = new int[e.length];
        for (int i = 0; i < e.length; i++) {
            d[i] = e[e.length - 1 - i];
        }
        return d;
    }

    /** The JSON record of one estimator's measurement. */
    Map<String, Object> record(String estimator, int threads, StepTimes t, double gemmFlops, StepTimes baseline) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimator", estimator);
        m.put("latent", setup.binary() ? setup.id() : setup.categories() + "x" + setup.variables());
        m.put("batch", batch);
        m.put("threads", threads);
        m.put("steps", steps);
        m.put("steps_per_sec", 1000.0 / t.mean());
        m.put("samples_per_sec", 1000.0 * batch / t.mean());
        m.put("ms_per_step_median", t.median());
        m.put("ms_per_step_p90", t.p90());
        m.put("roofline_fraction", stepFlops() / (t.median() / 1000.0) / gemmFlops);
        m.put("overhead_vs_softmax", t.median() / baseline.median());
        m.put("gemm_gflops", gemmFlops / 1e9);
        m.put("step_gflop", stepFlops() / 1e9);
        return m;
    }
}
