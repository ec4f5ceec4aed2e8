package dev.morse.io;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A numeric CSV table with a header row: comma-separated (or tab- or semicolon-separated, guessed
 * from the header), optional double quotes around fields, blank lines and lines starting with
 * {@code #} skipped. Every field must parse as a number; messages give the line and column.
 */
public final class Csv {
    private Csv() {}

    /** The columns by name and the numeric rows (row-major, rows × columns). */
    public record Table(String source, List<String> columns, int rows, double[] values) {

        public int index(String column) {
            return columns.indexOf(column);
        }

        /** Selected columns as an N × k array. */
        public NdArray select(List<Integer> cols, String what) {
            int k = cols.size();
            double[] v = new double[rows * k];
            boolean integer = true;
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < k; j++) {
                    double x = values[r * columns.size() + cols.get(j)];
                    v[r * k + j] = x;
                    integer &= x == Math.rint(x);
                }
            }
            return new NdArray(source + " " + what, "csv", integer, new int[] {rows, k}, v);
        }
    }

    public static Table read(Path file) {
        return parse(new String(DataFiles.readBytes(file), StandardCharsets.UTF_8), file.toString());
    }

    public static Table parse(String text, String source) {
        String[] lines = text.split("\r?\n", -1);
        int li = 0;
        while (li < lines.length && (lines[li].isBlank() || lines[li].startsWith("#"))) li++;
        if (li == lines.length) throw new InputException(source + ": the CSV file is empty (expected a header row, then numeric rows)");
        String headerLine = lines[li].startsWith("\uFEFF") ? lines[li].substring(1) : lines[li];
        char sep = headerLine.indexOf(',') >= 0 ? ',' : headerLine.indexOf('\t') >= 0 ? '\t' : headerLine.indexOf(';') >= 0 ? ';' : ',';
        List<String> header = split(headerLine, sep);
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < header.size(); i++) {
            String h = header.get(i).trim();
            header.set(i, h);
            if (h.isEmpty()) throw new InputException(source + " line " + (li + 1) + ": header column " + (i + 1) + " has no name");
            if (!seen.add(h)) throw new InputException(source + " line " + (li + 1) + ": header names column '" + h + "' twice");
        }
        if (Numbers.isNumber(header.get(0))) {
            throw new InputException(source + " line " + (li + 1) + ": the first row looks numeric ('" + header.get(0)
                    + "'); a CSV file needs a header row naming its columns");
        }
        int cols = header.size();
        double[] v = new double[Math.max(16, cols * 4)];   // grows by doubling: memory stays within a small multiple of the text
        int rows = 0;
        for (int i = li + 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) continue;
            List<String> f = split(line, sep);
            if (f.size() != cols) {
                throw new InputException(source + " line " + (i + 1) + ": expected " + cols + " fields (as in the header), found " + f.size());
            }
            if ((long) (rows + 1) * cols > Integer.MAX_VALUE - 8) throw new InputException(source + ": too many values for one array");
            if ((rows + 1) * cols > v.length) v = Arrays.copyOf(v, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * v.length + cols));
            for (int c = 0; c < cols; c++) {
                String s = f.get(c).trim();
                try {
                    v[rows * cols + c] = Numbers.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new InputException(source + " line " + (i + 1) + ", column '" + header.get(c) + "': '" + s
                            + "' is not a decimal number (as numpy reads them: 1, -2.5, 1e-3, nan)");
                }
            }
            rows++;
        }
        if (rows == 0) throw new InputException(source + ": the CSV file has a header but no data rows");
        return new Table(source, List.copyOf(header), rows, Arrays.copyOf(v, rows * cols));
    }

    private static List<String> split(String line, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == sep) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
