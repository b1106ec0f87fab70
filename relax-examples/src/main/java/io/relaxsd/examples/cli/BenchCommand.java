package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.examples.bench.Benchmarks;
import io.relaxsd.examples.vae.EstimatorDefaults;
import io.relaxsd.examples.vae.VaeSetup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relax bench}: training throughput of the MNIST VAE per estimator, and JMH microbenchmarks. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Benchmark VAE training throughput per estimator (roofline, overhead; --jmh for node microbenchmarks).",
        description = {"Time VAE training steps per estimator after warm-up and print steps/s, samples/s, "
                + "median and p90 ms/step, the roofline fraction (step FLOP rate / measured GEMM rate at the "
                + "same thread count), the overhead against the same network with a plain softmax "
                + "bottleneck, and the split of the step (GEMM, updater, estimator node, other ms). "
                + "Inputs are a fixed synthetic batch (throughput does not depend on pixels).",
                "--setup binary-linear|binary-nonlinear|binary-linear-2 times the RELAX paper's binary "
                + "setups (batch 24, their vae defaults; relax with the context surrogate).",
                "--jmh instead runs the JMH microbenchmarks of the estimator nodes (batch 100 x 16 x 8).",
                "--dl4j instead times fit() of the './relax dl4j-vae' MultiLayerNetwork with each estimator's "
                + "stochastic layer against the same network with a plain sigmoid bottleneck (ND4J Adam), "
                + "interleaved step by step; 'all' is every estimator a layer runs (not rebar), and relax uses "
                + "the layers' default surrogate mlp.",
                "--alone instead times each estimator's steps back to back, as training runs them, and the "
                + "roofline against the step's own GEMMs timed alone.",
                "--profile N instead times every op of the replayed step alone and prints the N slowest."})
final class BenchCommand implements Callable<Integer> {
    /** The estimator no stochastic layer runs (StochasticLayer rejects it). */
    private static final String NOT_IN_A_LAYER = "rebar";

    @Option(names = "--estimator", split = ",", paramLabel = "NAME",
            description = "Estimator(s), comma-separated, or 'all' (default: ${DEFAULT-VALUE})")
    List<String> estimators = List.of("all");

    @Option(names = "--setup", paramLabel = "SETUP", description = "categorical | binary-linear | binary-nonlinear | "
            + "binary-linear-2, as in vae (default: ${DEFAULT-VALUE})")
    String setup = VaeSetup.CATEGORICAL;

    @Option(names = "--latent", paramLabel = "CxL", description = "Categorical latent (default: ${DEFAULT-VALUE})")
    String latent = "8x16";

    @Option(names = "--batch", description = "Batch size (default: 100, binary setups 24)")
    Integer batch;

    @Option(names = "--steps", description = "Timed steps per estimator (default: ${DEFAULT-VALUE})")
    int steps = 200;

    @Option(names = "--warmup", description = "Untimed warm-up steps per estimator (default: ${DEFAULT-VALUE})")
    int warmup = 30;

    @Option(names = "--threads", description = "CPU threads for ND4J (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--backend", paramLabel = "cpu|cuda",
            description = "cpu, or cuda (checks the build, driver and compute capability first; default: ${DEFAULT-VALUE})")
    String backend = "cpu";

    @Option(names = "--surrogate", paramLabel = "KIND", description = "RELAX's surrogate: relaxed-loss-plus-mlp "
            + "(the paper's), mlp, mlp-of-relaxed, relaxed-loss-plus-context-mlp (the official VAE code's: its "
            + "network also reads x - mean image) (default: relaxed-loss-plus-mlp)")
    String surrogate;

    @Option(names = "--chart", paramLabel = "FILE", description = "Also write a PNG bar chart of samples/s per estimator")
    Path chart;

    @Option(names = "--jmh", description = "Run the JMH microbenchmarks of the estimator nodes instead")
    boolean jmh;

    @Option(names = "--dl4j", description = "Time the DL4J network of dl4j-vae per stochastic layer against a plain "
            + "sigmoid bottleneck instead")
    boolean dl4j;

