package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The measured dgemm ceiling: measured once, cached per machine and backend, read back. */
class DgemmCeilingTest {

    @TempDir
    Path tmp;

    @Test
    void measuresOnceThenReadsTheCache() {
        String old = System.getProperty(MorseCache.PROPERTY);
        System.setProperty(MorseCache.PROPERTY, tmp.toString());
        try {
            assertTrue(DgemmCeiling.cached().isEmpty(), "nothing cached yet, and cached() does not measure");
            assertTrue(DgemmCeiling.cached().isEmpty());
            DgemmCeiling.Result m = DgemmCeiling.measure();
            assertFalse(m.cached());
            assertEquals(m.allGflops(), DgemmCeiling.cached().orElseThrow().allGflops(), "cached() reads what measure() wrote");
            assertTrue(m.singleGflops() > 0 && m.allGflops() >= m.singleGflops(), "all ≥ single > 0: " + m);
            assertEquals(Runtime.getRuntime().availableProcessors(), m.cores());
            assertNotNull(m.file(), "written to the cache");
            assertTrue(m.file().startsWith(tmp.resolve("ceiling")), m.file().toString());
            assertTrue(m.seconds() < 60, "a few seconds: " + m.seconds());

            // At the load it was measured at: a busy measurement followed by a quiet moment would
            // (rightly) be measured again, which made this test fail right after a build's load.
            DgemmCeiling.Result c = DgemmCeiling.get(m.loadAverage());
            assertTrue(c.cached(), "the second call reads the cache");
            assertEquals(m.singleGflops(), c.singleGflops());
            assertEquals(m.allGflops(), c.allGflops());
            assertEquals(m.measuredAt(), c.measuredAt());
            assertEquals(c.singleGflops(), c.forThreads(1), "one thread: the single-thread ceiling");
            assertEquals(c.allGflops(), c.forThreads(1000), "more threads than cores: the all-core ceiling");
            assertTrue(c.describe().contains("cached from"), c.describe());
        } finally {
            if (old == null) {
                System.clearProperty(MorseCache.PROPERTY);
            } else {
                System.setProperty(MorseCache.PROPERTY, old);
            }
        }
    }

    @Test
    void aFileForAnotherKeyOrGarbledIsIgnored() throws Exception {
        Path f = tmp.resolve("c.properties");
        Files.writeString(f, "key=another machine\nn=" + DgemmCeiling.N + "\nsingle_gflops=1\nall_gflops=2\ncores=2\n");
        assertNull(DgemmCeiling.read(f, "this machine"), "another key");
        assertNotNull(DgemmCeiling.read(f, "another machine"), "its own key");
        Files.writeString(f, "key=this machine\nn=" + DgemmCeiling.N + "\nsingle_gflops=oops\n");
        assertNull(DgemmCeiling.read(f, "this machine"), "garbled: measured again");
        assertNull(DgemmCeiling.read(tmp.resolve("absent"), "this machine"));
    }

    @Test
    void aCeilingMeasuredOnABusyMachineIsReplacedWhenQuiet() {
        assertTrue(DgemmCeiling.busy(10.33, 2), "load 10.3 on 2 cores is busy");
        assertTrue(DgemmCeiling.busy(3.5, 2), "others want more than half the cores again");
        assertFalse(DgemmCeiling.busy(2.0, 2), "Morse's own two workers just before are not 'busy'");
        assertFalse(DgemmCeiling.busy(20, 16));
        assertTrue(DgemmCeiling.busy(25, 16));
        assertFalse(DgemmCeiling.busy(Double.NaN, 2), "no /proc/loadavg: trust the measurement");
        DgemmCeiling.Result busyOne = new DgemmCeiling.Result(30, 32, 32, 24, 2, DgemmCeiling.N, "k", "t", 10.33, 3, null, true);
        DgemmCeiling.Result quietOne = new DgemmCeiling.Result(70, 120, 120, 110, 2, DgemmCeiling.N, "k", "t", 1.9, 1, null, true);
        assertTrue(DgemmCeiling.stale(busyOne, 0.8), "measured busy, quiet now: measure again");
        assertFalse(DgemmCeiling.stale(busyOne, 5.0), "still busy: keep it (a new one would be as low)");
        assertFalse(DgemmCeiling.stale(quietOne, 0.8), "measured quiet: keep it");
        assertFalse(DgemmCeiling.stale(null, 0.8), "nothing cached: measured anyway, not 'stale'");
        assertTrue(busyOne.measuredBusy());
        assertFalse(quietOne.measuredBusy());
    }

    @Test
    void keyNamesCpuCoresBackendAndLibrary() {
        String key = DgemmCeiling.key();
        assertTrue(key.startsWith(DgemmCeiling.cpuModel() + " | " + Runtime.getRuntime().availableProcessors() + " cores | "
                + Linalg.get().backend().name() + " | "), key);
        if (Linalg.get().backend() == Linalg.Backend.NATIVE && OpenBlas.available()) {
            assertTrue(key.contains(OpenBlas.config()), "the OpenBLAS version and kernels: " + key);
        }
    }

    @Test
    void nominalPeakIsInformationWithItsAssumptions() {
        DgemmCeiling.Nominal n = DgemmCeiling.nominal();
        int lanes = Math.max(1, n.vectorBits() / 64);
        assertEquals(n.fmaUnits() * lanes * ("no".equals(n.fma()) ? 1 : 2), n.flopsPerCycle());
        assertTrue(n.formula().contains("assumed") && n.formula().contains(n.vectorBits() + "-bit"), n.formula());
        if (!Double.isNaN(n.clockMhz())) {
            assertEquals(n.cores() * n.flopsPerCycle() * n.clockMhz() / 1000, n.gflops(), 1e-9);
        }
    }
}
