package dev.morse.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A small Markdown builder for reports: headings, paragraphs, tables, images, lists. */
public final class Markdown {
    private final StringBuilder sb = new StringBuilder();

    public Markdown h2(String text) { return line("## " + text).blank(); }

    public Markdown h3(String text) { return line("### " + text).blank(); }

    public Markdown p(String text) { return line(text).blank(); }

    public Markdown bullet(String text) { return line("- " + text); }

    public Markdown blank() {
        sb.append('\n');
        return this;
    }

    public Markdown line(String text) {
        sb.append(text).append('\n');
        return this;
    }

    /** An image by relative link ({@code plots/NAME.png}) with a caption line under it. */
    public Markdown image(String alt, String relativePath, String caption) {
        line("![" + alt + "](" + relativePath + ")");
        if (caption != null && !caption.isBlank()) line("").line("*" + caption + "*");
        return blank();
    }

    /** A table; cells are escaped ({@code |} → {@code \|}); the first row is the header. */
    public Markdown table(List<String> head, List<List<String>> rows) {
        line("| " + String.join(" | ", escape(head)) + " |");
        List<String> rule = new ArrayList<>();
        for (int i = 0; i < head.size(); i++) rule.add(i == 0 ? "---" : "---:");
        line("|" + String.join("|", rule) + "|");
        for (List<String> r : rows) {
            if (r.size() != head.size()) throw new IllegalArgumentException("table row has " + r.size() + " cells, header " + head.size());
            line("| " + String.join(" | ", escape(r)) + " |");
        }
        return blank();
    }

    public Markdown append(Markdown other) {
        sb.append(other.sb);
        return this;
    }

    @Override
    public String toString() { return sb.toString(); }

    private static List<String> escape(List<String> cells) {
        List<String> out = new ArrayList<>();
        for (String c : cells) out.add(c == null ? "–" : c.replace("|", "\\|").replace("\n", " "));
        return out;
    }

    /** A number for tables: integers plainly, others with 3 significant digits, very small/large in e-notation; NaN as –. */
    public static String num(double v) {
        if (Double.isNaN(v)) return "–";
        if (Double.isInfinite(v)) return v > 0 ? "∞" : "−∞";
        if (v == Math.rint(v) && Math.abs(v) < 1e7) return String.valueOf((long) v);
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) return String.format(Locale.ROOT, "%.2e", v);
        String t = String.format(Locale.ROOT, "%.3g", v);
        // 0.0100 → 0.01, 2.50 → 2.5 (a value, not a measurement of three significant digits)
        if (t.contains(".") && !t.contains("e")) t = t.replaceAll("0+$", "").replaceAll("\\.$", "");
        return t;
    }

    /** A number with a fixed number of decimals (accuracies in percent points). */
    public static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) return "–";
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** A signed number with a fixed number of decimals: +0.42, −1.30. */
    public static String signed(double v, int decimals) {
        if (Double.isNaN(v)) return "–";
        String s = String.format(Locale.ROOT, "%+." + decimals + "f", v);
        return s.replace('-', '−');
    }

    /** Code span. */
    public static String code(String s) { return "`" + s + "`"; }
}
