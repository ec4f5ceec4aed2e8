package dev.morse.cluster;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One grid point of a sweep: what an executor runs.
 *
 * @param index  place in the spec's task order (0-based)
 * @param id     stable id: the first 16 hex digits of the SHA-256 of the canonical JSON of
 *               {@code {"config": config, "steps": steps, "morse_version": version}}
 * @param config base options then the grid point (insertion order)
 * @param point  the grid options alone, in the spec's axis order
 * @param steps  the steps to run, in order
 */
public record SweepTask(int index, String id, Map<String, Object> config, Map<String, Object> point,
                        List<SweepSpec.Step> steps) implements Serializable {
    public SweepTask {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        point = Collections.unmodifiableMap(new LinkedHashMap<>(point));
        steps = List.copyOf(steps);
    }
}
