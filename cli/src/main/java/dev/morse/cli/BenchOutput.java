package dev.morse.cli;

import dev.morse.cli.BenchCommand.Machine;
import dev.morse.cli.BenchCommand.Timing;
import dev.morse.cli.BenchCommand.Warmup;
import dev.morse.engine.Evaluator;
import dev.morse.json.Json;
import dev.morse.linalg.BackendReport;
import dev.morse.linalg.DgemmCeiling;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code morse bench} writes once the timings are in: the table for people (machine, backend,
 * warm-up, one line per product with its median, GFLOP/s and fraction of the ceiling) and the
 * JSON document for machines, with every time.
 */
final class BenchOutput {

    private BenchOutput() {
    }

    /** The table on standard output; {@code k} is the block size of hvp_block, for the flop model's line. */
    static void printText(Machine m, BackendReport b, List<Timing> timings, double[] ceilings, double[] terms, Evaluator o, Warmup w, int k) {
        if (m.ceiling() == null) {
            System.out.printf(Locale.ROOT, "machine: %s, %d cores; ceiling %.1f GFLOP/s (--peak-gflops)%n", m.cpu(), m.cores(), m.givenGflops());
        } else {
            System.out.printf(Locale.ROOT, "machine: %s, %d cores; %s%n", m.cpu(), m.cores(), m.ceiling().describe());
            if (m.ceiling().measuredBusy()) {
                System.out.printf(Locale.ROOT, "  (the ceiling was measured with load average %.2f on %d cores: likely low, so the fractions"
                        + " below are high; rerun with --calibrate on a quiet machine)%n", m.ceiling().loadAverage(), m.cores());
            }
        }
        DgemmCeiling.Nominal n = m.nominal();
        System.out.printf(Locale.ROOT, "nominal FP64 peak %.1f GFLOP/s (information only: %s)%n", n.gflops(), n.formula());
        System.out.printf(Locale.ROOT, "backend: %s (%s), SIMD %s %s%n", b.linalgBackend(),
                b.openblasConfig() == null ? b.blasImplementation() : b.openblasConfig(), b.simdKernel(), b.vectorSpecies());
        if (w != null && w.rounds() > 0) {
            System.out.printf(Locale.ROOT, "warm-up: %d round(s) over all products, %.1f s, JIT %s%n", w.rounds(), w.seconds(),
                    w.jitMs() < 0 ? "not monitored" : (w.jitQuiet() ? "quiet at the end" : "STILL COMPILING at the cap (timings may be high)")
                            + " (" + w.jitMs() + " ms compiling)");
        }
        System.out.printf(Locale.ROOT, "%-14s %11s %10s %10s %9s %8s  %s%n", "product", "median ms", "min ms", "GFLOP", "GFLOP/s", "% ceil", "flop model");
        for (int i = 0; i < timings.size(); i++) {
            Timing t = timings.get(i);
            double frac = t.gflops() / ceilings[i];
            System.out.printf(Locale.ROOT, "%-14s %11.3f %10.3f %10.3f %9.2f %7.1f%%  %s%n", t.name(), t.medianMs(), t.minMs(),
                    t.flops() / 1e9, t.gflops(), 100 * frac, t.flopModel());
        }
        System.out.println("% ceil = GFLOP/s over the measured dgemm ceiling for the threads the product ran with"
                + " (min(all cores, threads × one thread)).");
        if (terms != null) {
            System.out.printf(Locale.ROOT, "flop model (dense-layer GEMM flops only): F = Σ 2·N·d_{l-1}·d_l = %.4g (one forward pass), "
                    + "F' = F - f_1 = %.4g, f_L = %.4g, k = %d, P = %d%n", terms[0], terms[1], terms[2], k, o.dim());
        }
    }

