package dev.morse.linalg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link #main} in a fresh JVM, for what one JVM can do only once: choose its BLAS. Modes:
 * {@code report} prints {@code REPORT <backend JSON>} and one {@code MAPPED <file>} line per mapped
 * BLAS/LAPACK/Fortran-runtime file; {@code extract ROOT} extracts the bundle under ROOT and prints
 * {@code HOW <how>} and {@code DIR <dir>}; {@code idle} loads the BLAS and prints {@code TIMEOUT <value>} (OpenBLAS's
 * idle-thread variable as the C library sees it) and {@code SELECTION <blas selection>}.
 */
final class ChildJvm {

    /** What a child printed, and its exit code. */
    record Result(int exit, String stdout, String stderr) {
        List<String> lines(String prefix) {
            List<String> out = new ArrayList<>();
            for (String l : stdout.split("\n")) {
                if (l.startsWith(prefix + " ")) {
                    out.add(l.substring(prefix.length() + 1));
                }
            }
            return out;
        }

        String line(String prefix) {
            List<String> l = lines(prefix);
            return l.isEmpty() ? null : l.get(0);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private ChildJvm() {
    }

    /** Starts a child JVM running main(args) with the given -D properties and environment changes (null value: remove). */
    static Process start(List<String> properties, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(properties);
        cmd.add(ChildJvm.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getValue() == null) {
                pb.environment().remove(e.getKey());
            } else {
                pb.environment().put(e.getKey(), e.getValue());
            }
        }
        return pb.start();
    }

    static Result await(Process p) throws IOException, InterruptedException {
        // Small outputs: read after exit is safe only if they fit the pipe; read concurrently instead.
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        Thread t1 = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread t2 = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("child JVM did not finish in 120 s");
        }
        t1.join();
        t2.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result run(List<String> properties, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return await(start(properties, env, args));
    }

    private static void copy(java.io.InputStream in, java.io.OutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the child is gone
        }
    }

    public static void main(String[] args) throws Throwable {
        switch (args[0]) {
            case "report" -> {
                BackendReport r = Backends.report();
                // Exercise LAPACK once, so that whatever it loads is mapped.
                double[] a = {2, 1, 1, 3};
                double[] w = Linalg.get().eigh(a, 2, false).values();
                System.out.println("EIGEN " + w[0] + " " + w[1]);
                System.out.println("REPORT " + r.toJson());
                for (Path p : BundledOpenBlas.mappedFiles()) {
                    String n = p.getFileName() == null ? "" : p.getFileName().toString();
                    if (n.startsWith("libnetlib")) {
                        continue;
                    }
                    if (n.contains("blas") || n.contains("lapack") || n.contains("gfortran") || n.contains("quadmath")) {
                        System.out.println("MAPPED " + p);
                    }
                }
            }
            case "extract" -> {
                BundledOpenBlas.Extraction x = BundledOpenBlas.ensure(Path.of(args[1]), false);
                System.out.println("HOW " + x.how());
                System.out.println("DIR " + x.dir());
                System.out.println("VERIFY " + BundledOpenBlas.verify(x.dir(), true));
                Files.createDirectories(x.dir()); // no-op: the folder exists
            }
            case "idle" -> {
                // What OpenBLAS will read: the process environment as the C library sees it.
                Linalg.get();
                var linker = java.lang.foreign.Linker.nativeLinker();
                var getenv = linker.downcallHandle(linker.defaultLookup().find("getenv").orElseThrow(),
                        java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.ADDRESS));
                try (var arena = java.lang.foreign.Arena.ofConfined()) {
                    var v = (java.lang.foreign.MemorySegment) getenv.invokeExact(arena.allocateFrom(OpenBlasIdle.VARIABLE));
                    System.out.println("TIMEOUT " + (v.equals(java.lang.foreign.MemorySegment.NULL) ? "unset" : v.reinterpret(64).getString(0)));
                }
                System.out.println("SELECTION " + Backends.report().blasSelection());
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
