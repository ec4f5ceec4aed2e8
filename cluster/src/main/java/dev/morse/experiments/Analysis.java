package dev.morse.experiments;

import java.util.List;

/**
 * What an experiment's analysis found.
 *
 * @param verdicts one per claim, in the order of {@link Experiment#claims()}
 * @param body     the report's middle: Markdown sections (tables, plots by relative link
 *                 {@code plots/NAME.png}) between the setup and the verdicts in detail
 * @param caveats  what limits the verdicts (one item each)
 */
public record Analysis(List<Verdict> verdicts, String body, List<String> caveats) {
    public Analysis {
        verdicts = List.copyOf(verdicts);
        caveats = List.copyOf(caveats);
    }
}
