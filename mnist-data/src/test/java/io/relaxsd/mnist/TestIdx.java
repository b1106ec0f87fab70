package io.relaxsd.mnist;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Small, deterministic idx files and npm packages made by the tests themselves. */
final class TestIdx {
    private TestIdx() {
    }

    static byte[] images(int count) {
        byte[] raw = new byte[16 + count * 784];
        putInt(raw, 0, IdxReader.IMAGES_MAGIC);
        putInt(raw, 4, count);
        putInt(raw, 8, 28);
        putInt(raw, 12, 28);
        for (int i = 0; i < count * 784; i++) {
            raw[16 + i] = (byte) ((i * 37 + i / 784 * 11) % 256);
        }
        return raw;
    }

    static byte[] labels(int count) {
        byte[] raw = new byte[8 + count];
        putInt(raw, 0, IdxReader.LABELS_MAGIC);
        putInt(raw, 4, count);
        for (int i = 0; i < count; i++) {
            raw[8 + i] = (byte) (i % 10);
        }
        return raw;
    }

    /** The four files' contents: 30 training and 20 test examples. */
    static Map<MnistFile, byte[]> files() {
        Map<MnistFile, byte[]> m = new EnumMap<>(MnistFile.class);
        m.put(MnistFile.TRAIN_IMAGES, images(30));
        m.put(MnistFile.TRAIN_LABELS, labels(30));
        m.put(MnistFile.TEST_IMAGES, images(20));
        m.put(MnistFile.TEST_LABELS, labels(20));
        return m;
    }

    static Map<MnistFile, String> checksums(Map<MnistFile, byte[]> files) throws Exception {
        Map<MnistFile, String> m = new EnumMap<>(MnistFile.class);
        for (Map.Entry<MnistFile, byte[]> e : files.entrySet()) {
            m.put(e.getKey(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(e.getValue())));
        }
        return m;
    }

    static void write(Path dir, Map<MnistFile, byte[]> files, boolean gz) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<MnistFile, byte[]> e : files.entrySet()) {
            String name = e.getKey().fileName() + (gz ? ".gz" : "");
            Files.write(dir.resolve(name), gz ? IdxReader.gzip(e.getValue()) : e.getValue());
        }
    }

    /** A .tgz laid out like the npm package: package/data/NAME. */
    static byte[] npmPackage(Map<MnistFile, byte[]> files) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "package/package.json", "{}".getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<MnistFile, byte[]> e : files.entrySet()) {
            entry(tar, "package/data/" + e.getKey().fileName(), e.getValue());
        }
        tar.write(new byte[1024]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(tar.toByteArray());
        }
        return out.toByteArray();
    }

    private static void entry(ByteArrayOutputStream tar, String name, byte[] body) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        byte[] size = String.format("%011o", body.length).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, h, 124, size.length);
        h[156] = '0';
        tar.write(h);
        tar.write(body);
        tar.write(new byte[(512 - body.length % 512) % 512]);
    }

    /** An executable stand-in for npm running {@code script}. */
    static Path fakeNpm(Path dir, String script) throws IOException {
        Path f = dir.resolve("npm");
        Files.writeString(f, "#!/bin/sh\n" + script + "\n");
        f.toFile().setExecutable(true);
        return f;
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
