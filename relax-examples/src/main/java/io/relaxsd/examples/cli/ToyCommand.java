package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.examples.bench.CudaSupport;
import io.relaxsd.examples.toy.ToyProblem;
import io.relaxsd.examples.util.AtomicFiles;
import io.relaxsd.examples.util.Charts;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.util.ProgressBar;
import io.relaxsd.examples.util.Provenance;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code relax toy}: the one-Bernoulli toy problem of REBAR/RELAX, E[(b − t)²] minimised over the
 * logit, for one or several estimators; JSON per estimator and optionally a PNG of the exact loss
 * and the log-variance vs step.
 */
@Command(name = "toy", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Minimise E[(b - t)^2], b ~ Bernoulli(sigmoid(theta)), theta starting at 0, batch 1, Adam "
                + "for theta and for the control-variate parameters (the REBAR/RELAX toy).",
        footer = {"", "Examples:",
            "  ./relax toy --estimator relax --target 0.499 --steps 5000",
            "  ./relax toy --estimator reinforce,rebar,relax,st --out runs/toy --json"})
final class ToyCommand implements Callable<Integer> {

    @Option(names = "--estimator", split = ",", required = true, paramLabel = "NAME",
            description = "Estimator(s): reinforce, rebar, relax or any pathwise estimator; repeat or comma-separate.")
    List<String> estimators;

    @Option(names = "--target", defaultValue = "0.499", description = "t in (b - t)^2 (default ${DEFAULT-VALUE}).")
    double target;

    @Option(names = "--steps", defaultValue = "5000", description = "Training steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "0.01", description = "Adam learning rate of theta (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--phi-lr-multiplier", defaultValue = "0.1",
            description = "phi's Adam learning rate / theta's (default ${DEFAULT-VALUE}; the paper's toy uses 1, whose "
                    + "noisy phi steps keep Var(g) too high for p to fall below 0.05 within 5000 steps).")
    double phiLrMultiplier;

    @Option(names = "--pretrain-steps", defaultValue = "1000",
            description = "Steps that train phi alone, theta fixed at 0, before theta moves (rebar, relax; default "
                    + "${DEFAULT-VALUE}). They keep the first, REINFORCE-sized gradients out of theta's Adam.")
    int pretrainSteps;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--variance-every", defaultValue = "10",
            description = "Measure log Var(g) from 1000 samples every N steps (default ${DEFAULT-VALUE}).")
    int varianceEvery;

    @Option(names = "--baseline", defaultValue = "none",
            description = "REINFORCE baseline: none, running-mean, leave-one-out (default ${DEFAULT-VALUE}).")
    String baseline;

    @Option(names = "--score-samples", defaultValue = "2",
            description = "Samples S per step for the leave-one-out baseline (default ${DEFAULT-VALUE}).")
    int scoreSamples;

    @Option(names = "--surrogate", defaultValue = "mlp-of-relaxed",
            description = "RELAX surrogate: mlp-of-relaxed (1-10 tanh-1 on sigma(z/lambda), the paper toy code), mlp "
                    + "(on z) or relaxed-loss-plus-mlp "
                    + "(default ${DEFAULT-VALUE}).")
    String surrogate;

    @Option(names = "--out", paramLabel = "DIR", description = "Write toy.json and toy.png (loss and log-variance).")
    Path out;

