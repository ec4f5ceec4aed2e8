package dev.morse.experiments;

import java.util.List;
import java.util.Map;

/** Typed access to a result row's columns (values as JSON gives them: Long, Double, String, Boolean, List, null). */
public final class Rows {
    private Rows() {}

    /** The number in {@code col}, or NaN when absent, null or not a number. */
    public static double num(Map<String, Object> row, String col) {
        return row.get(col) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** The integer in {@code col}, or {@code dflt} when absent or not an integral number. */
    public static int integer(Map<String, Object> row, String col, int dflt) {
        if (!(row.get(col) instanceof Number n)) return dflt;
        double d = n.doubleValue();
        return d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE ? (int) d : dflt;
    }

    /** The text of {@code col} ({@code null} when absent or null; numbers as JSON writes them). */
    public static String str(Map<String, Object> row, String col) {
        Object v = row.get(col);
        return v == null ? null : v instanceof String s ? s : dev.morse.cluster.Json.write(v);
    }

    public static boolean bool(Map<String, Object> row, String col) {
        return Boolean.TRUE.equals(row.get(col));
    }

    /** The numbers of an array column (NaN for nulls); empty when absent. */
    public static double[] array(Map<String, Object> row, String col) {
        if (!(row.get(col) instanceof List<?> l)) return new double[0];
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
        return a;
    }

    /**
     * Whether the Morse check's refinement ({@code morse.refine.reason}) ended at rounding level: no
     * Newton step lowered ‖∇L_R‖ further ({@code stalled}), or ∇L_R = 0 exactly ({@code converged}),
     * or the check ran without refinement (no reason). A refinement stopped by its iteration limit
     * ({@code max_iterations}) or by linear convergence near a degenerate point ({@code degenerate})
     * may be "critical" by the SPEC's tolerance 1e-10·max(1, |L_R|) and still carry eigenvalues of
     * order ‖∇L_R‖ ≫ τ in its near-null directions: its zeros cannot be counted.
     */
    public static boolean refinedToRounding(Map<String, Object> row, String step) {
        Object reason = row.get(step + ".refine.reason");
        return reason == null || "stalled".equals(reason) || "converged".equals(reason);
    }

    /**
     * The margins of the Morse check's zero count at a row: {largest |λ|/τ counted as a zero
     * (|λ| ≤ τ), smallest |λ|/τ not counted}, from {@code <step>.eigenvalues} (the whole spectrum)
     * or else {@code <step>.nearest_zero}. An entry is NaN where the numbers do not tell: no zero
     * (first) or no nonzero eigenvalue (second) in the list, a list of nearest-zero eigenvalues that
     * are all zeros (more may lie beyond it), no τ, or a list whose zeros are not {@code <step>.nullity}
     * many (the check counts by inertia; margins of another count would mislead).
     */
    public static double[] zeroMargins(Map<String, Object> row, String step) {
        double tau = num(row, step + ".tau");
        double[] eig = array(row, step + ".eigenvalues");
        boolean whole = eig.length > 0;
        if (!whole) eig = array(row, step + ".nearest_zero");
        double largestZero = Double.NaN, smallestNonzero = Double.NaN;
        if (!(tau > 0) || eig.length == 0) return new double[] {largestZero, smallestNonzero};
        int zeros = 0;
        for (double l : eig) {
            double r = Math.abs(l) / tau;
            if (!Double.isFinite(r)) return new double[] {Double.NaN, Double.NaN};
            if (Math.abs(l) <= tau) {
                zeros++;
                largestZero = Stats.nanMax(largestZero, r);
            } else {
                smallestNonzero = Stats.nanMin(smallestNonzero, r);
            }
        }
        if (zeros != integer(row, step + ".nullity", -1) || (!whole && zeros == eig.length)) return new double[] {Double.NaN, Double.NaN};
        return new double[] {largestZero, smallestNonzero};
    }

    public static boolean done(Map<String, Object> row) {
        return "done".equals(row.get("status"));
    }
}
