package dev.morse.bench;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.OpenBlas;

/** Prints the OpenBLAS file this build loads (bench/before-after points an older build at the same file). */
public final class BlasPath {
    private BlasPath() {}

    public static void main(String[] args) {
        if (Linalg.get().backend() != Linalg.Backend.NATIVE) throw new IllegalStateException("native BLAS is not loaded: " + Linalg.get().selectionReason());
        System.out.println(OpenBlas.libraryPath().orElseThrow(() -> new IllegalStateException("no OpenBLAS library path")));
    }
}
