package dev.morse.cluster;

import dev.morse.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * Tables and plots of a sweep's results, grouped by its grid axes. Reads the committed rows
 * ({@code DIR/tasks/<task_id>/result.json}) of the spec in {@code DIR}, so it works on a sweep that
 * is still running or was killed (its missing tasks count as missing, and so do damaged results,
 * which {@link #text} lists). No Spark.
 */
public final class SweepReport {
    private final Path dir;
    private final SweepSpec spec;
    private final List<SweepTask> tasks;
    private final List<Map<String, Object>> rowsByTask; // null where the task has no committed row

    private SweepReport(Path dir, SweepSpec spec, List<SweepTask> tasks, List<Map<String, Object>> rowsByTask) {
        this.dir = dir;
        this.spec = spec;
        this.tasks = tasks;
        this.rowsByTask = rowsByTask;
    }

    public static SweepReport load(Path dir) throws IOException {
        dir = dir.toAbsolutePath().normalize();
        List<SweepTask> tasks = SweepDir.tasks(dir);
        SweepSpec spec = SweepSpec.read(dir.resolve(SweepDir.SPEC));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SweepTask t : tasks) rows.add(SweepDir.result(dir, t.id()).orElse(null));
        return new SweepReport(dir, spec, tasks, rows);
    }

    public SweepSpec spec() { return spec; }

    /** The grid options, in the spec's order. */
    public List<String> axes() { return spec.axes(); }

    /** Tasks of the spec. */
    public int tasks() { return tasks.size(); }

    /** Tasks with no committed row when the report was loaded (the rows and this count are of one moment). */
    public int missing() {
        int m = 0;
        for (Map<String, Object> r : rowsByTask) if (r == null) m++;
        return m;
    }

    /** The committed rows, in the spec's task order. */
    public List<Map<String, Object>> rows() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rowsByTask) if (r != null) out.add(Collections.unmodifiableMap(r));
        return out;
    }

    /** Step output columns ({@code step.field}) whose values are all numbers (at least one). */
    public List<String> numericColumns() {
        Set<String> steps = new LinkedHashSet<>();
        for (SweepSpec.Step s : spec.steps()) steps.add(s.name());
        LinkedHashSet<String> cols = new LinkedHashSet<>();
        for (Map<String, Object> r : rows()) {
            for (Map.Entry<String, Object> e : r.entrySet()) {
                int dot = e.getKey().indexOf('.');
                if (dot > 0 && steps.contains(e.getKey().substring(0, dot)) && e.getValue() instanceof Number) cols.add(e.getKey());
            }
        }
        List<String> out = new ArrayList<>();
        for (String c : cols) {
            boolean all = true;
            for (Map<String, Object> r : rows()) {
                Object v = r.get(c);
                if (v != null && !(v instanceof Number)) { all = false; break; }
            }
            if (all) out.add(c);
        }
        return out;
    }

    /**
     * One group of tasks (equal values of the grouping axes) and a numeric column over its done
     * tasks: {@code n} values (NaN mean/min/max when none).
     */
    public record Group(Map<String, Object> key, int tasks, int done, int failed, int missing, int n,
                        double mean, double min, double max) {}

    /** Groups the tasks by {@code groupAxes} (values in the spec's order) and summarizes {@code column}. */
    public List<Group> groupBy(List<String> groupAxes, String column) {
        for (String a : groupAxes) checkAxis(a);
        Map<String, List<Integer>> members = new LinkedHashMap<>();
        // spec order of values: iterate the product of the axes' distinct values (one key, one group)
        List<List<Object>> keys = new ArrayList<>();
        keys.add(List.of());
        for (String a : groupAxes) {
            List<List<Object>> next = new ArrayList<>();
            for (List<Object> k : keys) {
                for (Object v : values(a)) {
                    List<Object> nk = new ArrayList<>(k);
                    nk.add(v);
                    next.add(nk);
                }
            }
            keys = next;
        }
        for (List<Object> k : keys) members.put(Json.canonical(k), new ArrayList<>());
        for (int i = 0; i < tasks.size(); i++) {
            List<Object> k = new ArrayList<>();
            for (String a : groupAxes) k.add(tasks.get(i).point().get(a));
            members.get(Json.canonical(k)).add(i);
        }
        List<Group> out = new ArrayList<>();
        int ki = 0;
        for (List<Integer> idx : members.values()) {
            List<Object> k = keys.get(ki++);
            if (idx.isEmpty()) continue; // a combination that zipped axes never give
            int done = 0, failed = 0, missing = 0, n = 0;
            double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (int i : idx) {
                Map<String, Object> r = rowsByTask.get(i);
                if (r == null) { missing++; continue; }
                if (!"done".equals(r.get("status"))) { failed++; continue; }
                done++;
                if (column != null && r.get(column) instanceof Number num) {
                    double v = num.doubleValue();
                    n++;
                    sum += v;
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            Map<String, Object> key = new LinkedHashMap<>();
            for (int j = 0; j < groupAxes.size(); j++) key.put(groupAxes.get(j), k.get(j));
            out.add(new Group(key, idx.size(), done, failed, missing, n,
                    n == 0 ? Double.NaN : sum / n, n == 0 ? Double.NaN : min, n == 0 ? Double.NaN : max));
        }
        return out;
    }

    /** {@link #groupBy} as a text table: the axes, tasks, done, failed, missing, then n, mean, min, max of {@code column}. */
    public String table(List<String> groupAxes, String column) {
        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(groupAxes);
        head.addAll(List.of("tasks", "done", "failed", "missing"));
        if (column != null) head.addAll(List.of("n", "mean " + column, "min", "max"));
        rows.add(head);
        for (Group g : groupBy(groupAxes, column)) {
            List<String> r = new ArrayList<>();
            for (Object v : g.key().values()) r.add(label(v));
            r.addAll(List.of(String.valueOf(g.tasks()), String.valueOf(g.done()), String.valueOf(g.failed()),
                    String.valueOf(g.missing())));
            if (column != null) r.addAll(List.of(String.valueOf(g.n()), num(g.mean()), num(g.min()), num(g.max())));
            rows.add(r);
        }
        return format(rows);
    }

    /** The mean of {@code column} in a grid of {@code rowAxis} × {@code colAxis} ({@code -} where no value). */
    public String pivot(String column, String rowAxis, String colAxis) {
        double[][] m = means(column, rowAxis, colAxis);
        List<Object> rv = values(rowAxis);
        List<Object> cv = values(colAxis);
        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>();
        head.add(rowAxis + " \\ " + colAxis);
        for (Object c : cv) head.add(label(c));
        rows.add(head);
        for (int i = 0; i < rv.size(); i++) {
            List<String> r = new ArrayList<>();
            r.add(label(rv.get(i)));
            for (int j = 0; j < cv.size(); j++) r.add(Double.isNaN(m[i][j]) ? "-" : num(m[i][j]));
            rows.add(r);
        }
        return "mean " + column + "\n" + format(rows);
    }

    /**
     * The default report: overall counts, counts by each axis, and for each numeric output column
     * its mean/min/max by each axis (marginals over the other axes).
     */
    public String text() throws IOException {
        StringBuilder sb = new StringBuilder(SweepStatus.of(dir).text());
        for (String col : numericColumns()) {
            for (String a : axes()) sb.append('\n').append(table(List.of(a), col));
        }
        return sb.toString();
    }

    /** The file a PNG named {@code png} goes to: the name, with ".png" added when it has another ending (as XChart does). */
    static Path pngFile(Path png) {
        return png.toString().toLowerCase(Locale.ROOT).endsWith(".png") ? png : Path.of(png + ".png");
    }

    /**
     * Refuses, before any work, a PNG that exists (unless {@code force}) or names a folder, with the
     * CLI's words for every output ("--png: refusing to overwrite FILE (it exists; pass --force to
     * replace it, or choose another name)").
     */
    public static void checkWritable(Path png, boolean force) {
        checkWritable(png, force, null);
    }

    /**
     * {@link #checkWritable(Path, boolean)} of the default file of option {@code defaultOf} (e.g.
     * {@code --heatmap}: DIR/heatmap-C.png), or of the file the user gave with {@code --png} when
     * null: a refusal names what the user gave, not a --png they did not pass.
     */
    public static void checkWritable(Path png, boolean force, String defaultOf) {
        Path file = pngFile(png);
        String option = defaultOf == null ? "--png" : defaultOf;
        if (Files.isDirectory(file)) throw new IllegalArgumentException(option + ": " + file + " is a folder; expected a file name to write");
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
            throw new IllegalArgumentException(option + ": refusing to overwrite " + file + (defaultOf == null
                    ? " (it exists; pass --force to replace it, or choose another name)"
                    : " (it exists: the default file of " + defaultOf + "; pass --force to replace it, or --png FILE to write another)"));
        }
    }

    /**
     * Writes the chart as a PNG atomically ({@link AtomicFiles#write(Path, byte[], boolean)}):
     * with {@code force} replacing the file, without it refusing one that appeared meanwhile, in the
     * words of {@link #checkWritable}. Never a half-written PNG under the name.
     */
    private static Path writePng(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png, boolean force) throws IOException {
        Path file = pngFile(png);
        checkWritable(file, force);
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
            AtomicFiles.write(file, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG), force);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            checkWritable(file, false);   // throws: it appeared meanwhile
            throw e;
        }
        return file;
    }

    /**
     * A heat map (PNG, XChart) of the mean of {@code column} over {@code xAxis} × {@code yAxis} (the
     * mean over the tasks' other axes, done tasks only; empty cells where none), optionally of
     * log10|value| (non-positive values then count as missing). Returns the file. An existing file
     * is refused unless {@code force} ({@link #writePng}).
     */
    public Path heatMap(String column, String xAxis, String yAxis, boolean log10, Path png) throws IOException {
        return heatMap(column, xAxis, yAxis, log10, png, false);
    }

    /** {@link #heatMap(String, String, String, boolean, Path)}, replacing an existing file when {@code force}. */
    public Path heatMap(String column, String xAxis, String yAxis, boolean log10, Path png, boolean force) throws IOException {
        checkWritable(png, force);
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        double[][] m = means(column, yAxis, xAxis, log10);
        List<Object> xv = values(xAxis);
        List<Object> yv = values(yAxis);
        List<String> xl = new ArrayList<>();
        for (Object v : xv) xl.add(label(v));
        List<String> yl = new ArrayList<>();
        for (Object v : yv) yl.add(label(v));
        List<Number[]> cells = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < yv.size(); i++) {
            for (int j = 0; j < xv.size(); j++) {
                if (Double.isNaN(m[i][j])) continue;
                cells.add(new Number[] {j, i, m[i][j]});
                lo = Math.min(lo, m[i][j]);
                hi = Math.max(hi, m[i][j]);
            }
        }
        if (cells.isEmpty()) throw new IllegalArgumentException("column '" + column + "' has no values to plot");
        String what = (log10 ? "log10 |" + column + "|" : column);
        HeatMapChart chart = new HeatMapChartBuilder().width(260 + 100 * xv.size()).height(160 + 50 * yv.size())
                .title(spec.name() + ": " + what + (axes().size() > 2 ? " (mean over other axes)" : ""))
                .xAxisTitle(xAxis).yAxisTitle(yAxis).build();
        chart.getStyler().setShowValue(true);
        double big = Math.max(Math.abs(lo), Math.abs(hi));
        double small = Double.POSITIVE_INFINITY;
        for (Number[] c : cells) if (c[2].doubleValue() != 0) small = Math.min(small, Math.abs(c[2].doubleValue()));
        chart.getStyler().setHeatMapValueDecimalPattern(big >= 1e4 || small < 1e-2 ? "0.##E0" : "0.###");
        chart.getStyler().setHeatMapDecimalValueFormatter(SweepReport::num);
        // the legend prints its ends in full: round them outwards to 3 significant digits
        chart.getStyler().setMin(round3(lo, false));
        chart.getStyler().setMax(hi == lo ? round3(lo, true) + 1 : round3(hi, true));
        chart.getStyler().setPlotContentSize(1.0);
        chart.addSeries(what, xl, yl, cells);
        return writePng(chart, png, force);
    }

    /**
     * The eigenvalues nearest zero of every done task (an array column such as
     * {@code morse.nearest_zero}): |λ| on a log axis against the task's number, λ &gt; 0 and λ &lt; 0
     * apart (an exact 0 at the bottom of the axis), and the task's zero threshold from
     * {@code tauColumn} (e.g. {@code morse.tau}; null for none) as a bar, so a task's nullity is the
     * count of its points under its bar. Returns the PNG file and, in {@code legend}, one line
     * per plotted task: its number and grid point. An existing file is refused unless
     * {@code force} ({@link #writePng}).
     */
    public Path nearZeroPlot(String column, String tauColumn, Path png, List<String> legend, boolean force) throws IOException {
        checkWritable(png, force);
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        List<Double> px = new ArrayList<>(), py = new ArrayList<>(), nx = new ArrayList<>(), ny = new ArrayList<>();
        List<Double> zx = new ArrayList<>(), tx = new ArrayList<>(), ty = new ArrayList<>();
        double smallest = Double.POSITIVE_INFINITY;
        boolean seen = false;
        int number = 0;
        for (int t = 0; t < tasks.size(); t++) {
            Map<String, Object> r = rowsByTask.get(t);
            if (r == null || !"done".equals(r.get("status"))) continue;
            if (r.containsKey(column)) seen = true;
            if (!(r.get(column) instanceof List<?> values) || values.isEmpty()) continue;
            number++;
            legend.add(number + ": " + Json.write(tasks.get(t).point()) + " (task " + tasks.get(t).id() + ")");
            for (Object o : values) {
                if (!(o instanceof Number n)) continue;
                double v = n.doubleValue();
                if (v == 0) zx.add((double) number);
                else if (v > 0) { px.add((double) number); py.add(v); }
                else { nx.add((double) number); ny.add(-v); }
                if (v != 0) smallest = Math.min(smallest, Math.abs(v));
            }
            if (tauColumn != null && r.get(tauColumn) instanceof Number tau && tau.doubleValue() > 0) {
                tx.add((double) number);
                ty.add(tau.doubleValue());
                smallest = Math.min(smallest, tau.doubleValue());
            }
        }
        if (!seen && !rows().isEmpty()) throw new IllegalArgumentException("no column '" + column + "' in the results");
        if (number == 0) throw new IllegalArgumentException("column '" + column + "' has no values to plot");
        double floor = Double.isFinite(smallest) ? Math.pow(10, Math.floor(Math.log10(smallest)) - 1) : 1e-300;
        XYChart chart = new XYChartBuilder().width(Math.max(700, 120 + 28 * number)).height(520)
                .title(spec.name() + ": |λ| nearest zero per task" + (tauColumn == null ? "" : " (bars: " + tauColumn + ")"))
                .xAxisTitle("task number (listed by sweep report --near-zero)").yAxisTitle("|λ|").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisMin(0.5);
        chart.getStyler().setXAxisMax(number + 0.5);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
        chart.getStyler().setMarkerSize(7);
        if (!px.isEmpty()) chart.addSeries("λ > 0", px, py).setMarkerColor(new java.awt.Color(31, 119, 180));
        if (!nx.isEmpty()) chart.addSeries("λ < 0", nx, ny).setMarkerColor(new java.awt.Color(214, 39, 40));
        if (!zx.isEmpty()) {
            List<Double> zy = new ArrayList<>();
            for (int i = 0; i < zx.size(); i++) zy.add(floor);
            chart.addSeries("λ = 0 (drawn at " + num(floor) + ")", zx, zy).setMarkerColor(java.awt.Color.GRAY);
        }
        if (!tx.isEmpty()) {
            XYSeries tau = chart.addSeries(tauColumn, tx, ty);
            tau.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.RECTANGLE);
            tau.setMarkerColor(new java.awt.Color(44, 160, 44));
        }
        return writePng(chart, png, force);
    }

    /** {@code v} rounded down (or up) to 3 significant digits. */
    static double round3(double v, boolean up) {
        if (v == 0 || !Double.isFinite(v)) return v;
        double scale = Math.pow(10, 2 - Math.floor(Math.log10(Math.abs(v))));
        double r = (up ? Math.ceil(v * scale) : Math.floor(v * scale)) / scale;
        return Double.parseDouble(String.format(Locale.ROOT, "%.3g", r));
    }

    private double[][] means(String column, String rowAxis, String colAxis) {
        return means(column, rowAxis, colAxis, false);
    }

    private double[][] means(String column, String rowAxis, String colAxis, boolean log10) {
        checkAxis(rowAxis);
        checkAxis(colAxis);
        if (rowAxis.equals(colAxis)) throw new IllegalArgumentException("two different axes needed, got " + rowAxis + " twice");
        List<Object> rv = values(rowAxis);
        List<Object> cv = values(colAxis);
        Map<String, Integer> ri = index(rv);
        Map<String, Integer> ci = index(cv);
        double[][] sum = new double[rv.size()][cv.size()];
        int[][] n = new int[rv.size()][cv.size()];
        boolean seen = false;
        for (int t = 0; t < tasks.size(); t++) {
            Map<String, Object> r = rowsByTask.get(t);
            if (r == null || !"done".equals(r.get("status"))) continue;
            if (r.containsKey(column)) seen = true;
            if (!(r.get(column) instanceof Number num)) continue;
            double v = num.doubleValue();
            if (log10) {
                if (v == 0) continue;
                v = Math.log10(Math.abs(v));
            }
            int i = ri.get(Json.canonical(tasks.get(t).point().get(rowAxis)));
            int j = ci.get(Json.canonical(tasks.get(t).point().get(colAxis)));
            sum[i][j] += v;
            n[i][j]++;
        }
        if (!seen && !rows().isEmpty()) {
            throw new IllegalArgumentException("no column '" + column + "' in the results (numeric ones: " + numericColumns() + ")");
        }
        double[][] m = new double[rv.size()][cv.size()];
        for (int i = 0; i < rv.size(); i++) for (int j = 0; j < cv.size(); j++) m[i][j] = n[i][j] == 0 ? Double.NaN : sum[i][j] / n[i][j];
        return m;
    }

    /** Position of each of {@code values} (distinct, as {@link #distinct} gives them) by its canonical JSON. */
    private static Map<String, Integer> index(List<Object> values) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) m.put(Json.canonical(values.get(i)), i);
        return m;
    }

    /** The distinct values of grid axis {@code a}, in the spec's order. */
    private List<Object> values(String a) {
        return distinct(spec.grid().get(a));
    }

    /**
     * {@code values} without repeats (equal canonical JSON), each at its first place. A zipped axis
     * may repeat a value ({@code activation: [relu, relu, gelu]} beside another axis); tables and
     * plots have one row or column per value, not per place in the list.
     */
    static List<Object> distinct(List<Object> values) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Object v : values) m.putIfAbsent(Json.canonical(v), v);
        return new ArrayList<>(m.values());
    }

    private void checkAxis(String a) {
        if (!spec.grid().containsKey(a)) throw new IllegalArgumentException("'" + a + "' is not a grid axis (axes: " + axes() + ")");
    }

    /** An axis value as a table label: strings as they are, anything else as JSON. */
    static String label(Object v) {
        return v instanceof String s ? s : Json.write(v);
    }

    static String num(double v) {
        if (Double.isNaN(v)) return "-";
        if (v == Math.rint(v) && Math.abs(v) < 1e9) return String.valueOf((long) v);
        double a = Math.abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e6) ? String.format(Locale.ROOT, "%.3e", v) : String.format(Locale.ROOT, "%.4g", v);
    }

    /** Left-aligned first column, right-aligned others, two spaces apart, a rule under the header. */
    static String format(List<List<String>> rows) {
        int cols = rows.get(0).size();
        int[] w = new int[cols];
        for (List<String> r : rows) for (int j = 0; j < cols; j++) w[j] = Math.max(w[j], r.get(j).length());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            List<String> r = rows.get(i);
            for (int j = 0; j < cols; j++) {
                if (j > 0) sb.append("  ");
                String s = r.get(j);
                String pad = " ".repeat(w[j] - s.length());
                sb.append(j == 0 ? s + pad : pad + s);
            }
            sb.append('\n');
            if (i == 0) {
                int total = 0;
                for (int x : w) total += x;
                sb.append("-".repeat(total + 2 * (cols - 1))).append('\n');
            }
        }
        return sb.toString().replaceAll(" +\n", "\n");
    }

    /** The committed row of one task, if any. */
    public Optional<Map<String, Object>> row(String taskId) {
        for (int i = 0; i < tasks.size(); i++) {
            if (tasks.get(i).id().equals(taskId)) return Optional.ofNullable(rowsByTask.get(i));
        }
        return Optional.empty();
    }
}
