package dev.morse.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/morse}. Exit codes: 0 success, 2 bad usage or bad input,
 * 3 numerical failure or (doctor --strict) a missing backend, 4 refused for memory.
 */
@Command(name = "morse", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Exact curvature of neural-network losses: Hessians, Gauss–Newton/NME, spectra, Morse checks.",
        subcommands = {DoctorCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_NUMERICAL = 3;
    public static final int EXIT_MEMORY = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool in-process (tests call this) and returns the exit code. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(Main::exitCodeFor);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("morse: " + ex.getMessage());
            return exitCodeFor(ex);
        });
        cl.getCommandSpec().exitCodeOnInvalidInput(EXIT_USAGE);
        return cl.execute(args);
    }

    static int exitCodeFor(Throwable t) {
        if (t instanceof dev.morse.linalg.MemoryLimitException) return EXIT_MEMORY;
        if (t instanceof dev.morse.linalg.LinalgException) return EXIT_NUMERICAL;
        if (t instanceof IllegalArgumentException || t instanceof CommandLine.ParameterException) return EXIT_USAGE;
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"morse " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (JDK " + Runtime.version() + ")"};
        }
    }
}
