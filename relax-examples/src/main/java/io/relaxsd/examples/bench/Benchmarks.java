package io.relaxsd.examples.bench;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.examples.util.Charts;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.util.ProgressBar;
import io.relaxsd.examples.vae.EstimatorDefaults;
import io.relaxsd.examples.vae.VaeSetup;
import io.relaxsd.samediff.RecordedGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/** What {@code ./relax bench} runs; the command class only parses options. */
public final class Benchmarks {
    private final boolean json;

    public Benchmarks(boolean json) {
        this.json = json;
    }

    /**
     * Fails with one line unless this build and machine can run {@code backend} (cpu or cuda); on
     * success with cuda, prints the GPU, driver and compute capability. Touches no ND4J class, so it
     * runs before a backend that cannot load would fail with ND4J's own stack trace.
     */
    public static void requireBackend(String backend) {
        if (backend.equals("cuda")) {
            CudaSupport.Verdict v = CudaSupport.decide(CudaSupport.cudaBackendOnClasspath(),
                    CudaSupport.queryNvidiaSmi());
            if (!v.ok()) {
                throw new IllegalStateException(v.message());
            }
            System.err.println("relax: " + v.message());
        } else if (!CudaSupport.cpuBackendOnClasspath()) {
            throw new IllegalStateException("this build has the CUDA backend only (built with -Pcuda): run with "
                    + "--backend cuda, or rebuild with 'mvn -DskipTests package'");
        }
    }

    /**
     * The VAE step benchmark on {@code setup}: one JSON object (or table row) per estimator, with
     * the estimators' defaults on that setup ({@link EstimatorDefaults#of(String, VaeSetup)}); RELAX
     * with the surrogate {@code surrogate} (its record names it).
     */
    public void runVae(List<String> names, EstimatorConfig.SurrogateKind surrogate, VaeSetup setup, int batch, int warmup,
                       int steps, int threads, Path chart) throws IOException {
        VaeBenchmark vae = new VaeBenchmark(setup, batch, warmup, steps);
        String header = String.format(Locale.ROOT, "VAE %s, batch %d, %d thread(s), step %.3f GFLOP; each estimator "
                + "timed step by step in turn with the softmax baseline and a GEMM probe;%n"
                + "split of the median step: the step's GEMMs, the updater and the estimator node each timed alone, "
                + "other = the rest (softmax, BCE, KL, sampling, copies, per-op overhead)%n", setup.label(), batch,
                threads, vae.stepFlops() / 1e9)
                + String.format(Locale.ROOT, "%-18s %9s %10s %9s %9s %9s %9s %8s %10s %8s %8s %8s %8s", "estimator",
                "steps/s", "samples/s", "med ms", "p90 ms", "roofline", "overhead", "GFLOP/s", "exec GFLOP", "gemm ms",
                "upd ms", "node ms", "other ms");
        eachEstimator(names, surrogate, setup, (long) warmup + steps, header,
                (config, progress) -> vae.record(config.name(), threads, vae.measure(config.name(), config, progress)),
                rec -> String.format(Locale.ROOT,
                        "%-18s %9.1f %10.0f %9.2f %9.2f %9.2f %9.2f %8.1f %10.3f %8.2f %8.2f %8s %8.2f",
                        rec.get("estimator"), rec.get("steps_per_sec"), rec.get("samples_per_sec"),
                        rec.get("ms_per_step_median"), rec.get("ms_per_step_p90"), rec.get("roofline_fraction"),
                        rec.get("overhead_vs_softmax"), rec.get("gemm_gflops"), rec.get("executed_gflop"),
                        rec.get("gemm_ms"), rec.get("updater_ms"), rec.get("node_ms") == null ? "-"
                                : String.format(Locale.ROOT, "%.2f", (Double) rec.get("node_ms")), rec.get("other_ms")),
                chart, String.format(Locale.ROOT, "VAE %s training throughput, batch %d, %d thread(s)", setup.label(),
                        batch, threads));
    }

