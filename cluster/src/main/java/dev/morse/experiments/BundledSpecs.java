package dev.morse.experiments;

import dev.morse.cluster.SweepSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The sweep specs bundled with the experiments, one per experiment and scale, under
 * {@code experiments/<name>/<scale>.json} on the class path. Kept apart from {@link Experiments}
 * (the registry, which knows every experiment) so that an experiment can read its own spec without
 * depending on the registry that lists it.
 */
public final class BundledSpecs {
    private BundledSpecs() {}

    /** The scales every experiment bundles: tiny (the test suite), quick (≤ 10 minutes on two cores), full (a cluster). */
    public static final List<String> SCALES = List.of("tiny", "quick", "full");

    /** Refuses a scale that is not bundled, naming the ones that are. */
    public static void checkScale(String scale) {
        if (!SCALES.contains(scale)) {
            throw new IllegalArgumentException("--scale " + scale + ": expected one of " + String.join(", ", SCALES));
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
        try (InputStream in = BundledSpecs.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("bundled spec " + path + " is missing from the class path (a broken build)");
            return SweepSpec.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), path);
        }
    }
}
