package dev.morse.io;

/** {@link ReadersFuzzTest}'s allocation check for fuzz tests in other packages. */
public final class ReadersFuzzTestHook {
    private ReadersFuzzTestHook() {}

    /** Runs {@code r}, allowing input errors, within the budget of an input of {@code length} bytes. */
    public static void within(long length, Runnable r) {
        ReadersFuzzTest.within(ReadersFuzzTest.PER_BYTE * length + ReadersFuzzTest.SLACK, r);
    }
}