    @Option(names = "--json", description = "One JSON object per estimator on stdout.")
    boolean json;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        CudaSupport.requireLoadableBackend();
        ToyProblem.Settings settings = new ToyProblem.Settings(target, steps, lr, phiLrMultiplier, seed, varianceEvery,
                1000);
        List<EstimatorConfig> configs = new ArrayList<>();
        for (String name : estimators) {
            configs.add(config(name.strip()));
        }
        List<ToyProblem.Result> results = new ArrayList<>();
        for (EstimatorConfig cfg : configs) {
            ToyProblem.Result r;
            try (ProgressBar bar = ProgressBar.create("toy " + cfg.name(), (long) steps + cfg.pretrainSteps(), quiet || json)) {
                r = ToyProblem.run(cfg, settings, done -> bar.step(1));
            }
            results.add(r);
            Map<String, Object> m = summary(r);
            if (json) {
                System.out.println(Json.line(m));
            } else {
                System.out.printf(Locale.ROOT, "%-12s t=%.3f steps=%d  p_final=%.4f  exact_loss_final=%.6f  "
                                + "loss_final=%.4f  mean log Var=%.3f%n", r.estimator(), r.target(), r.steps(),
                        r.pFinal(), r.exactLossFinal(), r.lossFinal(), r.logVarianceMean());
            }
        }
        if (out != null) {
            write(results, configs);
        }
        return 0;
    }

    private EstimatorConfig config(String name) {
        if (!Estimators.names().contains(name)) {
            throw new IllegalArgumentException("--estimator: unknown name '" + name + "'; known: "
                    + String.join(", ", Estimators.names()));
        }
        EstimatorConfig.Builder b = EstimatorConfig.builder(name);
        if (name.equals("reinforce")) {
            EstimatorConfig.Baseline kind = EstimatorConfig.Baseline.parse(baseline);
            b.baseline(kind).scoreSamples(kind == EstimatorConfig.Baseline.LEAVE_ONE_OUT ? scoreSamples : 1);
        }
        if (name.equals("relax") || name.equals("rebar")) {
            // the toy code's start: log λ = 0.5 (and η = 1 for REBAR)
            b.temperature(Math.exp(0.5)).eta(1.0);
        }
        if (name.equals("relax")) {
            b.surrogate(EstimatorConfig.SurrogateKind.parse(surrogate)).surrogateWidths(10)
                    .surrogateActivation(EstimatorConfig.Activation.TANH);
        }
        if (name.equals("relax") || name.equals("rebar")) {
            b.pretrainSteps(pretrainSteps);
        }
        return b.phiLrMultiplier(phiLrMultiplier).build();
    }

    private static Map<String, Object> summary(ToyProblem.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimator", r.estimator());
        m.put("target", r.target());
        m.put("steps", r.steps());
        m.put("p_final", r.pFinal());
        m.put("loss_final", r.lossFinal());
        m.put("log_variance_mean", r.logVarianceMean());
        m.put("exact_loss_final", r.exactLossFinal());
        return m;
    }

    private void write(List<ToyProblem.Result> results, List<EstimatorConfig> configs) throws IOException {
        Files.createDirectories(out);
        List<Charts.Series> loss = new ArrayList<>();
        List<Charts.Series> logVar = new ArrayList<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ToyProblem.Result r = results.get(i);
            loss.add(new Charts.Series(r.estimator(), r.curveSteps(), r.exactLoss()));
            logVar.add(new Charts.Series(r.estimator(), r.curveSteps(), r.logVariance()));
            Map<String, Object> m = summary(r);
            m.put("config", configs.get(i).toMap());
            m.put("curve", Map.of("step", r.curveSteps(), "exact_loss", r.exactLoss(), "log_variance", r.logVariance()));
            runs.add(m);
        }
        String title = String.format(Locale.ROOT, "toy, t = %s", target);
        Path lossPng = Files.createTempFile("toy-loss", ".png");
        Path varPng = Files.createTempFile("toy-var", ".png");
        try {
            Charts.line(lossPng, title + ": exact E[(b - t)^2]", "step", "expected loss", false, loss);
            Charts.line(varPng, title + ": log Var(gradient estimate), 1000 samples", "step", "log variance", false,
                    logVar);
            BufferedImage a = ImageIO.read(lossPng.toFile());
            BufferedImage b = ImageIO.read(varPng.toFile());
            BufferedImage both = new BufferedImage(Math.max(a.getWidth(), b.getWidth()), a.getHeight() + b.getHeight(),
                    BufferedImage.TYPE_INT_RGB);
            Graphics2D g = both.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, both.getWidth(), both.getHeight());
            g.drawImage(a, 0, 0, null);
            g.drawImage(b, 0, a.getHeight(), null);
            g.dispose();
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(both, "png", png);
            AtomicFiles.write(out.resolve("toy.png"), png.toByteArray());
        } finally {
            Files.deleteIfExists(lossPng);
            Files.deleteIfExists(varPng);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provenance", Provenance.collect(List.of("relax", "toy"), Map.of("seed", seed, "lr", lr,
                "phi_lr_multiplier", phiLrMultiplier, "pretrain_steps", pretrainSteps, "variance_every", varianceEvery)));
        doc.put("runs", runs);
        AtomicFiles.writeString(out.resolve("toy.json"), Json.pretty(doc));
    }
}
