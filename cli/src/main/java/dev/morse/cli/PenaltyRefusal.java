package dev.morse.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A hidden {@code --penalty} for the curvature-analysis commands (spectrum, density, trace, fit,
 * morse) that refuses it with a clear message: they analyse the objective without training
 * penalties (SPEC §11: a penalty has no Hessian in Morse), and an unknown-option error would not
 * say so. A config file's "penalty" key reaches it too.
 */
final class PenaltyRefusal {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--penalty", paramLabel = "SPEC", hidden = true)
    void refuse(String spec) {
        if (spec == null) return;   // picocli applies the (absent) default
        throw new ParameterException(mixee.commandLine(), "--penalty " + spec + ": '" + mixee.name() + "' analyses the objective L + R "
                + "without training penalties (a penalty has no Hessian in Morse, SPEC §11); evaluate a penalized objective "
                + "and its gradient with 'morse eval --penalty " + spec + "'");
    }
}
