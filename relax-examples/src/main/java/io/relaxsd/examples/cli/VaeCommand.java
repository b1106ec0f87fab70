package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.util.ProgressBar;
import io.relaxsd.examples.vae.CheckpointPolicy;
import io.relaxsd.examples.vae.EpochMetrics;
import io.relaxsd.examples.vae.EstimatorDefaults;
import io.relaxsd.examples.vae.ImageBatches;
import io.relaxsd.examples.vae.OptimizerKind;
import io.relaxsd.examples.vae.VaeData;
import io.relaxsd.examples.vae.VaeReport;
import io.relaxsd.examples.vae.VaeRun;
import io.relaxsd.examples.vae.VaeRunConfig;
import io.relaxsd.examples.vae.VaeSetup;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./relax vae}: trains the discrete-latent MNIST VAE with one estimator, or several on the
 * same setup and seed ("compare" mode, {@code --estimator a,b,c}).
 */
@Command(name = "vae", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Train a discrete-latent VAE on MNIST and report the negative ELBO per epoch.",
            "",
            "categorical (ReinMax paper): L categorical variables of C classes",
            "  (--latent CxL); encoder 784-512-256-(L*C), decoder mirrored, ReLU;",
            "  grey levels/255 as Bernoulli targets; KL to the uniform prior.",
            "binary-linear, binary-nonlinear (REBAR/RELAX papers): 200 Bernoulli",
            "  latents, 784-200-784 or 784-200-200-200 tanh; MNIST binarised by",
            "  threshold or dynamically (the papers' static Larochelle binarisation",
            "  is not available here).",
            "binary-linear-2 (RELAX paper's L2): two stochastic layers of 200",
            "  Bernoulli units, linear maps; score-function estimators get one node",
            "  and control variate per layer.",
            "Binary setups as the official RELAX code: encoder input x - mean image,",
            "  layers read bits as 2b-1, learned prior logits on the top layer,",
            "  Glorot weights, decoder output bias = logit(clip(mean, 0.001, 0.999)).",
            "",
            "--iwae K reports -log (1/K) sum_j p(x,b_j)/q(b_j|x), b_j ~ q(b|x), per",
            "  image (the IWAE bound, RELAX paper's K = 100); --validation holds out",
            "  the last 10000 training images and keeps the best validation epoch.",
            "",
            "Defaults per estimator (ReinMax paper's tuned table at 8x16), lr/tau:",
            "  reinmax 7e-4/1.5, st 1e-3/1.5, st-gumbel-softmax 5e-4/0.5,",
            "  gumbel-rao 7e-4/0.7, reinmax-rao 5e-4/1.0, reinmax-cv 5e-4/1.3 (measured),",
            "  all RAdam;",
            "  any other estimator 1e-3/1.0 with Adam.",
            "Binary setups (RELAX paper's protocol): every estimator lr 1e-3, batch 24,",
            "  adam-relax (Adam, beta2 = 0.99999); rebar and relax start at tau 0.5,",
            "  eta 1; relax's surrogate is relaxed-loss-plus-context-mlp.",
            ""},
        footer = {"", "Examples:",
            "  ./relax vae --estimator reinmax --latent 8x16 --epochs 10",
            "  ./relax vae --estimator st,reinmax,st-gumbel-softmax --epochs 5 --out runs/compare",
            "  ./relax vae --estimator reinmax --seeds 0-2 --epochs 10 --out runs/reinmax-3seeds",
            "  ./relax vae --resume runs/compare"})
public final class VaeCommand extends VaeCommandBase {

    @Option(names = "--estimator", split = ",", paramLabel = "NAME",
            description = "estimator(s); several = compare mode (default: reinmax)")
    List<String> estimators = new ArrayList<>(List.of("reinmax"));

    @Option(names = "--setup", paramLabel = "SETUP", description = "categorical | binary-linear | binary-nonlinear | binary-linear-2 (default: ${DEFAULT-VALUE})")
    String setup = VaeSetup.CATEGORICAL;

    @Option(names = "--batch", description = "batch size (default: 100, binary setups 24)")
    Integer batch;

    @Mixin
    EstimatorOptions estimatorOptions;

    @Option(names = "--pretrain-steps", paramLabel = "N",
            description = "rebar, relax: train phi alone on N training batches before the model moves (default: "
                    + "1000 for relaxed-loss-plus-context-mlp, as the official code, else 0)")
    Integer pretrainSteps;

