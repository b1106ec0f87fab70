package io.relaxsd.examples.util;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar with rate and ETA on stderr. On a terminal it redraws one line; otherwise (CI,
 * pipes, {@code --json}) it prints a plain line at most every few seconds, or nothing when
 * {@code quiet}. Never writes to stdout, so JSON output stays clean.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 28;
    private static final long PLAIN_EVERY_NANOS = 10_000_000_000L;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean interactive;
    private final boolean quiet;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long done;
    private String suffix = "";

    private ProgressBar(String label, long total, PrintStream out, boolean interactive, boolean quiet) {
        this.label = label;
        this.total = Math.max(1, total);
        this.out = out;
        this.interactive = interactive;
        this.quiet = quiet;
    }

    /** A bar on stderr; interactive when a console is attached. */
    public static ProgressBar create(String label, long total, boolean quiet) {
        return new ProgressBar(label, total, System.err, System.console() != null, quiet);
    }

    /** For tests: explicit stream and mode. */
    static ProgressBar to(PrintStream out, String label, long total, boolean interactive) {
        return new ProgressBar(label, total, out, interactive, false);
    }

    /** Sets a short status shown after the bar, e.g. the running loss. */
    public void status(String text) {
        this.suffix = text;
    }

    public void step(long n) {
        done = Math.min(total, done + n);
        long now = System.nanoTime();
        long every = interactive ? 100_000_000L : PLAIN_EVERY_NANOS;
        if (!quiet && (now - lastDraw >= every || done == total)) {
            lastDraw = now;
            draw(now);
        }
    }

    String render(long now) {
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        double eta = rate > 0 ? (total - done) / rate : Double.NaN;
        int filled = (int) (WIDTH * done / total);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        return String.format(Locale.ROOT, "%s [%s] %d/%d %.1f/s ETA %s%s", label, bar, done, total, rate,
                Double.isNaN(eta) ? "?" : formatSeconds(eta), suffix.isEmpty() ? "" : " " + suffix);
    }

    private void draw(long now) {
        String line = render(now);
        if (interactive) {
            out.print("\r" + line + "\u001b[K");
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
    }

    @Override
    public void close() {
        if (!quiet && interactive) {
            out.print("\r\u001b[K");
            out.flush();
        }
    }
}
