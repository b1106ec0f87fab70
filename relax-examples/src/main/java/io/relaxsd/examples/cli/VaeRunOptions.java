package io.relaxsd.examples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options {@code vae} and {@code dl4j-vae} share: the categorical latent, the budget, the data,
 * the seed, threads and output. Both commands extend it, so each option is declared once and the
 * commands read the fields as their own.
 */
abstract class VaeRunOptions {
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
