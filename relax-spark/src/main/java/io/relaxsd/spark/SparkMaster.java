package io.relaxsd.spark;

import java.util.Locale;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark master URL as {@code --spark} takes it, checked before Spark starts: {@code local},
 * {@code local[N]}, {@code local[*]}, {@code local[N,F]} (N worker threads), {@code spark://HOST:PORT}
 * (several {@code HOST:PORT} separated by commas for a standby master), {@code yarn},
 * {@code k8s://[https://]HOST[:PORT]} or {@code mesos://HOST:PORT}. Local masters name their worker
 * count; a cluster's is known once the context has started (its default parallelism).
 */
record SparkMaster(String url, OptionalInt localWorkers) {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|[1-9][0-9]{0,5})(?:,[1-9][0-9]{0,5})?])?");
    private static final String HOST_PORT = "[A-Za-z0-9._-]+:[1-9][0-9]{0,4}";
    private static final Pattern STANDALONE = Pattern.compile("spark://" + HOST_PORT + "(," + HOST_PORT + ")*");
    private static final Pattern K8S = Pattern.compile("k8s://(https?://)?[A-Za-z0-9._-]+(:[1-9][0-9]{0,4})?");
    private static final Pattern MESOS = Pattern.compile("mesos://" + HOST_PORT);

    static SparkMaster parse(String url) {
        String u = url == null ? "" : url.strip();
        Matcher m = LOCAL.matcher(u);
        if (m.matches()) {
            int n = m.group(1) == null ? 1
                    : m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
            return new SparkMaster(u, OptionalInt.of(n));
        }
        if (STANDALONE.matcher(u).matches() || u.toLowerCase(Locale.ROOT).equals("yarn") || K8S.matcher(u).matches()
                || MESOS.matcher(u).matches()) {
            return new SparkMaster(u, OptionalInt.empty());
        }
        throw new IllegalArgumentException("--spark: malformed master URL '" + url + "' (expected local[N], local[*], "
                + "spark://HOST:PORT, yarn, k8s://HOST:PORT or mesos://HOST:PORT)");
    }

    /**
     * Each of {@code workers} trains on {@code batch / workers} examples per step.
     *
     * @throws IllegalArgumentException if the batch does not split into equal non-empty parts
     */
    static int examplesPerWorker(String url, int workers, int batch) {
        if (workers > batch) {
            throw new IllegalArgumentException("--spark " + url + ": " + workers + " workers for --batch " + batch
                    + "; every worker needs at least one example per step");
        }
        if (batch % workers != 0) {
            throw new IllegalArgumentException("--spark " + url + ": --batch " + batch + " does not split evenly over "
                    + workers + " workers; use a batch divisible by " + workers);
        }
        return batch / workers;
    }
}
