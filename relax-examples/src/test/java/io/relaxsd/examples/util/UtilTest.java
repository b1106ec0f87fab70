package io.relaxsd.examples.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UtilTest {
    @TempDir
    Path dir;

    @Test
    void atomicWriteReplacesAndAFailedWriteLeavesNothing() throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("two", Files.readString(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList());
        }
    }

    @Test
    void jsonKeepsKeyOrderAndRejectsNaN() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 1.5);
        m.put("a", new double[] {0.1, 2});
        assertEquals("{\"b\":1.5,\"a\":[0.1,2.0]}", Json.line(m));
        m.put("c", Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.line(m));
        assertTrue(e.getMessage().contains("'c'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.line(Map.of("v", new double[] {1, Double.POSITIVE_INFINITY})));
    }

    @Test
    void chartsWritePngsOfTheRequestedSize() throws IOException {
        Path line = dir.resolve("line.png");
        Charts.line(line, "t", "step", "loss", true, List.of(
                new Charts.Series("a", new double[] {1, 2, 3}, new double[] {3, 2, 1}),
                new Charts.Series("b", new double[] {1, 2, 3}, new double[] {1, 2, 4})));
        BufferedImage img = ImageIO.read(line.toFile());
        assertEquals(Charts.WIDTH, img.getWidth());
        assertEquals(Charts.HEIGHT, img.getHeight());
        Path grid = dir.resolve("grid.png");
        double[][] images = new double[3][4];
        images[1][0] = 1.0;
        Charts.imageGrid(grid, images, 2, 3, 2);
        BufferedImage g = ImageIO.read(grid.toFile());
        assertEquals(3 * (2 * 2 + 2), g.getWidth());
        assertEquals(2 * 2 + 2, g.getHeight());
        assertEquals(255, g.getRaster().getSample(6 + 1, 1, 0));   // image 1, pixel 0 is white
        assertEquals(0, g.getRaster().getSample(1, 1, 0));         // image 0, pixel 0 is black
        assertThrows(IllegalArgumentException.class, () -> Charts.line(dir.resolve("x.png"), "t", "x", "y", false,
                List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Charts.Series("bad", new double[2], new double[3]));
    }

    @Test
    void progressBarRendersRateAndEtaAndWritesOnlyToItsStream() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ProgressBar bar = ProgressBar.to(new PrintStream(buf, true), "epoch 1", 10, false)) {
            bar.status("loss 1.0");
            bar.step(10);
        }
        String s = buf.toString();
        assertTrue(s.startsWith("epoch 1 [" + "#".repeat(28) + "] 10/10"), s);
        assertTrue(s.contains("loss 1.0"), s);
        assertEquals("1:05", ProgressBar.formatSeconds(65));
        assertEquals("1:00:01", ProgressBar.formatSeconds(3601));
    }

    @Test
    void provenanceNamesVersionsAndExtras() {
        Map<String, Object> p = Provenance.collect(List.of("vae", "--seed", "3"), Map.of("seed", 3L));
        assertEquals("1.0.0-M2.1", p.get("dl4j_nd4j_version"));
        assertEquals(3L, p.get("seed"));
        assertArrayEquals(new Object[] {"vae", "--seed", "3"}, ((List<?>) p.get("command_line")).toArray());
    }
}
