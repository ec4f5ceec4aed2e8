package dev.morse.experiments;

import dev.morse.cluster.StepRunner;
import dev.morse.cluster.SweepSpec;
import java.io.IOException;
import java.util.List;

/**
 * One research question as a runnable experiment: a bundled sweep spec per scale (the resources
 * {@code experiments/<name>/<scale>.json}, with a README beside them), the steps that run its
 * tasks (the CLI's commands through {@link dev.morse.cluster.MorseSteps}, plus the experiment's
 * own where those do not suffice: {@link ExperimentSteps}), and an analysis that reads the rows,
 * decides the verdicts by rules fixed in advance ({@link Claim#rule()}), draws the plots and
 * writes the report's sections. {@link ExperimentRunner} runs it; {@link Experiments} lists them.
 *
 * <p>Scales: {@code tiny} (seconds; what the test suite runs), {@code quick} (at most ten minutes
 * on two cores) and {@code full} (sized for a cluster). Every seed is explicit in the specs.
 */
public interface Experiment {

    /** The name on the command line, e.g. {@code weight-decay-zeros}. */
    String name();

    /** A title for the report. */
    String title();

    /** What the experiment tests, in a sentence or two (for {@code experiment list} and the report). */
    String summary();

    /** Where the claims come from. */
    String source();

    List<Claim> claims();

    /** What runs the tasks' steps. */
    StepRunner steps();

    /**
     * The bundled spec of {@code scale}, adapted to this machine where it must be (e.g. a data set
     * that is not installed), with a warning for each adaptation.
     */
    default Prepared prepare(String scale) throws IOException {
        return new Prepared(BundledSpecs.bundledSpec(name(), scale), List.of());
    }

    /** Reads the results, decides the verdicts, draws the plots into {@link ExperimentResults#plotsDir()}. */
    Analysis analyze(ExperimentResults results) throws IOException;

    /**
     * A spec ready to run.
     *
     * @param warnings what was adapted and why (printed, and in the report and experiment.json)
     */
    record Prepared(SweepSpec spec, List<String> warnings) {
        public Prepared {
            warnings = List.copyOf(warnings);
        }
    }
}
