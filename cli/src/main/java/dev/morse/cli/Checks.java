package dev.morse.cli;

import dev.morse.io.Numbers;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where numeric options are validated: one converter per option family (counts, seeds, finite
 * and positive reals, tolerances), declared on the option with {@code converter = …}, so that a
 * value is checked when it is parsed, from the command line or a config file alike, before any
 * work starts, and the message always has the same shape: picocli prefixes the option's name
 * ({@code Invalid value for option '--tau-factor' (C): expected a finite number > 0, got 'NaN'}).
 * Numbers use {@link Numbers}' syntax (decimal, as numpy reads them; no {@code 1d} or
 * {@code 0x1p3}). Rules that involve two options, or the problem's size, are the
 * {@link #usage} calls in the commands; sizes and memory are {@link Estimates}.
 */
final class Checks {
    private Checks() {}

    /** Most engine worker threads accepted: more only costs memory (one thread per data chunk at most runs). */
    static final int MAX_THREADS = 1024;

    /** A bad combination of options (exit 2), with the option's name first. */
    static CliException usage(String option, String message) {
        return CliException.usage(option + ": " + message);
    }

    // ------------------------------------------------------------------ whole numbers

    /** A whole number in [min, max]. */
    abstract static class IntIn implements ITypeConverter<Integer> {
        private final int min;
        private final int max;

        IntIn(int min, int max) {
            this.min = min;
            this.max = max;
        }

        @Override
        public Integer convert(String value) {
            long v;
            try {
                v = Numbers.parseLong(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a whole number " + range() + ", got '" + value + "'");
            }
            if (v < min || v > max) throw new TypeConversionException("expected a whole number " + range() + ", got " + value.strip());
            return (int) v;
        }

        private String range() {
            if (max == Integer.MAX_VALUE) return "≥ " + min;
            return "from " + min + " to " + max;
        }
    }

    /** Counts that must be at least 1 (k, probes, steps, samples, batch sizes, history). */
    static final class Positive extends IntIn {
        Positive() {
            super(1, Integer.MAX_VALUE);
        }
    }

    /** Counts that may be 0 (iteration and restart limits, basis 0 = automatic). */
    static final class NonNegative extends IntIn {
        NonNegative() {
            super(0, Integer.MAX_VALUE);
        }
    }

    /** Engine threads. */
    static final class Threads extends IntIn {
        Threads() {
            super(1, MAX_THREADS);
        }
    }

    /** Density grid points. */
    static final class GridPoints extends IntIn {
        GridPoints() {
            super(2, Integer.MAX_VALUE);
        }
    }

    /** Seeds: any whole number that fits 64 bits. */
    static final class Seed implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Numbers.parseLong(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a whole number (a seed), got '" + value + "'"
                        + (e.getMessage().contains("range") ? " (out of the 64-bit range)" : ""));
            }
        }
    }

    // ------------------------------------------------------------------ real numbers

    /** A finite real number with a lower bound (strict or not). */
    abstract static class RealAbove implements ITypeConverter<Double> {
        private final double bound;
        private final boolean strict;
        private final double below;

        RealAbove(double bound, boolean strict, double below) {
            this.bound = bound;
            this.strict = strict;
            this.below = below;
        }

        @Override
        public Double convert(String value) {
            double v;
            try {
                v = Numbers.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected " + what() + ", got '" + value + "' (decimal notation such as 0.5 or 1e-3)");
            }
            boolean ok = Double.isFinite(v) && (strict ? v > bound : v >= bound) && v < below;
            if (!ok) throw new TypeConversionException("expected " + what() + ", got " + value.strip());
            return v;
        }

        private String what() {
            String s = "a finite number " + (strict ? "> " : "≥ ") + fmt(bound);
            return below == Double.POSITIVE_INFINITY ? s : s + " and < " + fmt(below);
        }

        private static String fmt(double x) {
            return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
        }
    }

    /** Finite and > 0: zero-band factors, learning rates, weight decay, peak GFLOP/s. */
    static final class PositiveReal extends RealAbove {
        PositiveReal() {
            super(0, true, Double.POSITIVE_INFINITY);
        }
    }

    /** Finite and ≥ 0: tolerances where 0 means "the default", kernel widths, absolute thresholds, seconds. */
    static final class NonNegativeReal extends RealAbove {
        NonNegativeReal() {
            super(0, false, Double.POSITIVE_INFINITY);
        }
    }

    /** Relative tolerances in (0, 1). */
    static final class RelativeTolerance extends RealAbove {
        RelativeTolerance() {
            super(0, true, 1);
        }
    }

    /** Adam's β₁, β₂ in [0, 1) (torch.optim's range), each of a B1,B2 list. */
    static final class Beta extends RealAbove {
        Beta() {
            super(0, false, 1);
        }
    }

    // ------------------------------------------------------------------ numbers inside specifications

    /**
     * Checks the numeric fields of a {@code name:field:…} specification ({@code --reg l2:1e-3},
     * {@code --activation beta_gelu:4}): each field that starts like a number (a digit, a sign, a
     * point) or is inf/nan must be a finite decimal number, so {@code l2:1d} or {@code l2:NaN} is
     * refused here, naming the option, instead of being read with Java's literal syntax.
     */
    static void specNumbers(String option, String spec) {
        if (spec == null) return;
        for (String item : spec.split(",")) {
            String[] fields = item.split(":");
            for (int i = 1; i < fields.length; i++) {
                String f = fields[i].strip();
                boolean numeric = !f.isEmpty() && ("+-.".indexOf(f.charAt(0)) >= 0 || Character.isDigit(f.charAt(0)) || Numbers.isNumber(f));
                if (!numeric) continue;
                double v;
                try {
                    v = Numbers.parseDouble(f);
                } catch (NumberFormatException e) {
                    throw usage(option, spec + ": '" + f + "' is not a decimal number (write e.g. 0.001 or 1e-3)");
                }
                if (!Double.isFinite(v)) throw usage(option, spec + ": '" + f + "' must be a finite number");
            }
        }
    }

    /** The widths of --model: whole numbers of ASCII digits (the engine checks that they are ≥ 1). */
    static void widths(String model) {
        // "784,256,10": "width '784,256,10'" did not say what was wrong (a config's array is refused in ConfigFile)
        if (model.contains(",")) {
            throw usage("--model", model + ": one model is one string of widths joined with '-', such as 784-256-10, not a list");
        }
        for (String w : model.split("-", -1)) {
            String t = w.strip();
            if (t.isEmpty() || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw usage("--model", model + ": width '" + w + "' is not a whole number; expected widths such as 784-256-10");
            }
            if (t.length() > 9) throw usage("--model", model + ": width " + t + " is beyond any model Morse can hold");
        }
    }
}
