package io.relaxsd.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CUDA verdict: build, driver and compute capability, each refused in one line. */
class CudaSupportTest {

    @ParameterizedTest
    @CsvSource({"3.7, true", "6.1, true", "8.6, true", "8.7, true", "8.9, true", "9.0, false", "12.0, false",
            "3.5, false", "7.2, true", "x.y, false", "8, false"})
    void knowsWhichComputeCapabilitiesHaveKernels(String cc, boolean runs) {
        assertEquals(runs, CudaSupport.runs(cc), cc);
    }

    @Test
    void parsesNvidiaSmi() {
        List<CudaSupport.Gpu> gpus = CudaSupport.parse("NVIDIA A100-SXM4-40GB, 535.104.05, 8.0\nTesla T4, 535.104.05, 7.5\n");
        assertEquals(List.of(new CudaSupport.Gpu("NVIDIA A100-SXM4-40GB", "535.104.05", "8.0"),
                new CudaSupport.Gpu("Tesla T4", "535.104.05", "7.5")), gpus);
    }

    @Test
    void decidesInOneLine() {
        CudaSupport.Verdict cpuBuild = CudaSupport.decide(false, "Tesla T4, 535.1, 7.5");
        assertFalse(cpuBuild.ok());
        assertTrue(cpuBuild.message().startsWith("this build has the CPU backend only"), cpuBuild.message());

        CudaSupport.Verdict noGpu = CudaSupport.decide(true, null);
        assertFalse(noGpu.ok());
        assertEquals("no CUDA device found (nvidia-smi is missing or reports no GPU)", noGpu.message());

        CudaSupport.Verdict hopper = CudaSupport.decide(true, "NVIDIA H100 80GB HBM3, 550.54.15, 9.0");
        assertFalse(hopper.ok());
        assertEquals("GPU NVIDIA H100 80GB HBM3 has compute capability 9.0 (sm_90); ND4J 1.0.0-M2.1 ships kernels "
                + "for sm_37..sm_86 only and cannot run on it", hopper.message());

        CudaSupport.Verdict t4 = CudaSupport.decide(true, "Tesla T4, 535.104.05, 7.5");
        assertTrue(t4.ok());
        assertEquals("GPU Tesla T4, driver 535.104.05, compute capability 7.5", t4.message());
        assertFalse(t4.message().contains("\n"));
    }

    @Test
    void thisCpuBuildRefusesCudaAndAcceptsCpu() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Benchmarks.requireBackend("cuda"));
        assertTrue(e.getMessage().startsWith("this build has the CPU backend only"), e.getMessage());
        Benchmarks.requireBackend("cpu");
    }
}
