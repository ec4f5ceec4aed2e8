package dev.morse.experiments;

import dev.morse.experiments.benign.BenignLandscape;
import dev.morse.experiments.nme.NeglectedNme;
import dev.morse.experiments.regularizers.MorseRegularizers;
import dev.morse.experiments.weightdecay.WeightDecayZeros;
import java.util.ArrayList;
import java.util.List;

/** The experiments Morse bundles, in the order of {@code ../shared/RESEARCH.md}. */
public final class Experiments {
    private Experiments() {}

    public static List<Experiment> all() {
        return List.of(new WeightDecayZeros(), new MorseRegularizers(), new NeglectedNme(), new BenignLandscape());
    }

    /** The experiment of that name; the message lists the names otherwise. */
    public static Experiment byName(String name) {
        List<String> names = new ArrayList<>();
        for (Experiment e : all()) {
            if (e.name().equals(name)) return e;
            names.add(e.name());
        }
        throw new IllegalArgumentException("unknown experiment '" + name + "'; the experiments: " + String.join(", ", names)
                + " ('morse experiment list' describes them)");
    }
}
