package dev.morse.engine;

import java.util.regex.Pattern;

/**
 * The numbers of the spec strings (activations, regularizers, penalties): decimals as numpy and
 * the CLI read them. Java's own parser also takes {@code 1d}, {@code 4f}, hex floats and
 * surrounding blanks, which a Python user would never mean and which the three parsers accepted
 * differently.
 */
final class Decimal {
    private Decimal() {}

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** Whether s is such a decimal. */
    static boolean is(String s) {
        return DECIMAL.matcher(s).matches();
    }

    /** The value of a decimal; a NumberFormatException whose message is {@code 's'} otherwise. */
    static double parse(String s) {
        if (!is(s)) throw new NumberFormatException("'" + s + "'");
        return Double.parseDouble(s);
    }
}
