package dev.morse.linalg;

import dev.morse.simd.KernelProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The measured FP64 ceiling of this machine: the best rate of a square {@code dgemm} on the
 * backend in use ({@link Linalg#get()}), with one thread and with all cores, cached per machine.
 * Benchmarks report their GFLOP/s as a fraction of it instead of a nominal peak that rests on
 * assumptions about FMA units and clocks (16 flop/cycle gave 139 % on an AVX-512 machine).
 *
 * <p><b>Measurement</b> ({@value #N}×{@value #N}, about 2 GFLOP a call, a few seconds in all):
 * <ul>
 *   <li>{@code single}: one thread, OpenBLAS set to one thread; the best of repeated calls after
 *       a warm-up;</li>
 *   <li>{@code all}: the better of (a) one independent single-threaded dgemm per core, all at
 *       once (how Morse's engine uses the cores: one worker per core, BLAS at one thread), total
 *       flops over wall time; and (b) with native OpenBLAS, one dgemm with OpenBLAS at
 *       {@code cores} threads (how a dense eigendecomposition uses them).</li>
 * </ul>
 * The best rate, not the median: a ceiling is what the machine can do. A busy machine measures a
 * low ceiling, which then flatters every fraction: the cache records the load average at the
 * time, {@code bench --calibrate} measures again.
 *
 * <p><b>Cache</b>: {@code <cache root>/ceiling/dgemm-<hash>.properties} ({@link MorseCache}),
 * keyed by {@link #key()}: CPU model, core count, backend and library (OpenBLAS version, source and
 * kernels; or the Java fallback's SIMD species and JDK).
 */
public final class DgemmCeiling {

    /** Matrix order of the calibration dgemm. */
    public static final int N = 1024;

    private static final Logger LOG = Logger.getLogger(DgemmCeiling.class.getName());

    /** Each phase stops after this long (after at least {@link #MIN_REPS} calls). */
    private static final long PHASE_NANOS = 700_000_000L;

    private static final int MIN_REPS = 3;

    private DgemmCeiling() {
    }

    /**
     * A measured ceiling.
     *
     * @param singleGflops    best GFLOP/s of one thread
     * @param allGflops       best GFLOP/s with all cores ({@code max(workersGflops, blasThreadsGflops)})
     * @param workersGflops   total GFLOP/s of one single-threaded dgemm per core, run together
     * @param blasThreadsGflops GFLOP/s of one dgemm with OpenBLAS at {@code cores} threads, or NaN (not OpenBLAS)
     * @param cores           the cores used for {@code all}
     * @param n               matrix order
     * @param key             the machine/backend key (see {@link #key()})
     * @param measuredAt      when it was measured (ISO-8601, UTC)
     * @param loadAverage     the 1-minute load average just before measuring ({@code /proc/loadavg}), or NaN
     * @param seconds         how long the measurement took
     * @param file            the cache file, or null when it could not be written
     * @param cached          whether this result was read from the cache rather than measured now
     */
    public record Result(double singleGflops, double allGflops, double workersGflops, double blasThreadsGflops,
                         int cores, int n, String key, String measuredAt, double loadAverage, double seconds,
                         Path file, boolean cached) {

        /**
         * The ceiling for t threads: {@code min(all, t × single)} (a worker per thread up to the
         * cores; more threads than cores gain nothing).
         */
        public double forThreads(int t) {
            return Math.min(allGflops, Math.max(1, t) * singleGflops);
        }

        /** Whether it was measured on a busy machine ({@link DgemmCeiling#busy}): probably low. */
        public boolean measuredBusy() {
            return busy(loadAverage, cores);
        }

        /** One line for reports. */
        public String describe() {
            return String.format(Locale.ROOT, "measured dgemm ceiling %.1f GFLOP/s with %d core(s), %.1f with one thread "
                    + "(n=%d, %s %s%s)", allGflops, cores, singleGflops, n, cached ? "cached from" : "measured", measuredAt,
                    Double.isNaN(loadAverage) ? "" : String.format(Locale.ROOT, ", load average %.2f then", loadAverage));
        }
    }

    /**
     * The nominal FP64 peak, for information only: cores × FMA units × lanes × (2 with FMA) ×
     * clock. FMA units per core are assumed to be 2 (not detectable); lanes come from the Vector
     * API species; the clock is the largest "cpu MHz" in {@code /proc/cpuinfo}.
     *
     * @param gflops     the figure, NaN without a clock
     * @param cores      cores counted
     * @param vectorBits the Vector API species' width (0: scalar, counted as one lane)
     * @param fma        "yes", "no" or "unknown" (from /proc/cpuinfo)
     * @param fmaUnits   FMA units assumed per core
     * @param clockMhz   the clock, NaN when unknown
     * @param formula    the product written out
     */
    public record Nominal(double gflops, int cores, int vectorBits, String fma, int fmaUnits, double clockMhz, String formula) {
        /** Flops per cycle per core. */
        public int flopsPerCycle() {
            return fmaUnits * Math.max(1, vectorBits / 64) * ("no".equals(fma) ? 1 : 2);
        }
    }

    /** The nominal peak (information only; see {@link Nominal}). */
    public static Nominal nominal() {
        int cores = Runtime.getRuntime().availableProcessors();
        int bits;
        try {
            bits = KernelProvider.vectorBitSize();
        } catch (RuntimeException e) {
            bits = 0;
        }
        String fma = Backends.fma();
        double mhz = clockMhz();
        int units = 2;
        int lanes = Math.max(1, bits / 64);
        int perCycle = units * lanes * ("no".equals(fma) ? 1 : 2);
        double gflops = cores * perCycle * mhz / 1000.0;
        String formula = String.format(Locale.ROOT, "%d cores × %d FMA units (assumed) × %d lanes (%d-bit) × %s × %s",
                cores, units, lanes, bits, "no".equals(fma) ? "1 (no FMA)" : "2 (FMA " + fma + ")",
                Double.isNaN(mhz) ? "clock unknown" : String.format(Locale.ROOT, "%.0f MHz", mhz));
        return new Nominal(gflops, cores, bits, fma, units, mhz, formula);
    }

    /** The largest "cpu MHz" of /proc/cpuinfo, or NaN. */
    static double clockMhz() {
        double mhz = Double.NaN;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz")) {
                    double v = Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                    mhz = Double.isNaN(mhz) ? v : Math.max(mhz, v);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return mhz;
    }

    /** "model name" of /proc/cpuinfo (or os.arch where there is none). */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") || line.startsWith("Model")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch", "unknown");
    }

    /**
     * The cache key: CPU model, cores, backend and library, e.g. {@code "Intel(R) Xeon(R)
     * Processor | 2 cores | NATIVE | OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY Cooperlake
     * MAX_THREADS=64 (bundled)"}.
     */
    public static String key() {
        BackendReport b = Backends.report();
        String library = b.openblasConfig() != null
                ? b.openblasConfig() + " (" + b.blasSource() + ")"
                : b.blasImplementation() + ", " + b.vectorSpecies() + ", JDK " + Runtime.version().feature();
        return cpuModel() + " | " + b.cores() + " cores | " + b.linalgBackend() + " | " + library;
    }

    /**
     * The cached ceiling for this machine and backend, measured (and cached) when there is none,
     * or when the cached one was measured on a busy machine and this one is quiet now (see
     * {@link #busy}).
     */
    public static Result get() {
        return get(loadAverage());
    }

    /** As {@link #get()}, with the 1-minute load average now given (tests: a load that cannot change under them). */
    static Result get(double loadNow) {
        String key = key();
        Path file = file(key);
        Result cached = read(file, key);
        if (stale(cached, loadNow)) {
            LOG.log(Level.INFO, "the cached dgemm ceiling (" + cached.describe() + ") was measured on a busy machine; measuring again");
            return measure(key, file);
        }
        return cached != null ? cached : measure(key, file);
    }

    /**
     * The cached ceiling for this machine and backend, or empty when none was measured: for
     * reports that state a rate against it without spending seconds on a measurement
     * ({@link #get} measures).
     */
    public static java.util.Optional<Result> cached() {
        String key = key();
        return java.util.Optional.ofNullable(read(file(key), key));
    }

    /**
     * Whether a 1-minute load average means other processes were competing for the cores: above
     * 1.5 × the cores (Morse's own workers, busy just before, account for up to one per core). A ceiling measured then is low (one cached at load 10.3 on 2 cores read 32
     * GFLOP/s against 101 quiet, and every benchmark printed 140–200 % "of the ceiling"), so it is
     * replaced at the first quiet chance. NaN (no /proc/loadavg) is not busy.
     */
    static boolean busy(double loadAverage, int cores) {
        return loadAverage > 1.5 * Math.max(1, cores);
    }

    /** Whether a cached ceiling should be measured again now: it was taken on a busy machine and this one is quiet. */
    static boolean stale(Result cached, double loadNow) {
        return cached != null && busy(cached.loadAverage(), cached.cores()) && !busy(loadNow, cached.cores());
    }

    /** Measures now (a few seconds) and replaces the cached value. */
    public static Result measure() {
        String key = key();
        return measure(key, file(key));
    }

    private static Path file(String key) {
        return MorseCache.root().resolve("ceiling").resolve("dgemm-" + sha256(key).substring(0, 16) + ".properties");
    }

    static Result read(Path file, String key) {
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
            if (!key.equals(p.getProperty("key")) || !Integer.toString(N).equals(p.getProperty("n"))) {
                return null;
            }
            double single = Double.parseDouble(p.getProperty("single_gflops"));
            double all = Double.parseDouble(p.getProperty("all_gflops"));
            if (!(single > 0) || !(all > 0)) {
                return null;
            }
            return new Result(single, all, Double.parseDouble(p.getProperty("workers_gflops", "NaN")),
                    Double.parseDouble(p.getProperty("blas_threads_gflops", "NaN")),
                    Integer.parseInt(p.getProperty("cores")), N, key, p.getProperty("measured_at", "?"),
                    Double.parseDouble(p.getProperty("load_average", "NaN")),
                    Double.parseDouble(p.getProperty("seconds", "NaN")), file, true);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or from another format: measure again
        }
    }

    private static Result measure(String key, Path file) {
        Linalg la = Linalg.get();
        int cores = Runtime.getRuntime().availableProcessors();
        double load = loadAverage();
        long t0 = System.nanoTime();
        boolean openblas = la.backend() == Linalg.Backend.NATIVE && OpenBlas.available();
        NativeThreads.init();   // one OpenBLAS thread per call unless a scope raises it
        double single = single(la);
        double workers = cores == 1 ? single : workers(la, cores);
        double blasThreads = Double.NaN;
        if (openblas && cores > 1) {
            try (NativeThreads.Scope s = NativeThreads.dense(cores)) {
                if (s.threads() == cores) blasThreads = single(la);   // another thread at work: skip this variant
            }
        }
        double all = Double.isNaN(blasThreads) ? workers : Math.max(workers, blasThreads);
        all = Math.max(all, single);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String at = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        if (busy(load, cores)) {
            LOG.log(Level.WARNING, String.format(Locale.ROOT, "dgemm ceiling measured while the load average was %.2f on %d cores: "
                    + "it is probably low; it is measured again when the machine is quiet", load, cores));
        }
        Path written = write(file, key, single, all, workers, blasThreads, cores, at, load, seconds);
        return new Result(single, all, workers, blasThreads, cores, N, key, at, load, seconds, written, false);
    }

    private static Path write(Path file, String key, double single, double all, double workers, double blasThreads,
                              int cores, String at, double load, double seconds) {
        Properties p = new Properties();
        p.setProperty("key", key);
        p.setProperty("n", Integer.toString(N));
        p.setProperty("single_gflops", Double.toString(single));
        p.setProperty("all_gflops", Double.toString(all));
        p.setProperty("workers_gflops", Double.toString(workers));
        p.setProperty("blas_threads_gflops", Double.toString(blasThreads));
        p.setProperty("cores", Integer.toString(cores));
        p.setProperty("measured_at", at);
        p.setProperty("load_average", Double.toString(load));
        p.setProperty("seconds", Double.toString(seconds));
        try {
            StringWriter w = new StringWriter();
            p.store(w, "Morse measured dgemm ceiling (dev.morse.linalg.DgemmCeiling); delete to measure again");
            MorseCache.writeAtomically(file, w.toString().getBytes(StandardCharsets.ISO_8859_1));
            return file;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "dgemm ceiling not cached: {0}", e.toString());
            return null;
        }
    }

    /** Best GFLOP/s of one dgemm call on the current thread (OpenBLAS threads as set by the caller). */
    private static double single(Linalg la) {
        double[][] m = matrices(1);
        double flops = 2.0 * N * N * (double) N;
        call(la, m);  // warm-up: JIT, OpenBLAS buffers
        call(la, m);
        double best = 0;
        long start = System.nanoTime();
        for (int r = 0; r < MIN_REPS || System.nanoTime() - start < PHASE_NANOS; r++) {
            long t = System.nanoTime();
            call(la, m);
            best = Math.max(best, flops / (System.nanoTime() - t));
            if (r >= 50) {
                break;
            }
        }
        return best;
    }

    /** Total GFLOP/s of `cores` single-threaded dgemm calls run together, best of a few rounds. */
    private static double workers(Linalg la, int cores) {
        double[][][] ms = new double[cores][][];
        for (int i = 0; i < cores; i++) {
            ms[i] = matrices(i + 1);
        }
        double flops = 2.0 * N * N * (double) N * cores;
        CyclicBarrier start = new CyclicBarrier(cores + 1);
        CyclicBarrier end = new CyclicBarrier(cores + 1);
        int rounds = 4;
        Thread[] threads = new Thread[cores];
        for (int i = 0; i < cores; i++) {
            double[][] m = ms[i];
            threads[i] = Thread.ofPlatform().daemon().name("morse-ceiling-" + i).start(() -> {
                try {
                    call(la, m); // warm-up
                    for (int r = 0; r < rounds; r++) {
                        start.await();
                        call(la, m);
                        end.await();
                    }
                } catch (java.util.concurrent.BrokenBarrierException e) {
                    // the measurement ended (interrupted): end too
                } catch (Exception e) {
                    start.reset();   // this worker's own failure: break the others' wait
                    end.reset();
                }
            });
        }
        double best = 0;
        try {
            for (int r = 0; r < rounds; r++) {
                start.await();
                long t = System.nanoTime();
                end.await();
                best = Math.max(best, flops / (System.nanoTime() - t));
            }
            for (Thread th : threads) {
                th.join();
            }
        } catch (InterruptedException e) {
            // The interrupted await broke its barrier, which stays broken: the workers arriving there end
            // (BrokenBarrierException) rather than park for good. Not reset: that would renew it.
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("the dgemm ceiling's measurement was interrupted");
        } catch (Exception e) {
            throw new IllegalStateException("dgemm ceiling workers failed: " + e, e);
        }
        return best;
    }

    private static void call(Linalg la, double[][] m) {
        la.dgemm(false, false, N, N, N, 1.0, m[0], 0, N, m[1], 0, N, 0.0, m[2], 0, N);
    }

    private static double[][] matrices(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[N * N];
        double[] b = new double[N * N];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextDouble() - 0.5;
            b[i] = r.nextDouble() - 0.5;
        }
        return new double[][] {a, b, new double[N * N]};
    }

    private static double loadAverage() {
        try {
            List<String> l = Files.readAllLines(Path.of("/proc/loadavg"));
            return Double.parseDouble(l.get(0).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints the ceiling (measuring when not cached; {@code --measure} forces) as key=value lines, for scripts. */
    public static void main(String[] args) {
        boolean force = List.of(args).contains("--measure");
        Result r = force ? measure() : get();
        Nominal nom = nominal();
        System.out.printf(Locale.ROOT, "single_gflops=%.3f%nall_gflops=%.3f%nworkers_gflops=%.3f%nblas_threads_gflops=%.3f%n"
                        + "cores=%d%nn=%d%nmeasured_at=%s%nload_average=%.2f%ncached=%b%nkey=%s%nfile=%s%n"
                        + "nominal_gflops=%.3f%nnominal_formula=%s%n",
                r.singleGflops(), r.allGflops(), r.workersGflops(), r.blasThreadsGflops(), r.cores(), r.n(), r.measuredAt(),
                r.loadAverage(), r.cached(), r.key(), r.file(), nom.gflops(), nom.formula());
    }
}
