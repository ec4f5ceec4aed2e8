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
                        + "the system library with -Dmorse.blas=system, or the pure-Java fallback), the file loaded and why, and threads."})
final class DoctorCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--strict", description = "Exit with code 3 when native LAPACK or the Vector API is missing.")
    boolean strict;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        BackendReport r = Backends.report();
        spec.commandLine().getOut().println(json ? r.toJson() : r.toText());
        spec.commandLine().getOut().flush();
        if (strict && !(r.lapackNative() && r.vectorBits() > 0)) {
            spec.commandLine().getErr().println("morse doctor --strict: " + (r.lapackNative() ? "" : "native LAPACK is missing (see 'blas selection' above for why). ")
                    + (r.vectorBits() > 0 ? "" : "the Vector API is not in use (run with --add-modules jdk.incubator.vector)."));
            return Main.EXIT_NUMERICAL;
        }
        return Main.EXIT_OK;
    }
}
