package dev.morse.linalg;

/** Receives progress of a long computation: {@code done} of {@code total} units (e.g. columns of a dense matrix). */
@FunctionalInterface
public interface Progress {
    void update(long done, long total);
}
