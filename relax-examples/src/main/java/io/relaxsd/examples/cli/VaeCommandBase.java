package io.relaxsd.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What {@code vae} and {@code dl4j-vae} share: the options for the categorical latent, the budget,
 * the data, the seed, threads and output (declared once, read by the commands as their own
 * fields), the data source, and the error contract: a failure while training is one line
 * {@code relax: ...} on stderr and exit code 1.
 */
abstract class VaeCommandBase implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Where the images come from: MNIST by default; tests pass in-memory data. */
    final VaeCommand.DataLoader loader;

    VaeCommandBase(VaeCommand.DataLoader loader) {
        this.loader = loader;
    }

    /** The command's work; usage errors are {@link CommandLine.ParameterException}s. */
    abstract int run() throws Exception;

    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } catch (IllegalStateException | IOException e) {
            spec.commandLine().getOut().flush();
            String msg = String.valueOf(e.getMessage());   // Spark's messages run over several lines
            spec.commandLine().getErr().println("relax: " + msg.lines().findFirst().orElse(msg));
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    @Option(names = "--latent", paramLabel = "CxL", description = "categorical latent: C categories x L variables (default: ${DEFAULT-VALUE})")
    String latent = "8x16";

    @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs = 10;

    @Option(names = "--lr", description = "learning rate (default: per estimator)")
    Double lr;

    @Option(names = "--binarize", description = "binary setups: threshold | dynamic (default: ${DEFAULT-VALUE})")
    String binarize = "dynamic";

    @Option(names = "--train-limit", paramLabel = "N", description = "use the first N training images (default: all)")
    int trainLimit;

    @Option(names = "--test-limit", paramLabel = "N", description = "use the first N test images (default: all)")
    int testLimit;

    @Option(names = "--eval-batch", paramLabel = "N", description = "rows per evaluation call (default: ${DEFAULT-VALUE})")
    int evalBatch = 1000;

    @Option(names = "--seed", description = "seed of weights, noise and data order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", description = "CPU threads for ND4J (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--data", paramLabel = "DIR", description = "MNIST directory (default: the cache, downloaded on first use)")
    Path data;

    @Option(names = "--json", description = "print one JSON object per epoch and a final summary")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "write metrics, plots, config, provenance and checkpoints here")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue a killed run from its last checkpoint (its saved options are used; --epochs may extend it)")
    Path resume;
}
