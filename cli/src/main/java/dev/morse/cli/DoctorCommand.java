package dev.morse.cli;

import dev.morse.linalg.BackendReport;
import dev.morse.linalg.Backends;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code morse doctor}: which BLAS/LAPACK and SIMD backends run here, and why. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Reports the numerical backends in use, and why they were chosen.",
                "%nJDK, Vector API species and width, FMA, cores, the BLAS and LAPACK implementation (the bundled OpenBLAS, "
                        + "the system library with -Dmorse.blas=system, or the pure-Java fallback), the file loaded and why, and threads. "
                        + "Exit 2 after the report when -Dmorse.linalg=native comes with -Dmorse.blas=java (a contradiction every command refuses)."})
final class DoctorCommand implements Callable<Integer> {

    @WritesFiles

    @Option(names = "--json", paramLabel = "FILE", arity = "0..1", fallbackValue = "-",
            description = "Write the report as JSON to FILE ('-', or no FILE: standard output, instead of the text).")
    java.nio.file.Path json;

    @Option(names = "--force", description = "Overwrite an existing --json file (never done without it).")
    boolean force;

    @Option(names = "--strict", description = "Exit with code 3 when native LAPACK or the Vector API is missing.")
    boolean strict;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        BackendReport r = Backends.report();
        boolean toStdout = json != null && json.toString().equals("-");
        OutputFiles files = new OutputFiles(force);
        try {
            java.nio.file.Path file = json == null || toStdout ? null : files.plan("--json", json);
            spec.commandLine().getOut().println(toStdout ? r.toJson() : r.toText());
            spec.commandLine().getOut().flush();
            if (file != null) files.writeText(file, r.toJson() + "\n");
            files.commit(file);
        } finally {
            files.abort();
        }
        // After the report, whose selection lines say what was chosen and why: the contradiction
        // every other command refuses at start-up is a usage error here too.
        String backends = dev.morse.linalg.Linalg.configurationError();
        if (backends != null) {
            spec.commandLine().getErr().println("morse doctor: " + backends);
            return Main.EXIT_USAGE;
        }
        if (strict && !(r.lapackNative() && r.vectorBits() > 0)) {
            spec.commandLine().getErr().println(strictFailure(r.lapackNative(), r.vectorBits() > 0));
            return Main.EXIT_NUMERICAL;
        }
        return Main.EXIT_OK;
    }

    /** --strict's message for what is missing (at least one of the two): each reason, joined, one full stop at the end. */
    static String strictFailure(boolean lapackNative, boolean vectorApi) {
        java.util.List<String> missing = new java.util.ArrayList<>();
        if (!lapackNative) missing.add("native LAPACK is missing (see 'blas selection' above for why)");
        if (!vectorApi) missing.add("the Vector API is not in use (run with --add-modules jdk.incubator.vector)");
        return "morse doctor --strict: " + String.join("; ", missing) + ".";
    }
}
