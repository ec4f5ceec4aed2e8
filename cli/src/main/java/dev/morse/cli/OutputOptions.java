package dev.morse.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where results go: JSON report, plots, overwrite policy, progress, config file. */
final class OutputOptions {

    /** Plot file formats. Lower-case constants: they are what users type and see in --help. */
    enum PlotFormat { png, svg, both }

    @WritesFiles

    @Option(names = "--json", paramLabel = "FILE", order = 90, arity = "0..1", fallbackValue = "-",
            description = "Write the JSON report to FILE ('-', or no FILE: standard output, instead of the summary).")
    Path json;

    @WritesFiles

    @Option(names = "--plots", paramLabel = "DIR", order = 91,
            description = "Write plots (PNG and SVG) to DIR, created if missing.")
    Path plots;

    /** No picocli default: null means not given, so that the commands without plots can refuse it ({@link BaseCommand#drawsPlots}). */
    @Option(names = "--plot-format", paramLabel = "FMT", order = 92,
            description = "png, svg or both (default: both); goes with --plots.")
    PlotFormat plotFormat;

    /** The formats to write: --plot-format, else both. */
    PlotFormat plotFormat() {
        return plotFormat == null ? PlotFormat.both : plotFormat;
    }

    @Option(names = "--force", order = 93, description = "Overwrite existing output files (never done without it).")
    boolean force;

    @Option(names = {"-q", "--quiet"}, order = 94, description = "No progress output on stderr.")
    boolean quiet;

    /** The options that name the report and the plot folder, for messages (the demo's come from --out). */
    String jsonOption = "--json";
    String plotsOption = "--plots";

    @Option(names = "--config", paramLabel = "FILE.json", order = 95,
            description = "Take options from a JSON object such as {\"model\": \"3-16-1\", \"reg\": \"l2:1e-3\"} (keys: option names "
                    + "without dashes; the command line wins over the file's value of the same option, and over the file's side of "
                    + "--refine/--no-refine, --method dense/Lanczos options and --init/--weights; other contradictions are refused). "
                    + "A report written with --json works too: it reruns the config it records.")
    Path config;
}
