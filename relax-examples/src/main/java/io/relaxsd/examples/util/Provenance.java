package io.relaxsd.examples.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where a result came from: software versions, machine, threads, seed, command line and the git
 * commit of the checkout if there is one. Recorded with every run (Tribuo-style provenance).
 */
public final class Provenance {
    /** The DL4J / ND4J release this project is built on. */
    public static final String DL4J_VERSION = "1.0.0-M2.1";

    private Provenance() {
    }

    /** The provenance map; {@code extra} entries (seed, config, data checksums) are appended. */
    public static Map<String, Object> collect(List<String> commandLine, Map<String, ?> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        String v = Provenance.class.getPackage().getImplementationVersion();
        m.put("relax_samediff_version", v == null ? "dev" : v);
        m.put("dl4j_nd4j_version", DL4J_VERSION);
        m.put("java_version", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        m.put("git_commit", gitCommit());
        m.put("timestamp", Instant.now().toString());
        m.put("command_line", commandLine);
        m.putAll(extra);
        return m;
    }

    /** The commit of the working directory's git checkout, or "unknown". */
    static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return new String(out, StandardCharsets.UTF_8).trim();
            }
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