    @Option(names = "--iwae", paramLabel = "K",
            description = "also report the -IWAE bound with K samples per image on the test (and validation) set (default: off)")
    Integer iwae;

    @Option(names = "--iwae-final-only", description = "evaluate --iwae after the last epoch only (it costs K decoder passes per image)")
    boolean iwaeFinalOnly;

    @Option(names = "--validation", description = "hold out the last 10000 training images as a validation set")
    boolean validation;

    @Option(names = "--validation-size", paramLabel = "N", description = "hold out the last N training images as a validation set (default: 0, none)")
    Integer validationSize;

    @Option(names = "--surrogate-widths", split = ",", paramLabel = "W",
            description = "relax: hidden widths of the surrogate network, one per layer (default: 200,200 for "
                    + "relaxed-loss-plus-context-mlp, else 10)")
    int[] surrogateWidths;

    @Option(names = "--surrogate-activation", paramLabel = "ACT",
            description = "relax: tanh | relu, the surrogate network's hidden activation (default: relu for "
                    + "relaxed-loss-plus-context-mlp, else tanh)")
    String surrogateActivation;

    @Option(names = "--surrogate-weight-decay", paramLabel = "W",
            description = "relax: L2 weight decay on the surrogate network, added to phi's loss (default: 0)")
    Double surrogateWeightDecay;

    @Option(names = "--optimizer", description = "radam | adam | adam-relax (beta2 0.99999) (default: per estimator; "
            + "binary setups adam-relax)")
    String optimizer;

    @Option(names = "--seeds", paramLabel = "LIST", description = "several seeds, e.g. 0,1,2 or 0-4: one run per "
            + "estimator and seed, then a summary row per estimator (mean and standard error over the seeds)")
    String seeds;

