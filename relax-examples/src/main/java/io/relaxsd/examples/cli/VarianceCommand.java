package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.util.AtomicFiles;
import io.relaxsd.examples.util.Charts;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.util.ProgressBar;
import io.relaxsd.examples.util.Provenance;
import io.relaxsd.examples.vae.GradientVariance;
import io.relaxsd.examples.vae.VaeData;
import io.relaxsd.examples.vae.VaeModel;
import io.relaxsd.examples.vae.VaeRun;
import io.relaxsd.examples.vae.VaeRunConfig;
import io.relaxsd.examples.vae.VaeSetup;
import io.relaxsd.examples.vae.VaeTrainer;
import io.relaxsd.samediff.Seeds;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./relax variance}: the gradient-variance protocol of Wang &amp; Bui, "Beyond ReinMax", on
 * the numbered checkpoints of one {@code ./relax vae} run. For every checkpoint and estimator it
 * loads the checkpoint's weights into a model of the run's setup with that estimator, draws S
 * gradient estimates on one fixed training batch without updating anything, and reports the
 * statistics of {@link GradientVariance}.
 */
@Command(name = "variance", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Gradient variance of estimators at the checkpoints of a vae run.",
        description = {
            "Gradient variance of estimators at the weights of a vae run's numbered checkpoints "
                + "(Wang & Bui, \"Beyond ReinMax\"): S independent gradient estimates per checkpoint and "
                + "estimator on one fixed batch of training images, no parameter updates.",
            "",
            "Reported per checkpoint x estimator: mean over coordinates of the per-coordinate "
                + "standard deviation over the S draws, the norm of the mean gradient, the total "
                + "variance (sum of variances), the -ELBO of the batch and the wall time.",
            "--wrt logits: coordinates are d(-ELBO_b)/d(theta_b) for every example b and logit "
                + "(score-function estimators: their estimate g-hat, not their variance loss).",
            "--wrt weights: the gradient of the batch-mean -ELBO wrt every encoder parameter.",
            "The run needs numbered checkpoints: ./relax vae ... --out DIR --keep-checkpoints 1,5,10",
            ""},
        footer = {"", "Examples:",
            "  ./relax variance --run runs/reinmax --estimator st,reinmax,reinmax-rao,reinmax-cv,gumbel-rao",
            "  ./relax variance --run runs/reinmax --estimator reinforce,rebar --samples 128 --wrt weights --json"})
