package dev.morse.io;

/** Test helpers of the io package for tests elsewhere. */
public final class NpyTestAccess {
    private NpyTestAccess() {}

    /** The bytes of a v1 .npy header with this dict (no data). */
    public static byte[] header(String dict) {
        return NpyTest.npy(dict, new byte[0]);
    }
}
