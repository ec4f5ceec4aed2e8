package dev.morse.experiments.nme;

import dev.morse.cluster.SweepSpec;
import dev.morse.experiments.Experiment;

/** Package access for tests in other packages. */
public final class NmeTestAccess {
    private NmeTestAccess() {}

    public static Experiment.Prepared prepare(SweepSpec spec, String scale, String missing) {
        return NeglectedNme.prepare(spec, scale, missing);
    }
}
