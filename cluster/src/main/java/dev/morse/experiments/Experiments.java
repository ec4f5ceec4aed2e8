package dev.morse.experiments;

import dev.morse.cluster.SweepSpec;
import dev.morse.experiments.benign.BenignLandscape;
import dev.morse.experiments.nme.NeglectedNme;
import dev.morse.experiments.regularizers.MorseRegularizers;
import dev.morse.experiments.weightdecay.WeightDecayZeros;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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

    /** Refuses a scale that is not bundled, naming the ones that are. */
    public static void checkScale(String scale) {
        if (!Experiment.SCALES.contains(scale)) {
            throw new IllegalArgumentException("--scale " + scale + ": expected one of " + String.join(", ", Experiment.SCALES));
        }
    }

    /** The resource path of a bundled spec: {@code experiments/<name>/<scale>.json}. */
    public static String resource(String name, String scale) {
        return "experiments/" + name + "/" + scale + ".json";
    }

    /** Reads and parses the bundled spec of {@code name} at {@code scale}. */
    public static SweepSpec bundledSpec(String name, String scale) throws IOException {
        checkScale(scale);
        String path = resource(name, scale);
        try (InputStream in = Experiments.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("bundled spec " + path + " is missing from the class path (a broken build)");
            return SweepSpec.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), path);
        }
    }
}