    /** The JSON document of --json: the config, the warm-up, the machine, the backend, the flop model and every time. */
    static String toJson(Map<String, Object> config, Machine m, BackendReport b, List<Timing> timings, double[] ceilings, double[] terms, Warmup w) {
        Json j = Json.pretty().beginObject();
        j.name("command").value("morse bench");
        j.name("config").beginObject();
        for (Map.Entry<String, Object> e : config.entrySet()) {
            j.name(e.getKey());
            Object v = e.getValue();
            if (v == null) j.nullValue();
            else if (v instanceof Double d) j.value(d);
            else if (v instanceof Number num) j.value(num.longValue());
            else j.value(v.toString());
        }
        j.endObject();
        if (w != null) {
            j.name("warmup_done").beginObject()
                    .name("rounds").value(w.rounds())
                    .name("seconds").value(w.seconds())
                    .name("jit_ms").value(w.jitMs())
                    .name("jit_quiet").value(w.jitQuiet())
                    .endObject();
        }
        DgemmCeiling.Result c = m.ceiling();
        DgemmCeiling.Nominal n = m.nominal();
        j.name("machine").beginObject()
                .name("cpu").value(m.cpu())
                .name("cores").value(m.cores())
                .name("ceiling_gflops").valueOrNull(c == null ? m.givenGflops() : c.allGflops())
                .name("ceiling_single_thread_gflops").valueOrNull(c == null ? Double.NaN : c.singleGflops())
                .name("ceiling_source").value(m.ceilingSource())
                .name("ceiling_measured_at").value(c == null ? null : c.measuredAt())
                .name("ceiling_load_average").valueOrNull(c == null ? Double.NaN : c.loadAverage())
                .name("ceiling_n").value(DgemmCeiling.N)
                .name("nominal_gflops").valueOrNull(n.gflops())
                .name("nominal_flops_per_cycle").value(n.flopsPerCycle())
                .name("nominal_formula").value(n.formula())
                .name("clock_mhz").valueOrNull(n.clockMhz())
                .name("vector_bits").value(n.vectorBits())
                .name("fma").value(n.fma())
                .endObject();
        j.name("backend").beginObject()
                .name("jdk").value(b.jdk())
                .name("linalg").value(b.linalgBackend())
                .name("blas").value(b.blasImplementation())
                .name("lapack").value(b.lapackImplementation())
                .name("blas_library").value(b.blasLibrary())
                .name("openblas_config").value(b.openblasConfig())
                .name("simd").value(b.simdKernel())
                .name("vector_species").value(b.vectorSpecies())
                .endObject();
        j.name("flop_model").beginObject()
                .name("description").value("dense-layer GEMM flops of Morse's algorithm (dev.morse.engine.FlopModel); "
                        + "F = sum_l 2 N d_{l-1} d_l, F' = F - f_1, f_L = last layer; eigh: dsyevd 4/3 n^3 + 2 n^3");
        if (terms != null) {
            j.name("F").value(terms[0]).name("F_prime").value(terms[1]).name("f_L").value(terms[2]);
        }
        j.endObject();
        j.name("products").beginObject();
        for (int i = 0; i < timings.size(); i++) {
            Timing t = timings.get(i);
            j.name(t.name()).beginObject()
                    .name("median_ms").value(t.medianMs())
                    .name("min_ms").value(t.minMs())
                    .name("gflops").value(t.gflops())
                    .name("ceiling_gflops").valueOrNull(ceilings[i])
                    .name("ceiling_fraction").valueOrNull(t.gflops() / ceilings[i])
                    .name("flops").value(t.flops())
                    .name("flop_model").value(t.flopModel());
            j.name("times_ms").beginArray();
            for (double x : t.timesMs()) j.value(x);
            j.endArray();
            j.name("cpu_ms").beginArray();   // process CPU time per call (all threads), null where not measured
            for (double x : t.cpuMs()) j.valueOrNull(x);
            j.endArray();
            j.endObject();
        }
        j.endObject();
        return j.endObject().toString();
    }
}
