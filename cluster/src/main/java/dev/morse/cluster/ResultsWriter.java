package dev.morse.cluster;

import dev.morse.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes the rows of a sweep: {@code results.jsonl} (one JSON object per task, every column
 * present, {@code null} where a row has no value) and {@code results.parquet} (the same rows, one
 * Parquet file written through Spark SQL). Both are written beside and renamed into place, so a
 * reader sees the old file or the new one, never a part.
 *
 * <p>Columns: {@code task_id}, {@code status}, the config options (spec order), each step's outputs
 * {@code step.field} (step order, then first appearance), {@code time.<step>} and {@code time.total}
 * (seconds), {@code executor}, {@code attempt}, {@code error}, {@code error_step}.
 *
 * <p>Parquet types: booleans; {@code bigint} when every value is an integer; {@code double} when
 * all are numbers; {@code string}; arrays of numbers as {@code array<double>} ({@code array<bigint>}
 * when all integers), of strings as {@code array<string>}; a column whose values mix kinds, or hold
 * nested arrays or objects, is a {@code string} of JSON text (plain strings stay as they are).
 */
final class ResultsWriter {
    private ResultsWriter() {}

    static final List<String> TAIL = List.of("executor", "attempt", "error", "error_step");

    /** The column order described in the class comment. */
    static List<String> columns(SweepSpec spec, List<SweepTask> tasks, List<Map<String, Object>> rows) {
        LinkedHashSet<String> cols = new LinkedHashSet<>(List.of("task_id", "status"));
        for (SweepTask t : tasks) cols.addAll(t.config().keySet());
        Set<String> seen = new LinkedHashSet<>();
        for (Map<String, Object> r : rows) seen.addAll(r.keySet());
        for (SweepSpec.Step s : spec.steps()) {
            for (String c : seen) if (c.startsWith(s.name() + ".")) cols.add(c);
        }
        for (SweepSpec.Step s : spec.steps()) if (seen.contains("time." + s.name())) cols.add("time." + s.name());
        cols.add("time.total");
        cols.addAll(TAIL);
        for (String c : seen) cols.add(c); // anything else (a row from a runner that added columns)
        return new ArrayList<>(cols);
    }

