package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.examples.poly.PolyProblem;
import io.relaxsd.examples.util.AtomicFiles;
import io.relaxsd.examples.util.Charts;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.util.ProgressBar;
import io.relaxsd.examples.util.Provenance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code relax poly}: the polynomial-programming benchmark of the ReinMax paper (§6.1), one or
 * several estimators over a list of seeds; the last epoch's average training loss (the paper's
 * number) and the exact expected loss at the final θ, mean ± standard error over the seeds.
 */
@Command(name = "poly", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Polynomial programming (ReinMax paper, Sec. 6.1) per estimator, over seeds.",
        description = {
            "Polynomial programming (ReinMax paper, Sec. 6.1): minimise "
                + "E[sum_i |z_i - 0.45|^p] / n over n binary latents z_i, each a 2-class "
                + "categorical with its own 2 logits (theta [n, 2], z_i = 1 for class 0, as "
                + "in the official poly/ code). Each step draws --batch samples of all "
                + "latents, averages the loss over them and takes one Adam step; theta "
                + "starts uniform in +-0.01. Reports per estimator the mean +- s.e. over the "
                + "seeds of the last epoch's average training loss (the official script's "
                + "number) and of the exact expected loss at the final theta; the optimum "
                + "is 0.45^p.",
            ""},
        footer = {"", "Examples:",
            "  ./relax poly --estimator st,reinmax --pnorm 2 --seeds 0-9",
            "  ./relax poly --estimator reinforce --pnorm 1.5 --seeds 0,1,2 --epochs 5 --out runs/poly --json"})