    @Option(names = "--keep-checkpoints", split = ",", paramLabel = "EPOCH",
            description = "also keep checkpoint-epoch-N.bin after these epochs (needs --out; e.g. 1,5,10)")
    List<Integer> keepCheckpoints;

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "also keep checkpoint-epoch-N.bin every N epochs (needs --out; default: none)")
    Integer checkpointEvery;

    /** Where the images come from: MNIST by default; tests pass in-memory data. */
    @FunctionalInterface
    public interface DataLoader {
        VaeData.Split load(Path dir, VaeRunConfig cfg, PrintWriter out, boolean verbose) throws IOException;
    }

    public VaeCommand() {
        this(VaeData::load);
    }

    public VaeCommand(DataLoader loader) {
        super(loader);
    }

    @Override
    int run() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        List<PlannedRun> plan;
        Path root;
        boolean resuming = resume != null;
        try {
            if (resuming) {
                root = resume;
                plan = savedRuns(resume);
            } else {
                root = out;
                plan = planRuns(buildConfigs(), root);
                for (PlannedRun p : plan) {
                    if (p.dir() != null && Files.exists(p.dir().resolve(VaeRun.CHECKPOINT))) {
                        throw new IllegalArgumentException(p.dir() + " already holds a vae run; continue it with --resume "
                                + root + " or choose another --out");
                    }
                }
            }
            Threads.apply(threads);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean multiSeed = plan.stream().map(p -> p.config().seed()).distinct().count() > 1;
        boolean compare = !multiSeed && plan.size() > 1;
        VaeRunConfig first = plan.get(0).config();
        VaeData.Split split;
        try {
            split = loader.load(data, first, stdout, !json).holdOut(first.validationSize());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<VaeReport.Series> series = new ArrayList<>();
        SeedSummary seedSummary = new SeedSummary();
        for (PlannedRun planned : plan) {
            VaeRunConfig cfg = planned.config();
            String name = cfg.estimator().name();
            Path dir = planned.dir();
            if (!json) {
                stdout.printf(Locale.ROOT, "%s on %s: lr %.3g, tau %.3g, %s, batch %d, %d epochs, seed %d, %d train / %d test images%n",
                        name, cfg.setup().label(), cfg.learningRate(), cfg.estimator().temperature(), cfg.optimizer().id(),
                        cfg.batch(), cfg.epochs(), cfg.seed(), split.train(cfg).size(), split.test(cfg).size());
                if (split.validationData() != null) {
                    stdout.printf(Locale.ROOT, "validation set: the last %d training images%n", split.validationData().size());
                }
            }
            VaeRun run;
            if (resuming && dir != null && Files.isRegularFile(dir.resolve(VaeRun.CONFIG))) {
                run = VaeRun.resume(cfg, dir);
                if (!json && run.trainer().epochsDone() > 0) {
                    stdout.printf("resuming after epoch %d%n", run.trainer().epochsDone());
                }
            } else {
                run = VaeRun.start(cfg, dir);
            }
            if (dir != null) {
                VaeReport.writeProvenance(run, split, commandLine());
            }
            ImageBatches train = split.train(cfg);
            ImageBatches test = split.test(cfg);
            Progress progress = new Progress(stdout, json, name, cfg.epochs());
            for (EpochMetrics m : run.trainer().history()) {
                progress.onEpoch(m);
            }
            List<EpochMetrics> history = run.train(train, split.validation(cfg), test, progress);
            series.add(new VaeReport.Series(name, history));
            if (dir != null) {
                VaeReport.writeRunFiles(run, split, dir);
            }
            EpochMetrics last = history.get(history.size() - 1);
            Map<String, Object> summary = summary(cfg, history);
            if (json) {
                stdout.println(Json.line(summary));
            } else {
                stdout.printf(Locale.ROOT, "%s%s: final test -ELBO %.2f (train %.2f) after %d epochs, %.1f ms/step%n", name,
                        multiSeed ? " seed " + cfg.seed() : "", last.testNelbo(), last.trainNelbo(), last.epoch(),
                        (Double) summary.get("ms_per_step"));
                EpochMetrics best = EpochMetrics.bestValidation(history);
                if (best != null) {
                    stdout.printf(Locale.ROOT, "%s: best validation epoch %d: validation -ELBO %.2f%s, test -ELBO %.2f%s%n",
                            name, best.epoch(), best.validationNelbo(), iwaeText(" -IWAE ", best.validationIwae()),
                            best.testNelbo(), iwaeText(" -IWAE ", best.testIwae()));
                }
            }
            stdout.flush();
            if (multiSeed) {
                seedSummary.add(cfg, last);
                if (root != null) {
                    seedSummary.write(root);  // rewritten after every finished run, so a killed sweep keeps its rows
                }
            }
        }
        if (multiSeed) {
            for (Map<String, Object> row : seedSummary.rows()) {
                if (json) {
                    stdout.println(Json.line(row));
                }
            }
            if (!json) {
                stdout.print(seedSummary.table());
            }
        }
        if (compare && root != null) {
            VaeReport.writeComparison(root, series);
        }
        if (compare && !json) {
            stdout.println("estimator              final test -ELBO   best test -ELBO");
            for (VaeReport.Series s : series) {
                stdout.printf(Locale.ROOT, "%-22s %16.2f %17.2f%n", s.name(), s.last().testNelbo(),
                        s.history().stream().mapToDouble(EpochMetrics::testNelbo).min().orElse(Double.NaN));
            }
        }
        stdout.flush();
        return 0;
    }

    private static String iwaeText(String label, double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%s%.2f", label, v);
    }

    /** The final {@code --json} object of a run (also {@code dl4j-vae}'s). */
    static Map<String, Object> summary(VaeRunConfig cfg, List<EpochMetrics> history) {
        EpochMetrics last = history.get(history.size() - 1);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("summary", true);
        summary.put("estimator", cfg.estimator().name());
        summary.put("setup", cfg.setup().label());
        summary.put("epochs", last.epoch());
        summary.put("final_train_nelbo", last.trainNelbo());
        summary.put("final_test_nelbo", last.testNelbo());
        summary.put("best_test_nelbo", history.stream().mapToDouble(EpochMetrics::testNelbo).min().orElse(Double.NaN));
        if (!Double.isNaN(last.testIwae())) {
            summary.put("final_test_iwae", last.testIwae());
        }
        if (!Double.isNaN(last.validationNelbo())) {
            summary.put("final_validation_nelbo", last.validationNelbo());
        }
        if (!Double.isNaN(last.validationIwae())) {
            summary.put("final_validation_iwae", last.validationIwae());
        }
        summary.putAll(EpochMetrics.bestValidationSummary(history));
        summary.put("total_seconds", history.stream().mapToDouble(EpochMetrics::seconds).sum());
        summary.put("ms_per_step", 1000 * history.stream().mapToDouble(EpochMetrics::seconds).sum()
                / Math.max(1, history.stream().mapToLong(EpochMetrics::steps).sum()));
        summary.put("config", cfg.toMap());
        return summary;
    }

    private List<String> commandLine() {
        List<String> args = new ArrayList<>(List.of("relax", "vae"));
        args.addAll(spec.commandLine().getParseResult().originalArgs());
        return args;
    }

    private List<VaeRunConfig> buildConfigs() {
        if (estimators.isEmpty()) {
            throw new IllegalArgumentException("--estimator needs at least one name");
        }
        VaeSetup s = VaeSetup.parse(setup, latent);
        if (s.binary() && spec.commandLine().getParseResult().hasMatchedOption("--latent")) {
            throw new IllegalArgumentException("--latent applies to the categorical setup only; " + s.id() + " has "
                    + s.variables() + " Bernoulli latents" + (s.twoLayer() ? " per layer" : ""));
        }
        if (iwae != null && iwae < 1) {
            throw new IllegalArgumentException("--iwae must be >= 1 samples per image, got " + iwae);
        }
        if (iwaeFinalOnly && iwae == null) {
            throw new IllegalArgumentException("--iwae-final-only needs --iwae K");
        }
        if (validation && validationSize != null) {
            throw new IllegalArgumentException("give --validation or --validation-size, not both");
        }
        if (validationSize != null && validationSize < 1) {
            throw new IllegalArgumentException("--validation-size must be >= 1, got " + validationSize);
        }
        int held = validation ? VaeRunConfig.PAPER_VALIDATION_SIZE : validationSize == null ? 0 : validationSize;
        if ((estimatorOptions.baseline != null || estimatorOptions.scoreSamples != null) && !estimators.stream()
                .anyMatch(e -> e.trim().toLowerCase(Locale.ROOT).equals("reinforce"))) {
            throw new IllegalArgumentException("--baseline and --score-samples apply to reinforce only");
        }
        VaeRunConfig.Binarization bin = VaeRunConfig.Binarization.parse(binarize);
        List<Long> seedList = seedList();
        CheckpointPolicy keep = checkpointPolicy();
        if (!keep.isNone() && out == null) {
            throw new IllegalArgumentException("--keep-checkpoints and --checkpoint-every need --out");
        }
        if (!keep.epochs().isEmpty() && keep.epochs().last() > epochs) {
            throw new IllegalArgumentException("--keep-checkpoints: epoch " + keep.epochs().last()
                    + " is after the last epoch (" + epochs + ")");
        }
        List<VaeRunConfig> list = new ArrayList<>();
        if (surrogateWidths != null || surrogateActivation != null || surrogateWeightDecay != null) {
            SurrogateOption.requireRelax("--surrogate-widths/-activation/-weight-decay", estimators);
        }
        for (String raw : estimators) {
            String name = raw.trim().toLowerCase(Locale.ROOT);
            EstimatorDefaults d = EstimatorDefaults.of(name, s);
            // τ, η and RELAX's surrogate with the setup's defaults; then vae's own surrogate-network options
            EstimatorConfig.Builder b = estimatorOptions.builder(name, estimators, s);
            if (name.equals("relax")) {
                SurrogateOption.apply(b, null, surrogateWidths, surrogateActivation, surrogateWeightDecay, false);
            }
            if (pretrainSteps != null) {
                b.pretrainSteps(pretrainSteps);
            }
            OptimizerKind opt = optimizer != null ? OptimizerKind.parse(optimizer) : d.optimizer();
            EstimatorConfig estimator = b.build();
            for (long sd : seedList) {
                int bs = batch != null ? batch : s.binary() ? EstimatorDefaults.BINARY_BATCH : 100;
                list.add(new VaeRunConfig(s, estimator, opt, lr != null ? lr : d.learningRate(), bs, epochs, sd,
                        trainLimit, testLimit, bin, evalBatch, held, iwae == null ? 0 : iwae, iwaeFinalOnly, keep));
            }
        }
        return list;
    }

    private List<Long> seedList() {
        if (seeds == null) {
            return List.of(seed);
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
            throw new IllegalArgumentException("give either --seed or --seeds, not both");
        }
        return SeedList.parse("--seeds", seeds);
    }

    /** One run of the command and the directory it writes (null without --out). */
    record PlannedRun(VaeRunConfig config, Path dir) {
    }

    /**
     * Directories: one estimator and one seed write into {@code root}; several estimators into
     * {@code root/NAME}; several seeds into {@code .../seedS}.
     */
    static List<PlannedRun> planRuns(List<VaeRunConfig> configs, Path root) {
        boolean manyEstimators = configs.stream().map(c -> c.estimator().name()).distinct().count() > 1;
        boolean manySeeds = configs.stream().map(VaeRunConfig::seed).distinct().count() > 1;
        List<PlannedRun> plan = new ArrayList<>();
        for (VaeRunConfig c : configs) {
            Path d = root;
            if (d != null && manyEstimators) {
                d = d.resolve(c.estimator().name());
            }
            if (d != null && manySeeds) {
                d = d.resolve("seed" + c.seed());
            }
            plan.add(new PlannedRun(c, d));
        }
        return plan;
    }

    /** The runs under {@code dir}: the directory itself, or its sub-directories up to two levels (NAME/seedS). */
    private List<PlannedRun> savedRuns(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--resume: no such directory: " + dir);
        }
        List<PlannedRun> list = new ArrayList<>();
        collectSavedRuns(dir, 2, list);
        if (list.isEmpty()) {
            throw new IllegalArgumentException("--resume: " + dir + " holds no vae run (no " + VaeRun.CONFIG + ")");
        }
        return list;
    }

    private void collectSavedRuns(Path dir, int depth, List<PlannedRun> list) throws IOException {
        if (Files.isRegularFile(dir.resolve(VaeRun.CONFIG))) {
            list.add(new PlannedRun(withEpochs(VaeRun.savedConfig(dir)), dir));
            return;
        }
        if (depth == 0) {
            return;
        }
        try (Stream<Path> sub = Files.list(dir).sorted()) {
            for (Path p : (Iterable<Path>) sub::iterator) {
                if (Files.isDirectory(p)) {
                    collectSavedRuns(p, depth - 1, list);
                }
            }
        }
    }

    private VaeRunConfig withEpochs(VaeRunConfig c) {
        boolean given = spec.commandLine().getParseResult().hasMatchedOption("--epochs");
        VaeRunConfig r = given ? c.withEpochs(epochs) : c;
        // --keep-checkpoints / --checkpoint-every on a resume replace the saved choice
        return keepCheckpoints != null || checkpointEvery != null ? r.withKeepCheckpoints(checkpointPolicy()) : r;
    }

    private CheckpointPolicy checkpointPolicy() {
        return CheckpointPolicy.of(keepCheckpoints, checkpointEvery);
    }

    /** A progress bar per epoch on stderr (with ETA) and the per-epoch lines or JSON on stdout (also dl4j-vae's). */
    static final class Progress implements VaeRun.Events {
        private final PrintWriter out;
        private final boolean json;
        private final String name;
        private final int epochs;
        private ProgressBar bar;
        private ProgressBar iwaeBar;

        Progress(PrintWriter out, boolean json, String name, int epochs) {
            this.out = out;
            this.json = json;
            this.name = name;
            this.epochs = epochs;
        }

        @Override
        public void onStep(int epoch, int step, int stepsInEpoch, double running) {
            if (step == 1) {
                bar = ProgressBar.create(String.format(Locale.ROOT, "%s epoch %d/%d", name, epoch, epochs), stepsInEpoch,
                        json);
            }
            bar.status(String.format(Locale.ROOT, "-ELBO %.2f", running));
            bar.step(1);
        }

        @Override
        public void onIwae(int epoch, String what, int done, int total) {
            if (bar != null) {
                bar.close();
                bar = null;
            }
            if (iwaeBar == null) {
                iwaeBar = ProgressBar.create(String.format(Locale.ROOT, "%s epoch %d %s -IWAE", name, epoch, what), total,
                        json);
            }
            iwaeBar.step(done - lastDone);
            lastDone = done;
            if (done >= total) {
                iwaeBar.close();
                iwaeBar = null;
                lastDone = 0;
            }
        }

        private int lastDone;

        @Override
        public void onEpoch(EpochMetrics m) {
            if (bar != null) {
                bar.close();
                bar = null;
            }
            if (json) {
                out.println(Json.line(m.toMap()));
            } else {
                out.printf(Locale.ROOT, "epoch %3d  train -ELBO %8.3f  test -ELBO %8.3f%s%s%s  %7.1f s  %8.0f samples/s%n",
                        m.epoch(), m.trainNelbo(), m.testNelbo(), iwaeText("  test -IWAE ", m.testIwae()),
                        iwaeText("  val -ELBO ", m.validationNelbo()), iwaeText("  val -IWAE ", m.validationIwae()),
                        m.seconds(), m.samplesPerSec());
            }
            out.flush();
        }
    }
}
