package io.relaxsd.mnist;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads idx files (LeCun's format): big-endian magic 0x00000801 (labels, {@value #LABELS_MAGIC})
 * or 0x00000803 (images, {@value #IMAGES_MAGIC}), the dimensions, then unsigned bytes. Plain or
 * gzip-compressed (detected by content). Every error names the file and what is wrong.
 */
public final class IdxReader {
    public static final int LABELS_MAGIC = 2049;
    public static final int IMAGES_MAGIC = 2051;

    private IdxReader() {
    }

    /** Images: count × rows × cols unsigned bytes. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    /** The raw (decompressed) bytes of a plain or gzip file. */
    public static byte[] rawBytes(Path file) {
        try (InputStream in = open(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new MnistDataException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    public static Images readImages(Path file) {
        return parseImages(file, rawBytes(file));
    }

    public static byte[] readLabels(Path file) {
        return parseLabels(file, rawBytes(file));
    }

    static Images parseImages(Path file, byte[] raw) {
        checkMagic(file, raw, IMAGES_MAGIC, 16);
        int count = intAt(raw, 4);
        int rows = intAt(raw, 8);
        int cols = intAt(raw, 12);
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new MnistDataException(file + ": bad image dimensions " + count + " x " + rows + " x " + cols);
        }
        long expected = 16L + (long) count * rows * cols;
        checkLength(file, raw, expected);
        byte[] pixels = new byte[count * rows * cols];
        System.arraycopy(raw, 16, pixels, 0, pixels.length);
        return new Images(count, rows, cols, pixels);
    }

    static byte[] parseLabels(Path file, byte[] raw) {
        checkMagic(file, raw, LABELS_MAGIC, 8);
        int count = intAt(raw, 4);
        if (count < 0) {
            throw new MnistDataException(file + ": bad label count " + count);
        }
        checkLength(file, raw, 8L + count);
        byte[] labels = new byte[count];
        System.arraycopy(raw, 8, labels, 0, count);
        for (int i = 0; i < count; i++) {
            if (labels[i] < 0 || labels[i] > 9) {
                throw new MnistDataException(file + ": label " + i + " is " + (labels[i] & 0xff) + ", not a digit 0-9");
            }
        }
        return labels;
    }

    private static void checkMagic(Path file, byte[] raw, int magic, int header) {
        if (raw.length < 4) {
            throw new MnistDataException(file + ": truncated file: " + raw.length + " bytes, no idx header");
        }
        int found = intAt(raw, 0);
        if (found != magic) {
            throw new MnistDataException(file + ": wrong magic number: expected " + magic + " ("
                    + (magic == IMAGES_MAGIC ? "images" : "labels") + "), found " + found);
        }
        if (raw.length < header) {
            throw new MnistDataException(file + ": truncated file: header needs " + header + " bytes, found "
                    + raw.length);
        }
    }

    private static void checkLength(Path file, byte[] raw, long expected) {
        if (raw.length != expected) {
            throw new MnistDataException(file + ": " + (raw.length < expected ? "truncated file" : "trailing bytes")
                    + ": expected " + expected + " bytes, found " + raw.length);
        }
    }

    private static int intAt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    /** Bytes of a gzip stream of {@code raw} (for tests and tools). */
    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }
}
