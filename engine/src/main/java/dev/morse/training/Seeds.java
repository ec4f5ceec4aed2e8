package dev.morse.training;

/**
 * Independent random streams derived from one run seed: {@code derive(seed, purpose, index)} mixes
 * the three with SplitMix64's finalizer (Steele, Lea and Flood 2014), so the order of epoch 3
 * and the probes of step 3 come from unrelated streams, and each is recomputed from the counters
 * alone (no generator position to save in a checkpoint).
 */
public final class Seeds {
    private Seeds() {}

    /** Stream of epoch e's sample order (index: the epoch, 1-based). */
    public static final long SHUFFLE = 0x5348_5546_464C_4531L;
    /** Stream of step t's probes and noise for the penalties (index: the global step, 0-based). */
    public static final long STEP_PROBES = 0x5052_4F42_4553_5431L;
    /** Stream of the held-out split (index 0). */
    public static final long HOLDOUT = 0x484F_4C44_4F55_5431L;
    /** Stream of the curvature subset (index 0) and of its probes (index 1). */
    public static final long CURVATURE = 0x4355_5256_4154_5231L;

    /** A seed for stream (purpose, index) of the run seed. */
    public static long derive(long seed, long purpose, long index) {
        return mix(mix(seed ^ purpose) + index * 0x9E37_79B9_7F4A_7C15L);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