    /**
     * Each estimator's VAE steps back to back ({@link VaeBenchmark#alone}): throughput as training
     * sees it, with the roofline against the step's own GEMMs timed alone in the same process.
     */
    public void runAlone(List<String> names, EstimatorConfig.SurrogateKind surrogate, VaeSetup setup, int batch,
                         int warmup, int steps, int threads) throws IOException {
        VaeBenchmark vae = new VaeBenchmark(setup, batch, warmup, steps);
        String header = String.format(Locale.ROOT, "VAE %s, batch %d, %d thread(s), step %.3f GFLOP; each estimator's "
                + "steps back to back (as training runs them), then the step's GEMMs alone; roofline = step FLOP rate "
                + "/ those GEMMs' rate%n", setup.label(), batch, threads, vae.stepFlops() / 1e9)
                + String.format(Locale.ROOT, "%-18s %9s %10s %9s %9s %9s %8s %8s %9s", "estimator", "steps/s",
                "samples/s", "med ms", "p90 ms", "roofline", "GFLOP/s", "gemm ms", "gemm/step");
        eachEstimator(names, surrogate, setup, (long) warmup + steps, header,
                (config, progress) -> vae.aloneRecord(config.name(), threads, vae.alone(config.name(), config, progress)),
                rec -> String.format(Locale.ROOT, "%-18s %9.1f %10.0f %9.2f %9.2f %9.2f %8.1f %8.2f %9.2f",
                        rec.get("estimator"), rec.get("steps_per_sec"), rec.get("samples_per_sec"),
                        rec.get("ms_per_step_median"), rec.get("ms_per_step_p90"), rec.get("roofline_fraction"),
                        rec.get("gemm_gflops"), rec.get("gemm_ms"), rec.get("gemm_fraction")), null, null);
    }

