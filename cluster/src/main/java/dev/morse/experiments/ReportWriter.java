package dev.morse.experiments;

import dev.morse.cluster.Json;
import dev.morse.cluster.SweepSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code report.md}: the claims and their verdicts first, then the setup (the spec as it ran), the
 * experiment's own sections (tables and plots), each verdict with its rule and evidence, the
 * caveats, and how to reproduce.
 */
final class ReportWriter {
    private ReportWriter() {}

    static String write(Experiment e, ExperimentResults r, Analysis a, Map<String, Object> record, double analysisSeconds) {
        Markdown md = new Markdown();
        md.line("# Experiment `" + e.name() + "`: " + e.title()).blank();
        md.p(e.summary());
        md.p("Source: " + e.source() + ".");
        md.p(String.format(Locale.ROOT, "Scale **%s** · %d tasks: %d done, %d failed, %d missing · %s · generated %s",
                r.scale(), r.tasks(), r.done(), r.failed(), r.missing(), timing(record, r, analysisSeconds),
                Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        if (!r.warnings().isEmpty()) {
            for (String w : r.warnings()) md.line("> **Warning:** " + w);
            md.blank();
        }
        if (r.missing() > 0) {
            md.line("> **Incomplete:** " + r.missing() + " of " + r.tasks() + " tasks have no result yet; every verdict below is "
                    + "therefore `inconclusive`; the rule's answer on the rows there are is kept as `rule_verdict` in its evidence. "
                    + "Rerun the same command to complete the sweep (committed tasks are skipped).").blank();
        }

        md.h2("Verdicts");
        List<List<String>> rows = new ArrayList<>();
        for (Verdict v : a.verdicts()) {
            Object s = v.evidence().get("summary");
            rows.add(List.of(Markdown.code(v.claim()), "**" + v.verdict() + "**", s == null ? "" : String.valueOf(s)));
        }
        md.table(List.of("claim", "verdict", "the numbers"), rows);
        md.p("`reproduced`: the numbers support the claim by the rule stated with it; `not_reproduced`: they contradict it; "
                + "`inconclusive`: they cannot tell (too few points, or an interval that straddles the threshold). "
                + "The rules were fixed before the runs; `verdicts.json` holds every number they used.");

        md.h2("Setup");
        setup(md, r.spec());

        md.line(a.body());

        md.h2("Verdicts in detail");
        for (Claim c : e.claims()) {
            Verdict v = a.verdicts().stream().filter(x -> x.claim().equals(c.id())).findFirst().orElseThrow();
            md.h3(Markdown.code(c.id()) + ": " + v.verdict());
            md.p("*Claim.* " + c.statement());
            md.p("*Rule.* " + c.rule());
            md.line("*Evidence* (`verdicts.json`):").blank();
            for (Map.Entry<String, Object> ev : v.evidence().entrySet()) {
                if (ev.getKey().equals("summary")) continue;
                md.bullet("`" + ev.getKey() + "`: " + evidenceText(ev.getValue()));
            }
            md.blank();
        }

        md.h2("Caveats");
        List<String> caveats = new ArrayList<>(a.caveats());
        caveats.add("Times are wall-clock times on the machine that ran the sweep; on a shared machine they are preliminary.");
        for (String c : caveats) md.bullet(c);
        md.blank();

        md.h2("Files and reproducing");
        md.line("```sh");
        md.line("bin/morse experiment run " + e.name() + " --scale " + r.scale() + " --out DIR   # a rerun into DIR runs only missing tasks");
        md.line("bin/morse experiment report DIR                                  # the analysis again (no Spark)");
        md.line("bin/morse sweep status DIR; bin/morse sweep report DIR            # the sweep's own views");
        md.line("```").blank();
        md.p("In this folder: `results.jsonl` and `results.parquet` (one row per task: its config, every step's outputs as "
                + "`step.field` columns), `tasks/<task_id>/` (each step's report, log and config; the config reruns the step by hand), "
                + "`verdicts.json`, `plots/`, `spec.json` (the spec as it ran) and `experiment.json` (scale, adaptations, run times).");
        return md.toString();
    }

    private static String timing(Map<String, Object> record, ExperimentResults r, double analysisSeconds) {
        StringBuilder sb = new StringBuilder();
        if (record.get("runs") instanceof List<?> runs && !runs.isEmpty() && runs.get(runs.size() - 1) instanceof Map<?, ?> last) {
            sb.append("last run: sweep ").append(last.get("sweep_seconds")).append(" s wall clock on ").append(last.get("master"))
                    .append(" (ran ").append(last.get("ran")).append(", skipped ").append(last.get("skipped")).append(")");
        }
        double taskSeconds = 0;
        for (Map<String, Object> row : r.rows()) {
            double t = Rows.num(row, "time.total");
            if (Double.isFinite(t)) taskSeconds += t;
        }
        if (sb.length() > 0) sb.append(", ");
        sb.append(String.format(Locale.ROOT, "%.0f s in tasks, analysis %.1f s", taskSeconds, analysisSeconds));
        return sb.toString();
    }

    /** Base options as JSON, each axis with its values, zip groups, steps. */
    static void setup(Markdown md, SweepSpec spec) {
        md.p("The sweep `" + spec.name() + "`: " + spec.size() + " tasks, each running the steps "
                + String.join(" → ", spec.steps().stream().map(s -> "`" + s.name() + "`").toList())
                + " with the options below (the keys of `bin/morse --config` files; `spec.json` in this folder is the whole spec).");
        md.line("- base options: `" + Json.write(spec.base()) + "`");
        Set<String> zipped = new HashSet<>();
        for (List<String> g : spec.zip()) zipped.addAll(g);
        for (Map.Entry<String, List<Object>> axis : spec.grid().entrySet()) {
            List<Object> values = axis.getValue();
            Set<String> distinct = new LinkedHashSet<>();
            for (Object v : values) distinct.add(v == null ? "(none)" : v instanceof String s ? s : Json.write(v));
            List<String> shown = new ArrayList<>(distinct);
            String list = shown.size() > 12 ? String.join(", ", shown.subList(0, 12)) + ", … (" + shown.size() + " distinct)"
                    : String.join(", ", shown);
            md.line("- `" + axis.getKey() + "`: " + list + (zipped.contains(axis.getKey()) ? " (zipped)" : ""));
        }
        for (List<String> g : spec.zip()) {
            md.line("- zipped together (walked in step, not crossed): " + String.join(", ", g.stream().map(x -> "`" + x + "`").toList())
                    + " — " + spec.grid().get(g.get(0)).size() + " tuples");
        }
        for (SweepSpec.Step s : spec.steps()) md.line("- step `" + s.name() + "`: `" + Json.write(s.options()) + "`");
        md.blank();
    }

    /** Evidence as text: numbers in the tables' format, lists and maps spelled out (verdicts.json keeps full precision). */
    static String evidenceText(Object v) {
        Object j = Verdict.jsonValue(v);
        if (j == null) return "–";
        if (j instanceof Double d) return Markdown.num(d);
        if (j instanceof Number || j instanceof Boolean) return String.valueOf(j);
        if (j instanceof String s) return s;
        if (j instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object o : l) parts.add(evidenceText(o));
            boolean simple = l.stream().allMatch(o -> o == null || o instanceof Number);
            return simple ? "[" + String.join(", ", parts) + "]" : String.join("; ", parts);
        }
        if (j instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            m.forEach((k, x) -> parts.add(k + ": " + (x instanceof Map<?, ?> ? "(" + evidenceText(x) + ")" : evidenceText(x))));
            return String.join(", ", parts);
        }
        return Json.write(j);
    }
}
