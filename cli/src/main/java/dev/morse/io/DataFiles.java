package dev.morse.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reading data files whatever their format: {@code .npy}, IDX (MNIST) or CSV, recognised by their
 * first bytes (the magic strings) before their extension, gzip-compressed or not.
 */
public final class DataFiles {
    private DataFiles() {}

    /** Formats a file can have. */
    public enum Format { NPY, IDX, CSV }

    /** The bytes of a file, decompressed when it is gzip; missing or unreadable files are input errors. */
    public static byte[] readBytes(Path file) {
        byte[] b;
        try {
            if (Files.isDirectory(file)) throw new InputException(file + ": is a directory, expected a file");
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new InputException(file + ": permission denied");
        } catch (OutOfMemoryError e) {
            throw new InputException(file + ": too large to read into memory");
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new InputException(file + ": a damaged gzip file (" + e.getMessage() + ")", e);
            }
        }
        return b;
    }

    /** The JSON value in a file; malformed JSON is an input error naming the file, line and column. */
    public static Object readJson(Path file) {
        return parseJson(new String(readBytes(file), java.nio.charset.StandardCharsets.UTF_8), file.toString());
    }

    /** The top-level object of a JSON file. */
    @SuppressWarnings("unchecked")
    public static java.util.Map<String, Object> readJsonObject(Path file) {
        Object o = readJson(file);
        if (!(o instanceof java.util.Map)) {
            throw new InputException(file + ": expected a JSON object at the top level, found " + dev.morse.json.JsonReader.kind(o));
        }
        return (java.util.Map<String, Object>) o;
    }

    /** JSON text from {@code source} (a file name, for messages). */
    public static Object parseJson(String text, String source) {
        try {
            return dev.morse.json.JsonReader.parse(text);
        } catch (dev.morse.json.JsonException e) {
            throw new InputException(source + " " + e.getMessage(), e);
        }
    }

    /** The format of a file, from its magic bytes, else its extension. */
    public static Format detect(Path file, byte[] b) {
        if (Npy.hasMagic(b)) return Format.NPY;
        if (Idx.hasMagic(b)) return Format.IDX;
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) name = name.substring(0, name.length() - 3);
        if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".txt")) return Format.CSV;
        if (name.endsWith(".npy")) {
            throw new InputException(file + ": not a .npy file: bad magic (expected \\x93NUMPY at byte 0, found "
                    + Npy.printable(b, 0, Math.min(6, b.length)) + ")");
        }
        if (name.contains("idx") || name.endsWith("-ubyte")) {
            throw new InputException(file + ": not an IDX file: bad magic (expected 00 00 <type> <dims> at byte 0, found "
                    + Npy.printable(b, 0, Math.min(4, b.length)) + ")");
        }
        throw new InputException(file + ": unrecognized format; expected .npy (numpy), IDX (MNIST) or .csv with a header row");
    }

    /** An array from a {@code .npy} or IDX file (CSV files hold tables: see {@link Csv}). */
    public static NdArray readArray(Path file) {
        return parseArray(file, readBytes(file));
    }

    /** {@link #readArray(Path)} on bytes already read (and decompressed) from {@code file}. */
    public static NdArray parseArray(Path file, byte[] b) {
        return switch (detect(file, b)) {
            case NPY -> Npy.parse(b, file.toString());
            case IDX -> Idx.parse(b, file.toString());
            case CSV -> throw new InputException(file + ": a CSV file here is not supported; expected .npy or IDX "
                    + "(for CSV, give the whole table with --inputs and name the target column with --target-column)");
        };
    }
}