    /**
     * The VAE step of each estimator replayed op by op ({@link VaeBenchmark#profile}): the {@code top}
     * slowest ops and the time per op name, or with JSON one object per op.
     */
    public void runProfile(List<String> names, EstimatorConfig.SurrogateKind surrogate, VaeSetup setup, int batch,
                           int warmup, int rounds, int threads, int top) throws IOException {
        VaeBenchmark vae = new VaeBenchmark(setup, batch, warmup, rounds);
        String header = String.format(Locale.ROOT, "VAE %s, batch %d, %d thread(s): each op of the replayed training "
                + "step timed alone, median of %d replays after %d training steps (how: op = libnd4j, host = Java "
                + "loop, softmax_bp-from-output)", setup.label(), batch, threads, rounds, warmup);
        eachEstimator(names, surrogate, setup, (long) warmup + rounds, header, (config, progress) -> {
            List<RecordedGraph.OpTime> ops = vae.profile(config.name(), config, progress);
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("estimator", config.name());
            rec.put("ops", ops.size());
            rec.put("sum_of_op_medians_ms", ops.stream().mapToDouble(RecordedGraph.OpTime::medianMicros).sum() / 1e3);
            List<Map<String, Object>> times = new java.util.ArrayList<>();
            for (RecordedGraph.OpTime o : ops) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("index", o.index());
                m.put("op", o.op());
                m.put("shape", o.shape());
                m.put("how", o.how());
                m.put("median_us", o.medianMicros());
                times.add(m);
            }
            rec.put("op_times", times);
            return rec;
        }, rec -> profileTable(rec, top), null, null);
    }

    @SuppressWarnings("unchecked")
    private static String profileTable(Map<String, Object> rec, int top) {
        List<RecordedGraph.OpTime> ops = new java.util.ArrayList<>();
        for (Map<String, Object> m : (List<Map<String, Object>>) rec.get("op_times")) {
            ops.add(new RecordedGraph.OpTime((Integer) m.get("index"), (String) m.get("op"), (String) m.get("shape"),
                    (String) m.get("how"), (Double) m.get("median_us")));
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%n%s: %d ops, sum of op medians %.2f ms%n",
                rec.get("estimator"), ops.size(), (Double) rec.get("sum_of_op_medians_ms")));
        Map<String, double[]> byName = new LinkedHashMap<>();
        for (RecordedGraph.OpTime o : ops) {
            double[] a = byName.computeIfAbsent(o.op() + " (" + o.how() + ")", k -> new double[2]);
            a[0] += o.medianMicros();
            a[1]++;
        }
        b.append(String.format(Locale.ROOT, "  %-40s %6s %10s%n", "op (how)", "count", "total µs"));
        byName.entrySet().stream().sorted((p, q) -> Double.compare(q.getValue()[0], p.getValue()[0])).limit(top)
                .forEach(e -> b.append(String.format(Locale.ROOT, "  %-40s %6.0f %10.1f%n", e.getKey(),
                        e.getValue()[1], e.getValue()[0])));
        b.append(String.format(Locale.ROOT, "  slowest ops:%n  %5s %-24s %-18s %-8s %10s%n", "#", "op", "shape", "how",
                "µs"));
        ops.stream().sorted((p, q) -> Double.compare(q.medianMicros(), p.medianMicros())).limit(top)
                .forEach(o -> b.append(String.format(Locale.ROOT, "  %5d %-24s %-18s %-8s %10.1f%n", o.index(), o.op(),
                        o.shape(), o.how(), o.medianMicros())));
        return b.toString();
    }

    /**
     * The DL4J benchmark: for each estimator, the {@code ./relax dl4j-vae} network with its stochastic
     * layer against the same network with a plain sigmoid bottleneck, {@code fit()} steps interleaved;
     * one JSON object (or table row) per estimator. RELAX uses {@code surrogate}, which must be one a
     * layer can run (MLP or MLP_OF_RELAXED).
     */
    public void runDl4j(List<String> names, EstimatorConfig.SurrogateKind surrogate, String latent, int batch, int warmup,
                        int steps, int threads, Path chart) throws IOException {
        int[] cl = VaeSetup.parseLatent(latent);
        VaeSetup setup = VaeSetup.categorical(cl[0], cl[1]);
        Dl4jBenchmark bench = new Dl4jBenchmark(setup, batch, warmup, steps);
        String header = String.format(Locale.ROOT, "DL4J MultiLayerNetwork VAE %s, batch %d, %d thread(s), ND4J Adam, "
                + "fit() on one fixed batch; each stochastic layer timed step by step in turn with the same network "
                + "with a plain sigmoid bottleneck and a GEMM probe%n", setup.label(), batch, threads)
                + String.format(Locale.ROOT, "%-18s %9s %10s %9s %9s %9s %9s %9s", "estimator", "steps/s",
                "samples/s", "med ms", "p90 ms", "plain ms", "x plain", "roofline");
        eachEstimator(names, surrogate, setup, (long) warmup + steps, header,
                (config, progress) -> bench.record(config.name(), threads, bench.measure(config, progress)),
                rec -> String.format(Locale.ROOT, "%-18s %9.1f %10.0f %9.2f %9.2f %9.2f %9.2f %9.2f",
                        rec.get("estimator"), rec.get("steps_per_sec"), rec.get("samples_per_sec"),
                        rec.get("ms_per_step_median"), rec.get("ms_per_step_p90"), rec.get("plain_ms_per_step_median"),
                        rec.get("overhead_vs_plain"), rec.get("roofline_fraction")),
                chart, String.format(Locale.ROOT, "DL4J VAE %s training throughput, batch %d, %d thread(s)",
                        setup.label(), batch, threads));
    }

    /**
     * Measures each estimator (its default temperature; RELAX with {@code surrogate}, named in its
     * record; the defaults on {@code setup}) with {@code measure}, printing a JSON line or a table row ({@code row}) per estimator
     * under {@code header}, then the samples/s chart.
     */
    private void eachEstimator(List<String> names, EstimatorConfig.SurrogateKind surrogate, VaeSetup setup,
                               long stepsPerEstimator,
                               String header, BiFunction<EstimatorConfig, IntConsumer, Map<String, Object>> measure,
                               Function<Map<String, Object>, String> row, Path chart, String chartTitle)
            throws IOException {
        Map<String, Double> samplesPerSec = new LinkedHashMap<>();
        try (ProgressBar bar = ProgressBar.create("bench", names.size() * stepsPerEstimator, json)) {
            if (!json) {
                System.out.println(header);
            }
            for (String name : names) {
                bar.status(name);
                EstimatorConfig.Builder b = EstimatorConfig.builder(name)
                        .temperature(EstimatorDefaults.of(name, setup).temperature());
                if (!Double.isNaN(EstimatorDefaults.eta(name, setup))) {
                    b.eta(EstimatorDefaults.eta(name, setup));
                }
                boolean relax = name.equals("relax");
                if (relax) {
                    b.surrogate(surrogate);
                }
                Map<String, Object> rec = measure.apply(b.build(), bar::step);
                if (relax) {
                    rec.put("surrogate", surrogate.id());
                }
                samplesPerSec.put(name, (Double) rec.get("samples_per_sec"));
                System.out.println(json ? Json.line(rec) : row.apply(rec));
                System.out.flush();
            }
        }
        if (chart != null) {
            Charts.bars(chart, chartTitle, "samples/s", samplesPerSec);
        }
    }

    /** The JMH microbenchmarks of the estimator nodes (pathwise ones), one fork. */
    public void runJmh(List<String> requested) {
        List<String> names = requested.stream().filter(n -> !Estimators.isScoreFunction(n)).toList();
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the JMH node benchmarks cover pathwise estimators only");
        }
        Options opts = new OptionsBuilder().include(EstimatorOpBenchmark.class.getSimpleName())
                .param("estimator", names.toArray(new String[0]))
                .verbosity(json ? VerboseMode.SILENT : VerboseMode.NORMAL).build();
        try {
            for (RunResult r : new Runner(opts).run()) {
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("estimator", r.getParams().getParam("estimator"));
                    m.put("us_per_op", r.getPrimaryResult().getScore());
                    m.put("us_per_op_error", r.getPrimaryResult().getScoreError());
                    System.out.println(Json.line(m));
                }
            }
        } catch (RunnerException e) {
            throw new IllegalStateException("JMH failed: " + e.getMessage(), e);
        }
    }
}
