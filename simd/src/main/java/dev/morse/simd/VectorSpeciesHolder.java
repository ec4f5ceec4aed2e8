package dev.morse.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one place where a {@link VectorSpecies} is created. Kept apart from {@link VectorKernels}
 * so that {@link KernelProvider} can check that {@code jdk.incubator.vector} is readable before
 * this class (and with it the incubator module) is ever loaded: loading it on a JVM without
 * {@code --add-modules jdk.incubator.vector} fails with a {@link NoClassDefFoundError}.
 */
final class VectorSpeciesHolder {

    /** The widest double species the CPU and JVM support (256-bit on AVX2, 512-bit on AVX-512). */
    static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

    /** Doubles per vector. */
    static final int LANES = SPECIES.length();

    private VectorSpeciesHolder() {
    }

    /** Bit size of the preferred double species. */
    static int bitSize() {
        return SPECIES.vectorBitSize();
    }

    /** Name of the preferred double species, e.g. {@code "Species[double, 4, S_256_BIT]"}. */
    static String name() {
        return SPECIES.toString();
    }
}
