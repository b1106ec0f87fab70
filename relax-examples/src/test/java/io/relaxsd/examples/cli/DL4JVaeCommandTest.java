package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.relaxsd.examples.vae.Dl4jVaeRun;
import io.relaxsd.examples.vae.SyntheticDigits;
import io.relaxsd.examples.vae.VaeData;
import io.relaxsd.examples.vae.VaeReport;
import io.relaxsd.examples.vae.VaeRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DL4JVaeCommandTest {
    private static final VaeData.Split DATA = SyntheticDigits.split(200, 100);
    private static final String[] SMALL = {"--latent", "4x3", "--eval-batch", "100", "--json"};

    record Result(int exit, String out, String err) {
        List<JsonNode> json() throws Exception {
            List<JsonNode> l = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.startsWith("{")) {
                    l.add(new ObjectMapper().readTree(line));
                }
            }
            return l;
        }
    }

    static Result run(String... args) {
        return run(new DL4JVaeCommand((dir, cfg, o, v) -> DATA), args);
    }

    static Result run(Callable<Integer> command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = RelaxCli.withErrorHandlers(new CommandLine(command));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static void assertUsageError(Result r, String expected) {
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void badInputGivesOneLineAndExit2(@TempDir Path tmp) {
        assertUsageError(run("--latent", "8by16"), "latent must be CxL");
        assertUsageError(run("--estimator", "no-such-estimator"), "no-such-estimator");
        // the layers take REINFORCE and RELAX with surrogates that need f at D only
        assertUsageError(run("--estimator", "rebar"), "relaxed inputs");
        assertUsageError(run("--estimator", "relax", "--surrogate", "relaxed-loss-plus-mlp"), "cannot run in a layer");
        assertUsageError(run("--setup", "ternary"), "setup must be one of");
        assertUsageError(run("--optimizer", "sgd"), "optimizer must be radam or adam");
        assertUsageError(run("--batch", "0"), "batch must be >= 1");
        assertUsageError(run("--resume", tmp.resolve("nothing").toString()), "--resume: no such directory");
        assertUsageError(run("--resume", tmp.toString()), "not a dl4j-vae run directory");
    }

    /** The same JSON keys as {@code ./relax vae}: one object per epoch, then the summary. */
    @Test
    void jsonHasVaeKeysAndLossFalls() throws Exception {
        Result r = run(concat(SMALL, "--estimator", "st", "--epochs", "2", "--lr", "3e-3", "--batch", "10"));
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> objs = r.json();
        assertEquals(3, objs.size(), r.out());
        Result v = run(new VaeCommand((dir, cfg, o, verbose) -> DATA),
                concat(SMALL, "--estimator", "st", "--epochs", "1", "--batch", "50"));
        assertEquals(0, v.exit(), v.err());
        assertEquals(keys(v.json().get(0)), keys(objs.get(0)));
        assertEquals(keys(v.json().get(1)), keys(objs.get(2)));
        assertEquals(1, objs.get(0).get("epoch").asInt());
        assertEquals(20, objs.get(0).get("steps").asInt());
        assertTrue(objs.get(2).get("summary").asBoolean());
        assertEquals(objs.get(1).get("test_nelbo").asDouble(), objs.get(2).get("final_test_nelbo").asDouble(), 0.0);
        double e1 = objs.get(0).get("train_nelbo").asDouble();
        double e2 = objs.get(1).get("train_nelbo").asDouble();
        // at initialisation p ≈ 1/2 per pixel: ≈ 784 ln 2 = 543 nats plus a small KL
        assertTrue(e1 > 300 && e1 < 700, "epoch 1 -ELBO " + e1);
        assertTrue(e2 < e1 - 20, "train -ELBO " + e1 + " -> " + e2);
        assertTrue(objs.get(1).get("test_nelbo").asDouble() < objs.get(0).get("test_nelbo").asDouble(), r.out());
    }

    /** REINFORCE and RELAX layers train through fit(): the output loss publishes f(b) on the layers' channel. */
    @Test
    void scoreFunctionLayersTrain() throws Exception {
        for (String est : new String[] {"reinforce", "relax"}) {
            Result r = run(concat(SMALL, "--estimator", est, "--epochs", "2", "--lr", "3e-3", "--batch", "10"));
            assertEquals(0, r.exit(), est + ": " + r.err());
            List<JsonNode> objs = r.json();
            double e1 = objs.get(0).get("train_nelbo").asDouble();
            double e2 = objs.get(1).get("train_nelbo").asDouble();
            assertTrue(Double.isFinite(e2) && e2 < e1 - 5, est + ": train -ELBO " + e1 + " -> " + e2);
        }
    }

    /** A run stopped after epoch 1 and resumed to epoch 3 ends with exactly the uninterrupted run's numbers. */
    @Test
    void resumeGivesTheSameNumbers(@TempDir Path tmp) throws Exception {
        String[] common = concat(SMALL, "--estimator", "reinmax", "--seed", "3", "--batch", "50");
        Result full = run(concat(common, "--epochs", "3", "--out", tmp.resolve("full").toString()));
        assertEquals(0, full.exit(), full.err());
        Result part = run(concat(common, "--epochs", "1", "--out", tmp.resolve("killed").toString()));
        assertEquals(0, part.exit(), part.err());
        Result resumed = run("--resume", tmp.resolve("killed").toString(), "--epochs", "3", "--json");
        assertEquals(0, resumed.exit(), resumed.err());
        List<JsonNode> a = full.json();
        List<JsonNode> b = resumed.json();
        assertEquals(4, a.size(), full.out());
        assertEquals(4, b.size(), resumed.out());
        for (int i = 0; i < 3; i++) {
            assertEquals(a.get(i).get("train_nelbo").asDouble(), b.get(i).get("train_nelbo").asDouble(), 0.0, "epoch " + i);
            assertEquals(a.get(i).get("test_nelbo").asDouble(), b.get(i).get("test_nelbo").asDouble(), 0.0, "epoch " + i);
        }
        assertTrue(a.get(2).get("test_nelbo").asDouble() != a.get(1).get("test_nelbo").asDouble());
        Path killed = tmp.resolve("killed");
        for (String f : new String[] {VaeRun.METRICS_CSV, VaeRun.METRICS_JSON, VaeRun.CONFIG, Dl4jVaeRun.CHECKPOINT,
            VaeReport.PROVENANCE_JSON, VaeReport.NELBO_PNG, VaeReport.RECONSTRUCTIONS_PNG}) {
            assertTrue(Files.isRegularFile(killed.resolve(f)), f);
        }
        assertEquals(4, Files.readAllLines(killed.resolve(VaeRun.METRICS_CSV)).size());
        try (var files = Files.list(killed)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary files left");
        }
        // a fresh run into a directory that holds one is refused, and ./relax vae refuses to resume it
        assertUsageError(run(concat(common, "--epochs", "1", "--out", killed.toString())), "--resume");
        Result v = run(new VaeCommand((dir, cfg, o, verbose) -> DATA), "--resume", killed.toString());
        assertEquals(2, v.exit(), v.err());
        assertTrue(v.err().contains("relax dl4j-vae --resume"), v.err());
    }

    private static Set<String> keys(JsonNode n) {
        Set<String> s = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            s.add(it.next());
        }
        return s;
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
