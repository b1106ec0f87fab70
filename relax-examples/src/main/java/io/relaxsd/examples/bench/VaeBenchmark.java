package io.relaxsd.examples.bench;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.vae.EstimatorDefaults;
import io.relaxsd.examples.vae.VaeModel;
import io.relaxsd.examples.vae.VaeSetup;
import io.relaxsd.examples.vae.VaeTrainer;
import io.relaxsd.samediff.RecordedGraph;
import io.relaxsd.samediff.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
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
        INDArray grey = Nd4j.rand(Seeds.generator(1), batch, VaeSetup.PIXELS).castTo(DataType.FLOAT);
        this.x = setup.binary() ? grey.gt(0.5).castTo(DataType.FLOAT) : grey;
    }

    /**
     * What one estimator's measurement needs: its step times, the softmax baseline's and the GEMM
     * rate, taken step by step in turn ({@link Interleaved}).
     */
    record Measurement(StepTimes estimator, StepTimes baseline, double gemmFlops, double executedFlops,
                       Split split) {
    }

    /**
     * Where a step's time goes, each part timed alone in the same rounds (median ms): the step's
     * GEMMs ({@link GemmRate.Probe#step}), the updater over all parameters, the estimator node's
     * forward and backward (replayed on its own; NaN for score-function estimators, whose node
     * evaluates the decoder, and for {@code binary-linear-2}), and the rest of the median step.
     */
    record Split(double gemmMs, double updaterMs, double nodeMs, double otherMs) {
    }

    /**
     * Measures the VAE with this estimator (its learning rate, temperature and optimiser on the setup,
     * {@link EstimatorDefaults#of(String, VaeSetup)}).
     */
    Measurement measure(String name, EstimatorConfig config, IntConsumer progress) {
        EstimatorDefaults d = EstimatorDefaults.of(name, setup);
        VaeModel model = VaeModel.build(setup, config, 0);
        VaeTrainer trainer = new VaeTrainer(model, d.optimizer().create(d.learningRate()), 0, batch);
        EstimatorDefaults st = EstimatorDefaults.of("st", setup);
        VaeTrainer baseline = new VaeTrainer(VaeModel.softmaxBaseline(setup, 0),
                st.optimizer().create(st.learningRate()), 0, batch);
        GemmRate.Probe gemm = new GemmRate.Probe(batch, encoderWidths());
        GemmRate.Probe stepGemms = GemmRate.Probe.step(batch, encoderWidths(), decoderWidths());
        StepParts.Updater update = new StepParts.Updater(model.parameters(), d.optimizer().create(d.learningRate()));
        StepParts.Node node = model.scoreFunction() || setup.twoLayer() ? null : new StepParts.Node(setup, config, batch);
        List<DoubleSupplier> parts = new ArrayList<>();
        parts.add(() -> stepGemms.seconds() * 1000);
        parts.add(update::millis);
        parts.add(node == null ? () -> Double.NaN : node::millis);
        Random rng = Seeds.generator(7);
        Random baselineRng = Seeds.generator(7);
        Interleaved.Times t = Interleaved.time(warmup, steps, () -> trainer.step(x, rng),
                () -> baseline.step(x, baselineRng), gemm, progress, parts);
        double[] p = t.partMs();
        double other = t.first().median() - p[0] - p[1] - (Double.isNaN(p[2]) ? 0 : p[2]);
        return new Measurement(t.first(), t.second(), t.gemmFlops(), trainer.recordedMatmulFlops(),
                new Split(p[0], p[1], p[2], other));
    }

    /**
     * The estimator's training steps back to back, as {@code ./relax vae} runs them and as
     * {@code docs/reference/pytorch_vae.py time} times PyTorch's: {@code warmup} untimed steps, then
     * {@code steps} timed ones, then the step's own GEMMs ({@link GemmRate.Probe#step}) timed alone
     * {@code steps} times in a row. Returns the step times, the GEMMs' median wall time and their FLOP.
     */
    Alone alone(String name, EstimatorConfig config, IntConsumer progress) {
        Random rng = Seeds.generator(7);
        VaeTrainer trainer = warmedUp(name, config, rng, progress);
        double[] ms = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            trainer.step(x, rng);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            progress.accept(1);
        }
        GemmRate.Probe gemms = GemmRate.Probe.step(batch, encoderWidths(), decoderWidths());
        double[] gemmMs = new double[steps];
        for (int i = 0; i < steps; i++) {
            gemmMs[i] = gemms.seconds() * 1000;
        }
        return new Alone(StepTimes.of(ms), StepTimes.of(gemmMs).median(), gemms.flops(), trainer.recordedMatmulFlops());
    }

    /** {@link #alone}'s measurement: step times, the step's GEMMs timed alone (median ms) and their FLOP. */
    record Alone(StepTimes steps, double gemmMs, double gemmFlop, double executedFlop) {
    }

    /** The JSON record of {@link #alone}: the bench's keys, the roofline against the step's own GEMM rate. */
    Map<String, Object> aloneRecord(String estimator, int threads, Alone a) {
        double gemmRate = a.gemmFlop() / (a.gemmMs() / 1000.0);
        Map<String, Object> m = a.steps().record(estimator, setup, batch, threads, steps, stepFlops(), gemmRate);
        m.put("mode", "alone");
        m.put("gemm_gflops", gemmRate / 1e9);
        m.put("step_gflop", stepFlops() / 1e9);
        m.put("executed_gflop", a.executedFlop() / 1e9);
        m.put("gemm_ms", a.gemmMs());
        m.put("gemm_fraction", a.gemmMs() / a.steps().median());
        return m;
    }

    /**
     * The estimator's replayed step op by op: {@code warmup} training steps, then {@code rounds}
     * replays of the step with every op timed alone ({@link VaeTrainer#profile}).
     */
    List<RecordedGraph.OpTime> profile(String name, EstimatorConfig config, IntConsumer progress) {
        Random rng = Seeds.generator(7);
        VaeTrainer trainer = warmedUp(name, config, rng, progress);
        List<RecordedGraph.OpTime> ops = trainer.profile(x, rng, steps);
        progress.accept(steps);
        return ops;
    }

    /** A trainer of the estimator (its defaults on the setup) after {@code warmup} steps on the fixed batch. */
    private VaeTrainer warmedUp(String name, EstimatorConfig config, Random rng, IntConsumer progress) {
        EstimatorDefaults d = EstimatorDefaults.of(name, setup);
        VaeTrainer trainer = new VaeTrainer(VaeModel.build(setup, config, 0), d.optimizer().create(d.learningRate()),
                0, batch);
        for (int i = 0; i < warmup; i++) {
            trainer.step(x, rng);
            progress.accept(1);
        }
        return trainer;
    }

    /**
     * FLOPs of one step: the GEMMs of the encoder and decoder, forward and backward (and of
     * {@code binary-linear-2}'s n → n maps between its layers).
     */
    double stepFlops() {
        double flops = GemmRate.stepFlops(batch, encoderWidths(), decoderWidths());
        if (setup.twoLayer()) {
            int[] top = {setup.variables(), setup.variables()};
            flops += GemmRate.stepFlops(batch, top, top);
        }
        return flops;
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
    Map<String, Object> record(String estimator, int threads, Measurement measured) {
        StepTimes t = measured.estimator();
        StepTimes baseline = measured.baseline();
        double gemmFlops = measured.gemmFlops();
        Map<String, Object> m = t.record(estimator, setup, batch, threads, steps, stepFlops(), gemmFlops);
        m.put("overhead_vs_softmax", t.median() / baseline.median());
        m.put("softmax_ms_per_step_median", baseline.median());
        m.put("gemm_gflops", gemmFlops / 1e9);
        m.put("step_gflop", stepFlops() / 1e9);
        m.put("executed_gflop", measured.executedFlops() / 1e9);
        m.put("executed_roofline_fraction", measured.executedFlops() / (t.median() / 1000.0) / gemmFlops);
        Split split = measured.split();
        m.put("gemm_ms", split.gemmMs());
        m.put("updater_ms", split.updaterMs());
        // JSON has no NaN: no node of its own (score-function estimators, binary-linear-2) is null
        m.put("node_ms", Double.isNaN(split.nodeMs()) ? null : split.nodeMs());
        m.put("other_ms", split.otherMs());
        return m;
    }
}