    static void writeJsonl(Path dir, List<String> columns, List<Map<String, Object>> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> r : rows) {
            Map<String, Object> full = new LinkedHashMap<>();
            for (String c : columns) full.put(c, r.get(c));
            sb.append(Json.write(full)).append('\n');
        }
        AtomicFiles.write(dir.resolve(SweepDir.RESULTS_JSONL), sb.toString(), true);
    }

    /** Value kinds, joined over a column. */
    private enum Kind { NONE, BOOL, LONG, DOUBLE, STRING, ARR_NONE, ARR_BOOL, ARR_LONG, ARR_DOUBLE, ARR_STRING, JSON }

    private static Kind kindOf(Object v) {
        if (v == null) return Kind.NONE;
        if (v instanceof Boolean) return Kind.BOOL;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return Kind.LONG;
        if (v instanceof Number) return Kind.DOUBLE;
        if (v instanceof String) return Kind.STRING;
        if (v instanceof List<?> l) {
            Kind k = Kind.ARR_NONE;
            for (Object x : l) {
                Kind e = switch (kindOf(x)) {
                    case NONE -> Kind.ARR_NONE;
                    case BOOL -> Kind.ARR_BOOL;
                    case LONG -> Kind.ARR_LONG;
                    case DOUBLE -> Kind.ARR_DOUBLE;
                    case STRING -> Kind.ARR_STRING;
                    default -> Kind.JSON;
                };
                k = join(k, e);
            }
            return k;
        }
        return Kind.JSON;
    }

    private static Kind join(Kind a, Kind b) {
        if (a == b || b == Kind.NONE) return a;
        if (a == Kind.NONE) return b;
        if (a == Kind.ARR_NONE && b.name().startsWith("ARR_")) return b;
        if (b == Kind.ARR_NONE && a.name().startsWith("ARR_")) return a;
        if ((a == Kind.LONG && b == Kind.DOUBLE) || (a == Kind.DOUBLE && b == Kind.LONG)) return Kind.DOUBLE;
        if ((a == Kind.ARR_LONG && b == Kind.ARR_DOUBLE) || (a == Kind.ARR_DOUBLE && b == Kind.ARR_LONG)) return Kind.ARR_DOUBLE;
        return Kind.JSON;
    }

    private static DataType typeOf(Kind k) {
        return switch (k) {
            case BOOL -> DataTypes.BooleanType;
            case LONG -> DataTypes.LongType;
            case DOUBLE -> DataTypes.DoubleType;
            case ARR_BOOL -> DataTypes.createArrayType(DataTypes.BooleanType, true);
            case ARR_LONG -> DataTypes.createArrayType(DataTypes.LongType, true);
            case ARR_DOUBLE, ARR_NONE -> DataTypes.createArrayType(DataTypes.DoubleType, true);
            case ARR_STRING -> DataTypes.createArrayType(DataTypes.StringType, true);
            case NONE, STRING, JSON -> DataTypes.StringType;
        };
    }

    private static Object convert(Object v, Kind k) {
        if (v == null) return null;
        return switch (k) {
            case BOOL -> v;
            case LONG -> ((Number) v).longValue();
            case DOUBLE -> ((Number) v).doubleValue();
            case ARR_BOOL, ARR_STRING -> new ArrayList<>((List<?>) v);
            case ARR_LONG -> {
                List<Object> l = new ArrayList<>();
                for (Object x : (List<?>) v) l.add(x == null ? null : ((Number) x).longValue());
                yield l;
            }
            case ARR_DOUBLE, ARR_NONE -> {
                List<Object> l = new ArrayList<>();
                for (Object x : (List<?>) v) l.add(x == null ? null : ((Number) x).doubleValue());
                yield l;
            }
            case NONE, STRING, JSON -> v instanceof String s ? s : Json.write(v);
        };
    }

    /** The Spark SQL schema of {@code rows} over {@code columns} (see the class comment). */
    static StructType schema(List<String> columns, List<Map<String, Object>> rows) {
        List<StructField> fields = new ArrayList<>();
        for (String c : columns) fields.add(DataTypes.createStructField(c, typeOf(columnKind(c, rows)), true));
        return DataTypes.createStructType(fields);
    }

    private static Kind columnKind(String c, List<Map<String, Object>> rows) {
        Kind k = Kind.NONE;
        for (Map<String, Object> r : rows) k = join(k, kindOf(r.get(c)));
        return k;
    }

    static void writeParquet(SparkSession spark, Path dir, List<String> columns, List<Map<String, Object>> rows)
            throws IOException {
        Path target = dir.resolve(SweepDir.RESULTS_PARQUET);
        if (rows.isEmpty()) {
            Files.deleteIfExists(target);
            return;
        }
        Kind[] kinds = new Kind[columns.size()];
        for (int i = 0; i < kinds.length; i++) kinds[i] = columnKind(columns.get(i), rows);
        List<Row> sparkRows = new ArrayList<>(rows.size());
        for (Map<String, Object> r : rows) {
            Object[] vals = new Object[columns.size()];
            for (int i = 0; i < vals.length; i++) vals[i] = convert(r.get(columns.get(i)), kinds[i]);
            sparkRows.add(RowFactory.create(vals));
        }
        Path tmp = dir.resolve(SweepDir.RESULTS_PARQUET_TMP + UUID.randomUUID().toString().substring(0, 8));
        try {
            spark.createDataFrame(sparkRows, schema(columns, rows)).coalesce(1)
                    .write().mode(SaveMode.ErrorIfExists).parquet(SparkJvm.hadoopPath(tmp));
            Path part = null;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, "part-*.parquet")) {
                for (Path p : ds) {
                    if (part != null) throw new IOException(tmp + ": more than one Parquet part file");
                    part = p;
                }
            }
            if (part == null) throw new IOException(tmp + ": Spark wrote no Parquet part file");
            AtomicFiles.place(part, target, true);
        } finally {
            SweepDir.deleteTree(tmp);
        }
    }
}