    @Option(names = "--alone", description = "Instead, time each estimator's steps back to back, as training runs "
            + "them (and as docs/reference/pytorch_vae.py times PyTorch's step), then the step's GEMMs alone; no "
            + "interleaved baseline")
    boolean alone;

    @Option(names = "--profile", paramLabel = "N", arity = "0..1", fallbackValue = "25",
            description = "Instead, time every op of each estimator's replayed VAE step alone (median of --steps "
                    + "replays after --warmup training steps) and print the N slowest ops and the time per op name "
                    + "(default N: 25)")
    Integer profile;

    @Option(names = "--json", description = "One JSON object per estimator on stdout")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        VaeSetup vaeSetup;
        try {
            vaeSetup = VaeSetup.parse(setup, latent);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (vaeSetup.binary() && spec.commandLine().getParseResult().hasMatchedOption("--latent")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--latent applies to the categorical setup "
                    + "only; " + vaeSetup.id() + " has Bernoulli latents");
        }
        int rows = batch != null ? batch : vaeSetup.binary() ? EstimatorDefaults.BINARY_BATCH : 100;
        if (rows < 1 || steps < 1 || warmup < 0 || threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--batch, --steps and --threads must be >= 1 and --warmup >= 0");
        }
        if (!backend.equals("cpu") && !backend.equals("cuda")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--backend must be cpu or cuda, got '"
                    + backend + "'");
        }
        if (dl4j && vaeSetup.binary()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dl4j times the categorical dl4j-vae "
                    + "network; --setup " + vaeSetup.id() + " is not available there");
        }
        if (profile != null && (dl4j || jmh || alone)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--profile times the vae step op by op; it "
                    + "excludes --dl4j, --jmh and --alone");
        }
        if (alone && (dl4j || jmh)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--alone times the vae step; it excludes "
                    + "--dl4j and --jmh");
        }
        if (profile != null && profile < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--profile must be >= 1 ops, got " + profile);
        }
        if (dl4j && jmh) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dl4j and --jmh exclude each other");
        }
        List<String> names = resolveNames();
        // a layer cannot run RELAX's default surrogate (it needs f at relaxed inputs): layers default to mlp;
        // binary setups: the official VAE code's surrogate, as vae's default there
        EstimatorConfig.SurrogateKind kind = dl4j ? EstimatorConfig.SurrogateKind.MLP
                : vaeSetup.binary() ? EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP
                : EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_MLP;
        if (surrogate != null) {
            try {
                kind = SurrogateOption.parse(surrogate, names);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (dl4j && kind != EstimatorConfig.SurrogateKind.MLP && kind != EstimatorConfig.SurrogateKind.MLP_OF_RELAXED) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--surrogate " + surrogate + " cannot run "
                        + "in a layer (--dl4j): use mlp or mlp-of-relaxed");
            }
        }
        Benchmarks.requireBackend(backend);
        Threads.apply(threads);
        Benchmarks bench = new Benchmarks(json);
        if (jmh) {
            bench.runJmh(names);
            return 0;
        }
        if (dl4j) {
            bench.runDl4j(names, kind, latent, rows, warmup, steps, threads, chart);
            return 0;
        }
        if (alone) {
            bench.runAlone(names, kind, vaeSetup, rows, warmup, steps, threads);
            return 0;
        }
        if (profile != null) {
            bench.runProfile(names, kind, vaeSetup, rows, warmup, steps, threads, profile);
            return 0;
        }
        bench.runVae(names, kind, vaeSetup, rows, warmup, steps, threads, chart);
        return 0;
    }

    private List<String> resolveNames() {
        List<String> names = new ArrayList<>();
        for (String e : estimators) {
            if (e.equals("all")) {
                for (String n : Estimators.names()) {
                    if (!names.contains(n) && !(dl4j && n.equals(NOT_IN_A_LAYER))) {
                        names.add(n);
                    }
                }
            } else if (!Estimators.names().contains(e)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown estimator '" + e + "'; known: "
                        + String.join(", ", Estimators.names()));
            } else if (dl4j && e.equals(NOT_IN_A_LAYER)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dl4j: estimator '" + e + "' cannot run "
                        + "in a layer (its control variate needs f at relaxed inputs)");
            } else {
                names.add(e);
            }
        }
        return names;
    }
}