final class PolyCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--estimator", split = ",", required = true, paramLabel = "NAME",
            description = "Estimator(s): any of './relax estimators'; repeat or comma-separate.")
    List<String> estimators;

    @Option(names = "--pnorm", defaultValue = "2", paramLabel = "P",
            description = "Exponent p of |z - 0.45|^p, finite and > 0 (default ${DEFAULT-VALUE}; the paper: 1.5, 2, 3).")
    double pnorm;

    @Option(names = "--seeds", defaultValue = "0", paramLabel = "LIST",
            description = "Seeds: N, N,M,... or A-B (default ${DEFAULT-VALUE}; the paper: 0-9).")
    String seeds;

    @Option(names = "--epochs", defaultValue = "40", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--steps-per-epoch", defaultValue = "200", description = "Steps per epoch (default ${DEFAULT-VALUE}).")
    int stepsPerEpoch;

    @Option(names = "--batch", defaultValue = "64", description = "Samples per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--latents", defaultValue = "128", description = "Number n of binary latents (default ${DEFAULT-VALUE}).")
    int latents;

    /** Poly's τ for every estimator unless --temperature says otherwise (the paper's benchmark). */
    static final double TEMPERATURE = 1.0;

    @Mixin
    EstimatorOptions estimatorOptions;

    @Option(names = "--threads", defaultValue = "1", description = "CPU threads for ND4J (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--out", paramLabel = "DIR", description = "Write poly.csv (per epoch), poly.json (summary, "
            + "provenance) and poly.png (mean training loss per epoch) here.")
    Path out;

    @Option(names = "--json", description = "One JSON object per estimator on stdout.")
    boolean json;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    /** Mean and standard error (s / √m; 0 for one value) of some numbers. */
    record MeanSe(double mean, double se) {
        static MeanSe of(double[] v) {
            double mean = 0;
            for (double x : v) {
                mean += x;
            }
            mean /= v.length;
            if (v.length < 2) {
                return new MeanSe(mean, 0);
            }
            double ss = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
            }
            return new MeanSe(mean, Math.sqrt(ss / (v.length - 1) / v.length));
        }
    }

    /** One estimator's runs over the seeds. */
    private record Group(EstimatorConfig config, List<PolyProblem.Result> runs) {
        MeanSe train() {
            return MeanSe.of(runs.stream().mapToDouble(PolyProblem.Result::finalTrainLoss).toArray());
        }

        MeanSe exact() {
            return MeanSe.of(runs.stream().mapToDouble(PolyProblem.Result::finalExactLoss).toArray());
        }

        double seconds() {
            return runs.stream().mapToDouble(PolyProblem.Result::seconds).average().orElse(Double.NaN);
        }
    }

    @Override
    public Integer call() throws IOException {
        PolyProblem.Settings settings;
        List<Long> seedList;
        List<EstimatorConfig> configs = new ArrayList<>();
        try {
            if (!(pnorm > 0) || Double.isInfinite(pnorm)) {
                throw new IllegalArgumentException("--pnorm must be finite and > 0, got " + pnorm);
            }
            settings = new PolyProblem.Settings(latents, pnorm, batch, epochs, stepsPerEpoch, lr, 0.01);
            seedList = SeedList.parse("--seeds", seeds);
            for (String raw : estimators) {
                configs.add(estimatorOptions.config(raw, estimators, TEMPERATURE));
            }
            Threads.apply(threads);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter stdout = spec.commandLine().getOut();
        double optimum = PolyProblem.optimum(pnorm);
        List<Group> groups = new ArrayList<>();
        try {
            for (EstimatorConfig cfg : configs) {
                List<PolyProblem.Result> runs = new ArrayList<>();
                for (long seed : seedList) {
                    String label = String.format(Locale.ROOT, "poly p=%s %s seed %d", fmt(pnorm), cfg.name(), seed);
                    try (ProgressBar bar = ProgressBar.create(label, settings.totalSteps(), quiet || json)) {
                        runs.add(PolyProblem.run(cfg, settings, seed, done -> bar.step(1)));
                    }
                }
                Group g = new Group(cfg, runs);
                groups.add(g);
                if (json) {
                    stdout.println(Json.line(summary(g, optimum)));
                } else {
                    stdout.printf(Locale.ROOT, "%-18s p=%s  final train loss %.5f +- %.5f  exact %.5f +- %.5f  "
                                    + "optimum %.5f  (%d seeds, %.1f s/run)%n", cfg.name(), fmt(pnorm), g.train().mean(),
                            g.train().se(), g.exact().mean(), g.exact().se(), optimum, runs.size(), g.seconds());
                }
                stdout.flush();
            }
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("relax: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
        if (out != null) {
            write(groups, settings, seedList, optimum);
        }
        return 0;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private Map<String, Object> summary(Group g, double optimum) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimator", g.config().name());
        m.put("pnorm", pnorm);
        m.put("seeds", g.runs().size());
        m.put("final_train_loss_mean", g.train().mean());
        m.put("final_train_loss_se", g.train().se());
        m.put("final_exact_loss_mean", g.exact().mean());
        m.put("final_exact_loss_se", g.exact().se());
        m.put("optimum", optimum);
        m.put("seconds_per_run", g.seconds());
        m.put("replayed", g.runs().stream().allMatch(PolyProblem.Result::replayed));
        return m;
    }

    private void write(List<Group> groups, PolyProblem.Settings s, List<Long> seedList, double optimum)
            throws IOException {
        StringBuilder csv = new StringBuilder("estimator,seed,epoch,train_loss,exact_loss\n");
        List<Charts.Series> curves = new ArrayList<>();
        List<Map<String, Object>> summaries = new ArrayList<>();
        double[] epochAxis = new double[s.epochs()];
        for (int e = 0; e < s.epochs(); e++) {
            epochAxis[e] = e + 1;
        }
        for (Group g : groups) {
            double[] mean = new double[s.epochs()];
            List<Map<String, Object>> runs = new ArrayList<>();
            for (PolyProblem.Result r : g.runs()) {
                for (int e = 0; e < s.epochs(); e++) {
                    csv.append(String.format(Locale.ROOT, "%s,%d,%d,%.10g,%.10g%n", r.estimator(), r.seed(), e + 1,
                            r.trainLoss()[e], r.exactLoss()[e]));
                    mean[e] += r.trainLoss()[e] / g.runs().size();
                }
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("seed", r.seed());
                run.put("final_train_loss", r.finalTrainLoss());
                run.put("final_exact_loss", r.finalExactLoss());
                run.put("seconds", r.seconds());
                run.put("replayed", r.replayed());
                runs.add(run);
            }
            curves.add(new Charts.Series(g.config().name(), epochAxis, mean));
            Map<String, Object> m = summary(g, optimum);
            m.put("config", g.config().toMap());
            m.put("runs", runs);
            summaries.add(m);
        }
        double[] opt = new double[s.epochs()];
        java.util.Arrays.fill(opt, optimum);
        curves.add(new Charts.Series("optimum 0.45^p", epochAxis, opt));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("pnorm", s.pnorm());
        settings.put("latents", s.latents());
        settings.put("batch", s.batch());
        settings.put("epochs", s.epochs());
        settings.put("steps_per_epoch", s.stepsPerEpoch());
        settings.put("lr", s.learningRate());
        settings.put("init_scale", s.initScale());
        settings.put("temperature", estimatorOptions.temperature != null ? estimatorOptions.temperature : TEMPERATURE);
        settings.put("seeds", seedList);
        settings.put("target", PolyProblem.TARGET);
        List<String> cmd = new ArrayList<>(List.of("relax", "poly"));
        cmd.addAll(spec.commandLine().getParseResult().originalArgs());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provenance", Provenance.collect(cmd, Map.of("settings", settings)));
        doc.put("optimum", optimum);
        doc.put("estimators", summaries);
        // the chart first: if it fails, no CSV or JSON claims a finished run
        Charts.line(out.resolve("poly.png"), String.format(Locale.ROOT,
                "polynomial programming, p = %s: average training loss per epoch, mean over %d seeds", fmt(s.pnorm()),
                seedList.size()), "epoch", "average training loss", false, curves);
        AtomicFiles.writeString(out.resolve("poly.csv"), csv.toString());
        AtomicFiles.writeString(out.resolve("poly.json"), Json.pretty(doc));
    }
}
