package io.relaxsd.examples.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Whether the CUDA backend can run here: a build with the {@code cuda} profile, an NVIDIA driver,
 * and a GPU whose compute capability ND4J 1.0.0-M2.1 has kernels for. ND4J 1.0.0-M2.1 ships SASS
 * for sm_37, 50, 52, 60, 61, 70, 75, 80 and 86 and no PTX; sm_87/89 run the sm_86 code (same major
 * version, newer minor), sm_90 and later cannot run it.
 */
public final class CudaSupport {
    static final Set<String> SHIPPED = Set.of("3.7", "5.0", "5.2", "6.0", "6.1", "7.0", "7.5", "8.0", "8.6");

    private CudaSupport() {
    }

    /** One GPU as nvidia-smi reports it. */
    record Gpu(String name, String driver, String computeCapability) {
    }

    /** The verdict: runnable, or one line saying why not. */
    record Verdict(boolean ok, String message, List<Gpu> gpus) {
    }

    /** Parses {@code nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader}. */
    static List<Gpu> parse(String csv) {
        List<Gpu> out = new ArrayList<>();
        for (String line : csv.strip().split("\n")) {
            String[] f = line.split(",");
            if (f.length >= 3) {
                out.add(new Gpu(f[0].trim(), f[1].trim(), f[2].trim()));
            }
        }
        return out;
    }

    /** The decision for a backend class name present or not, and nvidia-smi's output (null: none). */
    static Verdict decide(boolean cudaBackendOnClasspath, String nvidiaSmiCsv) {
        if (!cudaBackendOnClasspath) {
            return new Verdict(false, "this build has the CPU backend only; rebuild with 'mvn -Pcuda -DskipTests "
                    + "package' (downloads CUDA 11.6 + cuDNN 8.3, about 2.4 GB)", List.of());
        }
        if (nvidiaSmiCsv == null) {
            return new Verdict(false, "no CUDA device found (nvidia-smi is missing or reports no GPU)", List.of());
        }
        List<Gpu> gpus = parse(nvidiaSmiCsv);
        if (gpus.isEmpty()) {
            return new Verdict(false, "no CUDA device found (nvidia-smi is missing or reports no GPU)", gpus);
        }
        Gpu g = gpus.get(0);
        if (!runs(g.computeCapability())) {
            return new Verdict(false, String.format(Locale.ROOT, "GPU %s has compute capability %s (sm_%s); ND4J "
                    + "1.0.0-M2.1 ships kernels for sm_37..sm_86 only and cannot run on it", g.name(),
                    g.computeCapability(), g.computeCapability().replace(".", "")), gpus);
        }
        return new Verdict(true, String.format(Locale.ROOT, "GPU %s, driver %s, compute capability %s", g.name(),
                g.driver(), g.computeCapability()), gpus);
    }

    /**
     * Fails with one line unless the ND4J backend this build carries can load on this machine. A
     * CUDA-only build (-Pcuda) on a machine without a usable GPU would otherwise die inside ND4J
     * with a native-library stack trace. Touches no ND4J class.
     */
    public static void requireLoadableBackend() {
        if (cpuBackendOnClasspath()) {
            return;
        }
        Verdict v = decide(cudaBackendOnClasspath(), queryNvidiaSmi());
        if (!v.ok()) {
            throw new IllegalStateException(v.message());
        }
    }

    /** True if kernels for this compute capability exist (exactly, or same major with a lower minor). */
    static boolean runs(String cc) {
        if (SHIPPED.contains(cc)) {
            return true;
        }
        String[] p = cc.split("\\.");
        if (p.length != 2) {
            return false;
        }
        try {
            int major = Integer.parseInt(p[0]);
            int minor = Integer.parseInt(p[1]);
            for (int m = minor - 1; m >= 0; m--) {
                if (SHIPPED.contains(major + "." + m)) {
                    return major < 9;
                }
            }
        } catch (NumberFormatException e) {
            return false;
        }
        return false;
    }

    static boolean cudaBackendOnClasspath() {
        return onClasspath("org.nd4j.linalg.jcublas.JCublasBackend");
    }

    static boolean cpuBackendOnClasspath() {
        return onClasspath("org.nd4j.linalg.cpu.nativecpu.CpuBackend");
    }

    private static boolean onClasspath(String className) {
        try {
            Class.forName(className, false, CudaSupport.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** nvidia-smi's CSV, or null if it is missing or fails. */
    static String queryNvidiaSmi() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,driver_version,compute_cap",
                    "--format=csv,noheader").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