public final class VarianceCommand implements Callable<Integer> {
    public static final String CSV = "variance.csv";
    public static final String JSON = "variance.json";
    public static final String PNG = "variance.png";
    private static final String DEFAULT_ESTIMATORS = "st,reinmax,reinmax-rao,reinmax-cv,gumbel-rao";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "directory of one ./relax vae run")
    Path run;

    @Option(names = "--estimator", split = ",", paramLabel = "NAME",
            description = "estimators to measure, any registered (default: " + DEFAULT_ESTIMATORS + ")")
    List<String> estimators = new ArrayList<>(List.of(DEFAULT_ESTIMATORS.split(",")));

    @Option(names = "--samples", paramLabel = "S", description = "gradient estimates per checkpoint and estimator, >= 2 (default: ${DEFAULT-VALUE})")
    int samples = 512;

    @Option(names = "--batch-size", paramLabel = "N", description = "images in the fixed batch (default: ${DEFAULT-VALUE})")
    int batchSize = 100;

    @Option(names = "--pick", paramLabel = "HOW",
            description = "first: the first N training images; random: N drawn with --seed (default: ${DEFAULT-VALUE})")
    String pick = "first";

    @Option(names = "--wrt", paramLabel = "WHAT", description = "logits | weights (default: ${DEFAULT-VALUE})")
    String wrt = "logits";

    @Option(names = "--checkpoints", split = ",", paramLabel = "EPOCH",
            description = "only these epochs' checkpoints (default: all numbered checkpoints of the run)")
    List<Integer> only;

    @Mixin
    EstimatorOptions estimatorOptions;

    @Option(names = "--pretrain-steps", paramLabel = "N",
            description = "rebar, relax: fit phi alone on N training batches at each checkpoint first "
                    + "(default: 0, phi at its initial value)")
    int pretrainSteps;

    @Option(names = "--setup", paramLabel = "SETUP", description = "override the run's setup (must fit its checkpoints)")
    String setup;

    @Option(names = "--latent", paramLabel = "CxL", description = "override the run's latent (must fit its checkpoints)")
    String latent;

    @Option(names = "--seed", description = "seed of the noise (and of --pick random) (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", description = "CPU threads for ND4J (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--data", paramLabel = "DIR", description = "MNIST directory (default: the cache)")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default: RUN/variance)")
    Path out;

    @Option(names = "--json", description = "print one JSON object per checkpoint and estimator")
    boolean json;

    private final VaeCommand.DataLoader loader;

    public VarianceCommand() {
        this(VaeData::load);
    }

    /** With another image source (tests). */
    public VarianceCommand(VaeCommand.DataLoader loader) {
        this.loader = loader;
    }

    /** One measured (checkpoint, estimator). */
    private record Row(int epoch, EstimatorConfig estimator, GradientVariance.Stats stats) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", epoch);
            m.put("estimator", estimator.name());
            m.put("temperature", estimator.temperature());
            m.putAll(stats.toMap());
            return m;
        }
    }

    @Override
    public Integer call() throws Exception {
        try {
            return execute();
        } catch (IllegalStateException | IOException e) {
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().println("relax: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    private int execute() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        VaeRunConfig runConfig;
        VaeRunConfig model;
        SortedMap<Integer, Path> checkpoints;
        List<EstimatorConfig> configs = new ArrayList<>();
        GradientVariance.Wrt what;
        boolean random;
        try {
            if (samples < 2) {
                throw new IllegalArgumentException("--samples must be >= 2 (a standard deviation needs two draws), got "
                        + samples);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
            }
            if (pretrainSteps < 0) {
                throw new IllegalArgumentException("--pretrain-steps must be >= 0, got " + pretrainSteps);
            }
            if (!pick.equals("first") && !pick.equals("random")) {
                throw new IllegalArgumentException("--pick must be first or random, got '" + pick + "'");
            }
            random = pick.equals("random");
            what = GradientVariance.Wrt.parse(wrt);
            if (estimators.isEmpty()) {
                throw new IllegalArgumentException("--estimator needs at least one name");
            }
            runConfig = readRun(run);
            model = withOverrides(runConfig);
            for (String name : estimators) {
                // the defaults of ./relax vae on the run's setup (binary: REBAR's and RELAX's τ and η)
                EstimatorConfig c = estimatorOptions.config(name, estimators, model.setup());
                if (pretrainSteps > 0) {
                    c = c.toBuilder().pretrainSteps(pretrainSteps).build();
                }
                configs.add(c);
            }
            checkpoints = selected(VaeRun.numberedCheckpoints(run));
            Threads.apply(threads);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path dir = out != null ? out : run.resolve("variance");
        VaeData.Split split = loader.load(data, model, stdout, !json);
        INDArray batch;
        try {
            batch = split.trainImages(model, batchSize, random, seed);
            // every checkpoint must fit the model (and belong to the run) before anything is measured
            VaeTrainer check = trainer(model, configs.get(0));
            for (Path p : checkpoints.values()) {
                checkBelongs(p, check.loadParameters(p), runConfig, model);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!json) {
            stdout.printf(Locale.ROOT, "%s (%s): %d checkpoint(s) %s x %d estimator(s), S = %d, batch of %d %s "
                            + "training images, gradient wrt %s%n", run, model.setup().label(), checkpoints.size(),
                    checkpoints.keySet(), configs.size(), samples, batchSize, pick, what.id());
            stdout.flush();
        }
        List<Row> rows = new ArrayList<>();
        long total = (long) checkpoints.size() * configs.size() * samples;
        ProgressBar bar = ProgressBar.create("variance", total, json);
        for (EstimatorConfig est : configs) {
            // one model per estimator: drawing changes nothing in it (no update, no baseline or phi
            // step), so only a phi fitted at the previous checkpoint calls for a fresh one
            VaeTrainer t = null;
            for (Map.Entry<Integer, Path> ck : checkpoints.entrySet()) {
                if (t == null || (pretrainSteps > 0 && !t.model().controlParameters().isEmpty())) {
                    t = trainer(model, est);
                }
                t.loadParameters(ck.getValue());
                if (pretrainSteps > 0) {
                    t.pretrainControl(split.train(model), pretrainSteps);
                }
                bar.status(est.name() + " @ epoch " + ck.getKey());
                GradientVariance.Stats stats = GradientVariance.measure(t, batch, what, samples,
                        Seeds.generator(noiseSeed(seed, ck.getKey(), est.name())), s -> bar.step(1));
                Row row = new Row(ck.getKey(), est, stats);
                rows.add(row);
                if (json) {
                    stdout.println(Json.line(row.toMap()));
                    stdout.flush();
                }
            }
        }
        bar.close();
        rows.sort((a, b) -> a.epoch() != b.epoch() ? Integer.compare(a.epoch(), b.epoch())
                : Integer.compare(configs.indexOf(a.estimator()), configs.indexOf(b.estimator())));
        writeFiles(dir, rows, configs, what, runConfig);
        if (!json) {
            stdout.println("epoch  estimator           tau    mean std    |mean g|  debiased   total var      -ELBO   seconds");
            for (Row r : rows) {
                GradientVariance.Stats s = r.stats();
                stdout.printf(Locale.ROOT, "%5d  %-18s %4.2f  %10.4g  %10.4g  %8.4g  %10.4g  %9.2f  %8.1f%n", r.epoch(),
                        r.estimator().name(), r.estimator().temperature(), s.meanStd(), s.meanGradientNorm(),
                        s.debiasedNorm(), s.totalVariance(), s.nelbo(), s.seconds());
            }
            stdout.printf("wrote %s, %s, %s in %s%n", CSV, JSON, PNG, dir);
        }
        stdout.flush();
        return 0;
    }

    private static VaeTrainer trainer(VaeRunConfig model, EstimatorConfig est) {
        VaeModel m = VaeModel.build(model.setup(), est, model.seed());
        return new VaeTrainer(m, model.optimizer().create(model.learningRate()), model.seed(), model.evalBatch());
    }

    /** The noise seed of one (checkpoint, estimator): independent streams, the same for any order. */
    static long noiseSeed(long seed, int epoch, String estimator) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (epoch * 0xC2B2AE3D27D4EB4FL) ^ estimator.hashCode())
                .nextLong();
    }

    private static VaeRunConfig readRun(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--run: no such directory: " + dir);
        }
        if (!Files.isRegularFile(dir.resolve(VaeRun.CONFIG))) {
            List<String> runs = new ArrayList<>();
            try (Stream<Path> sub = Files.list(dir).sorted()) {
                for (Path p : (Iterable<Path>) sub::iterator) {
                    if (Files.isRegularFile(p.resolve(VaeRun.CONFIG))) {
                        runs.add(p.getFileName().toString());
                    }
                }
            }
            throw new IllegalArgumentException(runs.isEmpty()
                    ? "--run: " + dir + " holds no vae run (no " + VaeRun.CONFIG + ")"
                    : "--run: " + dir + " holds a comparison; pass one of its runs: " + String.join(", ", runs));
        }
        return VaeRun.savedConfig(dir);
    }

    private VaeRunConfig withOverrides(VaeRunConfig c) {
        if (setup == null && latent == null) {
            return c;
        }
        String s = setup != null ? setup : c.setup().id();
        String l = latent != null ? latent : c.setup().binary() ? null : c.setup().categories() + "x" + c.setup().variables();
        VaeSetup override = VaeSetup.parse(s, l);
        return new VaeRunConfig(override, c.estimator(), c.optimizer(), c.learningRate(), c.batch(), c.epochs(), c.seed(),
                c.trainLimit(), c.testLimit(), c.binarization(), c.evalBatch());
    }

    private SortedMap<Integer, Path> selected(SortedMap<Integer, Path> all) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("--run: " + run + " holds no numbered checkpoints (checkpoint-epoch-N.bin); "
                    + "train with ./relax vae ... --keep-checkpoints E1,E2 or --checkpoint-every N");
        }
        if (only == null) {
            return all;
        }
        SortedMap<Integer, Path> m = new TreeMap<>();
        for (int e : only) {
            Path p = all.get(e);
            if (p == null) {
                throw new IllegalArgumentException("--checkpoints: " + run + " has no checkpoint of epoch " + e
                        + " (it has " + all.keySet() + ")");
            }
            m.put(e, p);
        }
        return m;
    }

    private static final Pattern SETUP = Pattern.compile("\\bsetup=([^,}]+)");
    private static final Pattern LATENT = Pattern.compile("\\blatent=([^,}]+)");

    /**
     * A checkpoint whose parameters fit the model must also come from a run of the model's setup and
     * latent (8x4 and 4x8 have the same shapes), and from this run.
     */
    private static void checkBelongs(Path file, String fingerprint, VaeRunConfig runConfig, VaeRunConfig model) {
        String expected = model.fingerprint();
        String savedShape = shape(fingerprint);
        String modelShape = shape(expected);
        if (!savedShape.equals(modelShape)) {
            throw new IllegalArgumentException(file + " was written by a " + savedShape + " run, but the model is "
                    + modelShape);
        }
        if (!fingerprint.equals(runConfig.fingerprint())) {
            throw new IllegalArgumentException(file + " was written by another run (its configuration differs from "
                    + file.resolveSibling(VaeRun.CONFIG) + ")");
        }
    }

    private static String shape(String fingerprint) {
        Matcher s = SETUP.matcher(fingerprint);
        Matcher l = LATENT.matcher(fingerprint);
        return (s.find() ? s.group(1) : "?") + (l.find() ? " " + l.group(1) : "");
    }

    private void writeFiles(Path dir, List<Row> rows, List<EstimatorConfig> configs, GradientVariance.Wrt what,
                            VaeRunConfig runConfig) throws IOException {
        List<Charts.Series> lines = new ArrayList<>();
        for (EstimatorConfig c : configs) {
            List<Row> mine = rows.stream().filter(r -> r.estimator().equals(c)).toList();
            lines.add(new Charts.Series(c.name(), mine.stream().mapToDouble(Row::epoch).toArray(),
                    mine.stream().mapToDouble(r -> r.stats().meanStd()).toArray()));
        }
        boolean positive = rows.stream().allMatch(r -> r.stats().meanStd() > 0);
        Charts.line(dir.resolve(PNG), "gradient std (wrt " + what.id() + ", S = " + samples + "), "
                        + runConfig.setup().label(), "epoch", "mean over coordinates of the std over draws",
                positive, lines);
        StringBuilder csv = new StringBuilder("epoch,estimator,temperature,samples,coordinates,mean_std,"
                + "mean_gradient_norm,total_variance,debiased_gradient_norm,nelbo,nelbo_se,seconds\n");
        for (Row r : rows) {
            GradientVariance.Stats s = r.stats();
            csv.append(String.format(Locale.ROOT, "%d,%s,%s,%d,%d,%.8g,%.8g,%.8g,%.8g,%.6f,%.6f,%.3f%n", r.epoch(),
                    r.estimator().name(), r.estimator().temperature(), s.samples(), s.coordinates(), s.meanStd(),
                    s.meanGradientNorm(), s.totalVariance(), s.debiasedNorm(), s.nelbo(), s.nelboStdError(),
                    s.seconds()));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("seed", seed);
        extra.put("samples", samples);
        extra.put("batch_size", batchSize);
        extra.put("pick", pick);
        extra.put("wrt", what.id());
        extra.put("pretrain_steps", pretrainSteps);
        extra.put("run", run.toAbsolutePath().toString());
        extra.put("run_config", runConfig.toMap());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provenance", Provenance.collect(commandLine(), extra));
        doc.put("estimators", configs.stream().map(EstimatorConfig::toMap).toList());
        doc.put("results", rows.stream().map(Row::toMap).toList());
        AtomicFiles.writeString(dir.resolve(CSV), csv.toString());
        AtomicFiles.writeString(dir.resolve(JSON), Json.pretty(doc));
    }

    /** {@code relax variance ARGS}; the parse result holds the subcommand's name when run through {@link RelaxCli}. */
    private List<String> commandLine() {
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        List<String> args = new ArrayList<>(List.of("relax"));
        if (original.isEmpty() || !original.get(0).equals(spec.name())) {
            args.add(spec.name());
        }
        args.addAll(original);
        return args;
    }
}
