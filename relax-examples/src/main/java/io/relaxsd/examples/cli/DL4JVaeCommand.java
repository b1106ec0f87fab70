package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.vae.ClusterTraining;
import io.relaxsd.examples.vae.Dl4jVaeRun;
import io.relaxsd.examples.vae.EpochMetrics;
import io.relaxsd.examples.vae.EstimatorDefaults;
import io.relaxsd.examples.vae.OptimizerKind;
import io.relaxsd.examples.vae.VaeData;
import io.relaxsd.examples.vae.VaeRun;
import io.relaxsd.examples.vae.VaeRunConfig;
import io.relaxsd.examples.vae.VaeSetup;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./relax dl4j-vae}: the VAE of {@code ./relax vae} as a DL4J {@code MultiLayerNetwork} of Dense
 * layers and the project's stochastic layer, trained with {@code fit()} ({@link Dl4jVaeRun} describes
 * the network, the loss scale and how the −ELBO is measured). Same data, defaults, output and files as
 * {@code ./relax vae}, for one estimator and seed.
 *
 * <p>The estimators accepted are those the stochastic layer's {@code build()} accepts; anything it
 * rejects is reported as one usage line.
 *
 * <p>{@code --spark MASTER} trains the same network on Apache Spark through the {@link ClusterTraining}
 * on the class path (module relax-spark, which {@code ./relax} adds when it sees {@code --spark}).
 */
@Command(name = "dl4j-vae", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Train the MNIST VAE as a DL4J MultiLayerNetwork with the stochastic layer (fit()).",
        description = {
            "Train the discrete-latent MNIST VAE as a DL4J MultiLayerNetwork with fit(): "
                + "Dense encoder -> logits -> stochastic layer (estimator, KL to the uniform "
                + "prior) -> Dense decoder -> sigmoid output with binary cross-entropy.",
            "",
            "The same model, data and defaults as './relax vae' (see its --help): per-estimator "
                + "lr/tau/optimizer from the ReinMax paper's table (reinmax 7e-4/1.5, "
                + "st 1e-3/1.5, ... RAdam; others 1e-3/1.0 Adam), weights and biases uniform in "
                + "+-1/sqrt(fan_in). The noise stream is the layer's. Test -ELBO: one "
                + "hard sample per test image.",
            "Estimators: whatever the DL4J stochastic layers accept.",
            ""},
        footer = {"", "Examples:",
            "  ./relax dl4j-vae --estimator reinmax --latent 8x16 --epochs 10",
            "  ./relax dl4j-vae --estimator st --epochs 5 --out runs/dl4j-st",
            "  ./relax dl4j-vae --resume runs/dl4j-st --epochs 10",
            "  ./relax dl4j-vae --estimator st --spark 'local[2]' --epochs 5"})
public final class DL4JVaeCommand extends VaeCommandBase {

    @Option(names = "--estimator", paramLabel = "NAME", description = "estimator (default: ${DEFAULT-VALUE})")
    String estimator = "reinmax";

    @Option(names = "--setup", paramLabel = "SETUP", description = "categorical | binary-linear | binary-nonlinear (default: ${DEFAULT-VALUE})")
    String setup = VaeSetup.CATEGORICAL;

