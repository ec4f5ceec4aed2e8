package dev.morse.io;

import dev.morse.linalg.MemoryGuard;
import java.io.BufferedInputStream;
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
        return readBytes(file, -1, null);
    }

    /**
     * The bytes of a file (decompressed when gzip), read no further than its header declares: a
     * {@code .npy} or IDX file is read up to the end of the data its header describes, so a
     * decompression bomb behind a small header costs nothing, and a header whose element count is
     * not {@code expectedElements} (when ≥ 0) is refused with {@code mismatch}'s message, before the
     * data are read. Other files (CSV, JSON) are read whole, up to one Java array. The memory
     * the data will take as doubles is checked first (exit 4 with the estimate).
     */
    public static byte[] readBytes(Path file, long expectedElements, java.util.function.LongFunction<String> mismatch) {
        if (Files.isDirectory(file)) throw new InputException(file + ": is a directory, expected a file");
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), expectedElements, mismatch);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new InputException(file + ": permission denied");
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Bytes read at a time, and the first read that decides the format. */
    private static final int CHUNK = 1 << 16;

    /** Largest file (or decompressed content) read without a header that declares its size. */
    static final long MAX_UNDECLARED = Integer.MAX_VALUE - 8;

    /**
     * {@link #readBytes(Path, long, String)} on a stream (tests and fuzzing use byte arrays).
     *
     * @throws InputException for damaged gzip data, content beyond what the header declares or
     *                        beyond one Java array, and headers with another element count
     */
    public static byte[] read(InputStream raw, String source, long expectedElements, java.util.function.LongFunction<String> mismatch) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, CHUNK);
        buffered.mark(2);
        int b0 = buffered.read(), b1 = buffered.read();
        buffered.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        try {
            InputStream in = gzip ? new GZIPInputStream(buffered, CHUNK) : buffered;
            Buffer buf = new Buffer();
            buf.fill(in, 16);
            long limit = MAX_UNDECLARED;
            long elements = -1;
            boolean declared = false;
            boolean idx = false;
            if (Npy.hasMagic(buf.bytes())) {
                long headerEnd = Npy.headerEnd(buf.bytes());
                if (headerEnd > 0 && headerEnd <= Npy.MAX_HEADER + 12) buf.fill(in, headerEnd);
                Npy.Header h = Npy.header(buf.bytes(), source);   // a damaged header fails here, with its message
                limit = h.declaredLength();
                elements = h.count();
                declared = true;
            } else if (Idx.hasMagic(buf.bytes())) {
                buf.fill(in, 4 + 4L * (buf.bytes()[3] & 0xff));
                long len = Idx.declaredLength(buf.bytes());
                if (len >= 0) {
                    limit = len;
                    elements = Idx.declaredElements(buf.bytes());
                    declared = true;
                    idx = true;
                }
            }
            if (declared && expectedElements >= 0 && elements != expectedElements) {
                throw new InputException(source + ": " + mismatch.apply(elements));
            }
            if (declared) {
                MemoryGuard.check(source + " (" + elements + " values read as doubles)", Math.max(limit, elements), limit + 8.0 * elements,
                        "Use a smaller file (fewer samples), or raise the heap with MORSE_JAVA_OPTS=-Xmx…");
            }
            buf.fill(in, limit);
            // Data after an IDX file's declared shape was dropped in silence: the header (often its
            // dimension count) is wrong, and the values read would be the wrong ones. A .npy file may
            // have bytes after its array, as numpy reads it (np.save appends arrays to one file).
            if (idx && buf.size() >= limit) {
                long extra = buf.size() - limit;   // the first read may pass the end of a short file's data
                if (extra > 0 || in.read() >= 0) {
                    // counted up to one chunk only: the message needs no exact count of a large tail, and a
                    // decompression bomb behind a small header must cost nothing here either
                    extra += (extra > 0 ? 0 : 1) + count(in, CHUNK + 1);
                    throw new InputException(Idx.trailing(source, buf.bytes(), extra, CHUNK, gzip));
                }
            }
            if (!declared && buf.size() >= limit && in.read() >= 0) {
                throw new InputException(source + (gzip ? ": decompresses to more than " + MemoryGuard.formatBytes(limit)
                        + " (a damaged file or a decompression bomb)" : ": larger than " + MemoryGuard.formatBytes(limit) + ", more than Morse reads"));
            }
            return buf.bytes();
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            if (!gzip) throw e;
            throw new InputException(source + ": a damaged gzip file (" + e.getMessage() + ")", e);
        } catch (OutOfMemoryError e) {
            throw new dev.morse.linalg.MemoryLimitException(source + ": reading it needs more memory than the heap has free ("
                    + MemoryGuard.formatBytes(MemoryGuard.availableBytes()) + "); raise the heap with MORSE_JAVA_OPTS=-Xmx…", -1, MemoryGuard.availableBytes());
        }
    }

    /** Bytes left in {@code in}, counted up to {@code cap} (more is {@code cap}: a bomb is not read to its end). */
    private static long count(InputStream in, long cap) throws IOException {
        byte[] skip = new byte[CHUNK];
        long n = 0;
        int r;
        while (n < cap && (r = in.read(skip, 0, (int) Math.min(skip.length, cap - n))) >= 0) n += r;
        return n;
    }

    /** A growing byte array with a hard limit, filled from a stream. */
    private static final class Buffer {
        private byte[] a = new byte[256];
        private int n;

        /** Reads until {@code total} bytes are held or the stream ends. */
        void fill(InputStream in, long total) throws IOException {
            long want = Math.min(total, MAX_UNDECLARED);
            while (n < want) {
                if (n == a.length) a = java.util.Arrays.copyOf(a, (int) Math.min(want, Math.max(2L * a.length, CHUNK)));
                int r = in.read(a, n, (int) Math.min(a.length, want) - n);
                if (r < 0) return;
                n += r;
            }
        }

        int size() {
            return n;
        }

        byte[] bytes() {
            return n == a.length ? a : java.util.Arrays.copyOf(a, n);
        }
    }

    /** The JSON value in a file; malformed JSON is an input error naming the file, line and column. */
    public static Object readJson(Path file) {
        return parseJson(new String(readBytes(file), java.nio.charset.StandardCharsets.UTF_8), file.toString());
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

    /** {@link #readArray(Path)} of a file whose header must declare {@code elements} elements (else {@code mismatch}'s message). */
    public static NdArray readArray(Path file, long elements, java.util.function.LongFunction<String> mismatch) {
        return parseArray(file, readBytes(file, elements, mismatch));
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
