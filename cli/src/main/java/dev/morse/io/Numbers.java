package dev.morse.io;

/**
 * The one number syntax of Morse's inputs (options, CSV cells, specification fields): decimal
 * numbers as Python's {@code float()} and numpy's text readers accept them, and nothing of Java's
 * literal syntax. {@code 1}, {@code -2.5}, {@code .5}, {@code 5.}, {@code 1e-3}, {@code +4E2}, and the
 * words {@code inf}, {@code infinity}, {@code nan} (any case, signed) are numbers; {@code 1d},
 * {@code 2f}, {@code 0x1p3}, {@code 1_000}, {@code ١} (non-ASCII digits) and the empty string are
 * not. Java's {@link Double#parseDouble} accepts the former group's Java spellings and the latter
 * group too, which is why it is never called on user text directly.
 */
public final class Numbers {
    private Numbers() {}

    /** Whether {@code s} (already trimmed) is a decimal number or inf/infinity/nan in the syntax above. */
    public static boolean isNumber(String s) {
        return isDecimal(s) || isSpecial(s);
    }

    /**
     * Parses a number in the syntax above; surrounding whitespace is ignored.
     *
     * @throws NumberFormatException naming the text when it is not a number in that syntax
     */
    public static double parseDouble(String text) {
        String s = text.strip();
        if (isDecimal(s)) return Double.parseDouble(s);
        if (isSpecial(s)) {
            String w = s.toLowerCase(java.util.Locale.ROOT);
            boolean neg = w.startsWith("-");
            if (w.endsWith("nan")) return Double.NaN;
            return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        throw new NumberFormatException("'" + text + "' is not a decimal number");
    }

    /**
     * 2⁵³. A JSON number is read as a double: a whole one below this magnitude is exactly one
     * integer, the one written; from it on a double stands for several (9007199254740993 reads as
     * 9007199254740992 = 2⁵³, 1234567890123456789.0 as 1234567890123456768), so it may not be. The
     * one rule for integers in decimals, wherever JSON meets an integer option: sweep specs, the
     * experiments' steps, --config files, reports.
     */
    public static final long EXACT_WHOLE = 1L << 53;

    /** Whether {@code d} is a whole number below 2⁵³ in magnitude: exactly the integer written, whatever decimal gave it. */
    public static boolean isExactWhole(double d) {
        return d == Math.rint(d) && Math.abs(d) < EXACT_WHOLE;
    }

    /** Whether {@code d} is of magnitude 2⁵³ or more (or not finite): an integer option refuses it ({@link #notExactWhole}). */
    public static boolean beyondExactWholes(double d) {
        return !(Math.abs(d) < EXACT_WHOLE);
    }

    /** Whether the long {@code x} is exactly a double read back as {@code x} alone (|x| below 2⁵³): reports write others as strings. */
    public static boolean isExactDouble(long x) {
        return x > -EXACT_WHOLE && x < EXACT_WHOLE;   // not Math.abs: it keeps Long.MIN_VALUE negative
    }

    /**
     * The refusal of a decimal {@link #beyondExactWholes} for an option that takes integers, where the
     * JSON reader keeps integers exact (sweep specs, the experiments' steps): one message wherever it
     * is read; {@link #notExactWhole(double, String)} for readers that do not.
     */
    public static String notExactWhole(double d) {
        return notExactWhole(d, "write it as a JSON integer (no decimal point, no exponent)");
    }

    /**
     * The refusal of a number {@link #beyondExactWholes} for an option that takes integers, with
     * {@code remedy}: how to write the integer so that the reader keeps it (a --config file reads
     * every number as a decimal, so there it is a string).
     */
    public static String notExactWhole(double d, String remedy) {
        return d + " is a decimal of magnitude 2^53 = 9007199254740992 or more, where decimals are not exact integers "
                + "(9007199254740993.0 reads as 9007199254740992), for an option that takes integers; " + remedy;
    }

    /**
     * Parses a whole number (optional sign, ASCII digits) that fits a long.
     *
     * @throws NumberFormatException when it is not one, or out of range
     */
    public static long parseLong(String text) {
        String s = text.strip();
        int i = s.startsWith("-") || s.startsWith("+") ? 1 : 0;
        if (i == s.length()) throw new NumberFormatException("'" + text + "' is not a whole number");
        for (int k = i; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') throw new NumberFormatException("'" + text + "' is not a whole number");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new NumberFormatException("'" + text + "' is out of range (at most " + Long.MAX_VALUE + " in magnitude)");
        }
    }

    /** [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)? with ASCII digits d. */
    private static boolean isDecimal(String s) {
        int i = 0, n = s.length();
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
        int intDigits = 0, fracDigits = 0;
        while (i < n && digit(s.charAt(i))) {
            i++;
            intDigits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && digit(s.charAt(i))) {
                i++;
                fracDigits++;
            }
        }
        if (intDigits + fracDigits == 0) return false;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            int expDigits = 0;
            while (i < n && digit(s.charAt(i))) {
                i++;
                expDigits++;
            }
            if (expDigits == 0) return false;
        }
        return i == n;
    }

    private static boolean isSpecial(String s) {
        String w = s.toLowerCase(java.util.Locale.ROOT);
        if (w.startsWith("+") || w.startsWith("-")) w = w.substring(1);
        return w.equals("inf") || w.equals("infinity") || w.equals("nan");
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }
}
