package dev.morse.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * The selection logic is driven through {@link KernelProvider#decide} with explicit inputs, so no
 * test mutates the JVM-global system property or the cached selection.
 */
class KernelProviderTest {

    /** A species probe that must not be consulted: touching it would load the Vector API. */
    private static final IntSupplier UNTOUCHABLE = () -> {
        throw new AssertionError("the vector species must not be touched here");
    };

    @Test
    void forcedScalarNeverTouchesTheVectorApi() {
        for (boolean present : new boolean[] {true, false}) {
            KernelProvider.Decision d = KernelProvider.decide("scalar", present, false, UNTOUCHABLE);
            assertEquals(KernelProvider.Backend.SCALAR, d.backend(), "-Dmorse.simd=scalar should select scalar");
            assertEquals("forced by -Dmorse.simd=scalar", d.reason(), "reason for forced scalar");
            assertNull(d.warning(), "a forced scalar backend is not worth a warning");
            assertEquals(0, d.bitSize(), "scalar has no vector bit size");
        }
    }

    @Test
    void autoWithoutTheModuleFallsBackWithOneWarningNamingTheFix() {
        for (String auto : new String[] {null, "auto", "", " AUTO "}) {
            KernelProvider.Decision d = KernelProvider.decide(auto, false, false, UNTOUCHABLE);
            assertEquals(KernelProvider.Backend.SCALAR, d.backend(), "auto without jdk.incubator.vector should select scalar");
            assertTrue(d.warning() != null && d.warning().contains("--add-modules jdk.incubator.vector"),
                    "the warning should name the fix, was: " + d.warning());
            assertTrue(d.reason().contains("not in the boot layer"), "reason should say why, was: " + d.reason());
        }
    }

    @Test
    void autoWithTheModuleSelectsVector() {
        KernelProvider.Decision d = KernelProvider.decide(null, true, false, () -> 256);
        assertEquals(KernelProvider.Backend.VECTOR, d.backend(), "auto with a 256-bit species should select vector");
        assertEquals("vector API present, 256-bit", d.reason(), "reason for auto vector");
        assertNull(d.warning(), "no warning expected when vector is selected");
        assertEquals(256, d.bitSize(), "bit size should be passed through");
    }

    @Test
    void autoWithASingleLaneSpeciesFallsBack() {
        KernelProvider.Decision d = KernelProvider.decide("auto", true, false, () -> 64);
        assertEquals(KernelProvider.Backend.SCALAR, d.backend(), "a 64-bit species (1 double lane) should select scalar");
        assertTrue(d.warning() != null && d.warning().contains("--add-modules jdk.incubator.vector"), "warning expected, was: " + d.warning());
    }

    @Test
    void autoSurvivesAVectorApiThatFailsToInitialize() {
        KernelProvider.Decision d = KernelProvider.decide("auto", true, false, () -> {
            throw new NoClassDefFoundError("jdk/incubator/vector/DoubleVector");
        });
        assertEquals(KernelProvider.Backend.SCALAR, d.backend(), "a LinkageError while probing should select scalar");
        assertTrue(d.reason().contains("NoClassDefFoundError"), "reason should carry the error, was: " + d.reason());
    }

    @Test
    void forcedVectorSelectsVectorOrFailsClearly() {
        KernelProvider.Decision d = KernelProvider.decide(" Vector", true, false, () -> 512);
        assertEquals(KernelProvider.Backend.VECTOR, d.backend(), "-Dmorse.simd=vector with the module should select vector");
        assertEquals("forced by -Dmorse.simd=vector, 512-bit", d.reason(), "reason for forced vector");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KernelProvider.decide("vector", false, false, UNTOUCHABLE),
                "-Dmorse.simd=vector without the module must not silently fall back");
        assertTrue(e.getMessage().contains("--add-modules jdk.incubator.vector"), "message should name the fix, was: " + e.getMessage());
        assertThrows(IllegalStateException.class, () -> KernelProvider.decide("vector", true, false, () -> 64),
                "-Dmorse.simd=vector with a single-lane species must fail");
    }

    @Test
    void autoAvoidsTheVectorApiWithoutAJit() {
        KernelProvider.Decision d = KernelProvider.decide(null, true, true, UNTOUCHABLE);
        assertEquals(KernelProvider.Backend.SCALAR, d.backend(), "auto under -Xint should select scalar");
        assertTrue(d.warning() != null && d.warning().contains("-Xint"), "warning should name -Xint, was: " + d.warning());
        KernelProvider.Decision forced = KernelProvider.decide("vector", true, true, () -> 256);
        assertEquals(KernelProvider.Backend.VECTOR, forced.backend(), "an explicit vector request is honoured under -Xint");
    }

    @Test
    void unknownValueWarnsAndBehavesLikeAuto() {
        KernelProvider.Decision d = KernelProvider.decide("fast", true, false, () -> 256);
        assertEquals(KernelProvider.Backend.VECTOR, d.backend(), "an unknown value should behave like auto");
        assertTrue(d.warning() != null && d.warning().contains("unknown -Dmorse.simd=fast"), "typo should be reported, was: " + d.warning());
    }

    @Test
    void thisTestJvmRunsTheVectorKernels() {
        // Surefire passes --add-modules jdk.incubator.vector and sets no morse.simd property.
        assertTrue(KernelProvider.vectorModulePresent(), "surefire should run with --add-modules jdk.incubator.vector");
        assertTrue(!KernelProvider.interpreterOnly(), "surefire should run with a JIT");
        assertInstanceOf(VectorKernels.class, KernelProvider.get(), "auto should select the vector kernels here");
        assertSame(KernelProvider.get(), KernelProvider.get(), "the selection should be cached");
        assertTrue(KernelProvider.vectorBitSize() >= 128, "vector bit size should be at least 128, was " + KernelProvider.vectorBitSize());
        assertTrue(KernelProvider.selectionReason().startsWith("vector API present"), "reason was: " + KernelProvider.selectionReason());
        assertTrue(KernelProvider.speciesName().contains("double"), "species name was: " + KernelProvider.speciesName());
        assertTrue(KernelProvider.get().name().startsWith("vector (DoubleVector "), "name was: " + KernelProvider.get().name());
        assertInstanceOf(ScalarKernels.class, KernelProvider.scalar(), "scalar() should be the scalar twin");
        assertEquals("scalar", KernelProvider.scalar().name(), "scalar name");
        assertSame(KernelProvider.vector(), KernelProvider.get(), "vector() and the auto choice should be one instance");
    }
}
