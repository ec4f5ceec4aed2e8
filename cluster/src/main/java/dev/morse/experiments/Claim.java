package dev.morse.experiments;

/**
 * A claim an experiment tests.
 *
 * @param id        the id in {@code verdicts.json} (e.g. {@code l2-removes-zeros})
 * @param statement what the literature says, in one sentence
 * @param rule      how the verdict is decided from the numbers, fixed in advance
 */
public record Claim(String id, String statement, String rule) {}
