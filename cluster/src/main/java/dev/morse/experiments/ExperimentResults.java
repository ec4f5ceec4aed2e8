package dev.morse.experiments;

import dev.morse.cluster.SweepDir;
import dev.morse.cluster.SweepReport;
import dev.morse.cluster.SweepSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an analysis reads: the committed rows of the experiment's sweep (in the spec's task order;
 * a sweep that is incomplete or still running gives the rows it has), how many tasks are missing,
 * the scale, the warnings of {@link Experiment#prepare}, and where plots go.
 */
public final class ExperimentResults {
    private final Path dir;
    private final String scale;
    private final SweepSpec spec;
    private final List<Map<String, Object>> rows;
    private final int tasks;
    private final List<String> warnings;

    public ExperimentResults(Path dir, String scale, SweepSpec spec, List<Map<String, Object>> rows, int tasks, List<String> warnings) {
        this.dir = dir;
        this.scale = scale;
        this.spec = spec;
        this.rows = List.copyOf(rows);
        this.tasks = tasks;
        this.warnings = List.copyOf(warnings);
    }

    /** The rows committed in the sweep folder {@code dir}. */
    public static ExperimentResults load(Path dir, String scale, List<String> warnings) throws IOException {
        SweepReport r = SweepReport.load(dir);
        return new ExperimentResults(dir.toAbsolutePath().normalize(), scale, r.spec(), r.rows(),
                SweepDir.tasks(dir).size(), warnings);
    }

    public Path dir() { return dir; }
    public String scale() { return scale; }
    public SweepSpec spec() { return spec; }
    public List<Map<String, Object>> rows() { return rows; }
    public int tasks() { return tasks; }
    public int missing() { return tasks - rows.size(); }
    public List<String> warnings() { return warnings; }

    /** {@code DIR/plots}, created on first use. */
    public Path plotsDir() throws IOException {
        Path p = dir.resolve("plots");
        Files.createDirectories(p);
        return p;
    }

    /** {@code DIR/plots/NAME.png}. */
    public Path plot(String name) throws IOException {
        return plotsDir().resolve(name + ".png");
    }

    /** The committed folder of a row's task ({@code DIR/tasks/<task_id>}). */
    public Path taskDir(Map<String, Object> row) {
        return dir.resolve(SweepDir.TASKS).resolve(String.valueOf(row.get("task_id")));
    }

    public long done() { return rows.stream().filter(Rows::done).count(); }

    public long failed() { return rows.size() - done(); }
}
