package dev.morse.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where results go: JSON report, overwrite policy, progress, config file; and, in {@link WithPlots},
 * the plot folder and formats. A command's "Output:" group is {@link WithPlots} where it draws
 * plots and {@link NoPlots} where it does not (trace, eval), so that its --help offers only what it
 * accepts. The demo and init build theirs.
 */
class OutputOptions {

    /** The heading and place of the group in a command's --help. */
    static final String HEADING = "%nOutput:%n";
    static final int ORDER = 200;

    /** Plot file formats. Lower-case constants: they are what users type and see in --help. */
    enum PlotFormat { png, svg, both }

    @WritesFiles

    @Option(names = "--json", paramLabel = "FILE", order = 90, arity = "0..1", fallbackValue = "-",
            description = "Write the JSON report to FILE ('-', or no FILE: standard output, instead of the summary).")
    Path json;

    /** The plot folder (--plots, or the demo's --out); null when none is given or the command has none. */
    Path plots() {
        return null;
    }

    /** --plot-format as given; null when it is not given (or the command has none). */
    PlotFormat plotFormatGiven() {
        return null;
    }

    /** The formats to write: --plot-format, else both. */
    final PlotFormat plotFormat() {
        PlotFormat f = plotFormatGiven();
        return f == null ? PlotFormat.both : f;
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

    /** The output options of a command that draws plots. */
    static final class WithPlots extends OutputOptions {

        @WritesFiles

        @Option(names = "--plots", paramLabel = "DIR", order = 91,
                description = "Write plots (PNG and SVG) to DIR, created if missing.")
        Path plots;

        /** No picocli default: null means not given, so that --plot-format without --plots is refused ({@link BaseCommand}). */
        @Option(names = "--plot-format", paramLabel = "FMT", order = 92,
                description = "png, svg or both (default: both); goes with --plots.")
        PlotFormat plotFormat;

        @Override
        Path plots() {
            return plots;
        }

        @Override
        PlotFormat plotFormatGiven() {
            return plotFormat;
        }
    }

    /**
     * The output options of a command that draws no plots: --plots and --plot-format are hidden,
     * not absent, so that a command line or config file that gives them is refused with a message
     * that says why ({@link BaseCommand#drawsPlots}) rather than as an unknown option. They used to
     * be accepted and ignored, then refused but still offered by --help.
     */
    static final class NoPlots extends OutputOptions {

        @WritesFiles

        @Option(names = "--plots", paramLabel = "DIR", hidden = true)
        Path plots;

        @Option(names = "--plot-format", paramLabel = "FMT", hidden = true)
        PlotFormat plotFormat;

        @Override
        Path plots() {
            return plots;
        }

        @Override
        PlotFormat plotFormatGiven() {
            return plotFormat;
        }
    }
}