    @Option(names = "--batch", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch = 100;

    @Option(names = "--temperature", description = "temperature tau (default: per estimator)")
    Double temperature;

    @Option(names = "--k", description = "conditional samples K (Gumbel-Rao, ReinMax-Rao/CV; default: library default)")
    Integer k;

    @Option(names = "--surrogate", paramLabel = "KIND", description = "relax: mlp | mlp-of-relaxed (a layer cannot "
            + "evaluate f at relaxed inputs; default: mlp)")
    String surrogate;

    @Option(names = "--optimizer", description = "radam | adam (default: per estimator)")
    String optimizer;

    @Option(names = "--spark", paramLabel = "MASTER", description = "train on Apache Spark with DL4J's parameter "
            + "averaging: local[N] (N worker threads), spark://HOST:PORT, yarn, k8s://...; each worker trains on "
            + "batch/N examples per step (needs the relax-spark module, which ./relax adds)")
    String spark;

    @Option(names = "--averaging", paramLabel = "N", description = "with --spark: steps between parameter "
            + "averages (default: ${DEFAULT-VALUE})")
    int averaging = 1;

    public DL4JVaeCommand() {
        this(VaeData::load);
    }

    /** With another data source (tests pass in-memory images). */
    public DL4JVaeCommand(VaeCommand.DataLoader loader) {
        super(loader);
    }

    @Override
    int run() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        VaeRunConfig cfg;
        Dl4jVaeRun run;
        ClusterTraining cluster = null;
        Path dir = resume != null ? resume : out;
        try {
            if (resume != null) {
                if (!Files.isDirectory(resume)) {
                    throw new IllegalArgumentException("--resume: no such directory: " + resume);
                }
                cfg = Dl4jVaeRun.savedConfig(resume);
                if (spec.commandLine().getParseResult().hasMatchedOption("--epochs")) {
                    cfg = cfg.withEpochs(epochs);
                }
            } else {
                cfg = buildConfig();
            }
            Threads.apply(threads);
            // the stochastic layer's build() decides which estimators it takes
            Dl4jVaeRun.configuration(cfg.setup(), cfg.estimator(), cfg.optimizer().create(cfg.learningRate()),
                    cfg.seed(), null);
            if (spark != null) {
                cluster = ClusterTraining.find().orElseThrow(() -> new IllegalArgumentException("--spark: the Spark "
                        + "trainer (module relax-spark) is not on the class path; start it with ./relax"));
                cluster.check(spark, averaging, cfg);
            } else if (spec.commandLine().getParseResult().hasMatchedOption("--averaging")) {
                throw new IllegalArgumentException("--averaging applies to --spark only");
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        VaeData.Split split = loader.load(data, cfg, stdout, !json);
        try {
            run = resume != null ? Dl4jVaeRun.resume(cfg, resume) : Dl4jVaeRun.start(cfg, out);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        String name = cfg.estimator().name();
        if (!json) {
            stdout.printf(Locale.ROOT, "%s on %s (DL4J MultiLayerNetwork%s): lr %.3g, tau %.3g, %s, batch %d, %d epochs, "
                            + "seed %d, %d train / %d test images%n", name, cfg.setup().label(),
                    spark == null ? "" : ", Spark " + spark + ", averaging every " + averaging + " steps", cfg.learningRate(),
                    cfg.estimator().temperature(), cfg.optimizer().id(), cfg.batch(), cfg.epochs(), cfg.seed(),
                    split.train(cfg).size(), split.test(cfg).size());
            if (!run.history().isEmpty()) {
                stdout.printf("resuming after epoch %d%n", run.history().size());
            }
        }
        if (dir != null) {
            run.writeProvenance(split, commandLine());
        }
        VaeCommand.Progress progress = new VaeCommand.Progress(stdout, json, name, cfg.epochs());
        for (EpochMetrics m : run.history()) {
            progress.onEpoch(m);
        }
        List<EpochMetrics> history = cluster == null ? run.train(split.train(cfg), split.test(cfg), progress)
                : cluster.train(run, spark, averaging, split.train(cfg), split.test(cfg), progress);
        if (dir != null) {
            run.writeRunFiles(split);
        }
        EpochMetrics last = history.get(history.size() - 1);
        Map<String, Object> summary = VaeCommand.summary(cfg, history);
        if (json) {
            stdout.println(Json.line(summary));
        } else {
            stdout.printf(Locale.ROOT, "%s: final test -ELBO %.2f (train %.2f) after %d epochs, %.1f ms/step%n", name,
                    last.testNelbo(), last.trainNelbo(), last.epoch(), (Double) summary.get("ms_per_step"));
        }
        stdout.flush();
        return 0;
    }

    private VaeRunConfig buildConfig() {
        VaeSetup s = VaeSetup.parse(setup, latent);
        String name = estimator.trim().toLowerCase(Locale.ROOT);
        EstimatorDefaults d = EstimatorDefaults.of(name);
        EstimatorConfig.Builder b = EstimatorConfig.builder(name)
                .temperature(temperature != null ? temperature : d.temperature());
        if (k != null) {
            b.samples(k);
        }
        if (name.equals("relax")) {   // the layers' own default surrogate: the library's needs f at relaxed inputs
            b.surrogate(surrogate == null ? EstimatorConfig.SurrogateKind.MLP : SurrogateOption.parse(surrogate, List.of(name)));
        } else if (surrogate != null) {
            SurrogateOption.parse(surrogate, List.of(name));   // one line: --surrogate applies to relax only
        }
        OptimizerKind opt = optimizer != null ? OptimizerKind.parse(optimizer) : d.optimizer();
        return new VaeRunConfig(s, b.build(), opt, lr != null ? lr : d.learningRate(), batch, epochs, seed, trainLimit,
                testLimit, VaeRunConfig.Binarization.parse(binarize), evalBatch);
    }

    private List<String> commandLine() {
        List<String> args = new ArrayList<>(List.of("relax", "dl4j-vae"));
        args.addAll(spec.commandLine().getParseResult().originalArgs());
        return args;
    }
}
