package dev.morse.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} format (format versions 1.0, 2.0 and 3.0), as numpy's own
 * {@code numpy/lib/format.py} defines it: the magic {@code \x93NUMPY}, a version, a header length
 * (2 bytes little-endian in v1, 4 bytes in v2/v3), a Python-literal header dict with
 * {@code descr}, {@code fortran_order} and {@code shape}, padded with spaces and a newline so the
 * data start on a 64-byte boundary, then the raw elements.
 *
 * <p>Reading accepts the element types {@code f8 f4 i8 i4 i2 i1 u8 u4 u2 u1 b1} in either byte
 * order and C order only: a Fortran-order array is refused with a message saying how to convert
 * it. Writing produces exactly what {@code numpy.save} writes (v1 header, including numpy's
 * spare space for growing the first axis), in {@code <f8}, {@code <f4} or {@code <i8}.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy's ARRAY_ALIGN: the header is padded so the data start at a multiple of 64 bytes. */
    private static final int ALIGN = 64;
    /** numpy's GROWTH_AXIS_MAX_DIGITS: spare header room so the first axis can grow in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    /** True when the bytes start with the {@code .npy} magic string. */
    public static boolean hasMagic(byte[] b) {
        if (b.length < MAGIC.length) return false;
        for (int i = 0; i < MAGIC.length; i++) if (b[i] != MAGIC[i]) return false;
        return true;
    }

    /** Reads a {@code .npy} file (gzip-compressed files are recognised and decompressed). */
    public static NdArray read(Path file) {
        return parse(DataFiles.readBytes(file), file.toString());
    }

    /**
     * Parses the bytes of a {@code .npy} file.
     *
     * @param source the file name, for messages
     * @throws InputException when the bytes are not a valid, supported {@code .npy} array
     */
    public static NdArray parse(byte[] b, String source) {
        Header h = header(b, source);
        long need = h.count * h.type.size;
        long have = b.length - h.dataStart;
        if (have < need) {
            throw new InputException(source + ": truncated data: shape " + NdArray.shapeText(h.shape) + " of " + h.descr + " needs "
                    + need + " bytes, the file has " + have + " after the header (" + (have / h.type.size) + " of " + h.count + " elements)");
        }
        ByteBuffer buf = ByteBuffer.wrap(b, h.dataStart, (int) need).order(h.type.order);
        double[] v = new double[(int) h.count];
        for (int i = 0; i < v.length; i++) v[i] = h.type.read(buf);
        return new NdArray(source, h.descr, h.type.integer, h.shape, v);
    }

    /** Longest header accepted: numpy writes a few hundred bytes (and by default reads at most 10 000). */
    static final int MAX_HEADER = 1 << 20;

    /** A parsed header: where the data start, the shape, the element count and type. */
    record Header(int dataStart, int[] shape, long count, String descr, DType type) {
        /** Bytes of the whole file as the header declares it: header plus data. */
        long declaredLength() {
            return dataStart + count * type.size;
        }
    }

    /**
     * Bytes needed to read the header, from the first 12 bytes (magic, version, header length),
     * or -1 when those bytes do not tell (not .npy, an unknown version, too short).
     */
    static long headerEnd(byte[] b) {
        if (!hasMagic(b) || b.length < 10) return -1;
        int major = b[6] & 0xff;
        if (major == 1) return 10L + ((b[8] & 0xff) | (b[9] & 0xff) << 8);
        if ((major == 2 || major == 3) && b.length >= 12) {
            return 12L + ((b[8] & 0xffL) | (b[9] & 0xffL) << 8 | (b[10] & 0xffL) << 16 | (b[11] & 0xffL) << 24);
        }
        return -1;
    }

    /** The header of a .npy file (the data may be missing). */
    static Header header(byte[] b, String source) {
        if (!hasMagic(b)) {
            throw new InputException(source + ": not a .npy file: bad magic (expected \\x93NUMPY at byte 0, found "
                    + printable(b, 0, Math.min(6, b.length)) + ")");
        }
        if (b.length < 10) throw new InputException(source + ": truncated .npy header (" + b.length + " bytes)");
        int major = b[6] & 0xff, minor = b[7] & 0xff;
        int headerLen, start;
        if (major == 1) {
            headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (b.length < 12) throw new InputException(source + ": truncated .npy header (" + b.length + " bytes)");
            long len = (b[8] & 0xffL) | (b[9] & 0xffL) << 8 | (b[10] & 0xffL) << 16 | (b[11] & 0xffL) << 24;
            if (len > MAX_HEADER) {
                throw new InputException(source + ": .npy header length " + len + " bytes is not plausible (numpy writes a few hundred; at most "
                        + MAX_HEADER + " are read)");
            }
            headerLen = (int) len;
            start = 12;
        } else {
            throw new InputException(source + ": unsupported .npy format version " + major + "." + minor + " (expected 1.0, 2.0 or 3.0)");
        }
        if ((long) start + headerLen > b.length) {
            throw new InputException(source + ": truncated .npy header: it declares " + headerLen + " bytes, the file has "
                    + (b.length - start) + " after the prefix");
        }
        String header = new String(b, start, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).trim();
        String shown = header.length() > 200 ? header.substring(0, 200) + "…" : header;
        Matcher m = DESCR.matcher(header);
        if (!m.find()) throw new InputException(source + ": .npy header has no 'descr' entry: " + shown);
        String descr = m.group(1);
        m = FORTRAN.matcher(header);
        if (!m.find()) throw new InputException(source + ": .npy header has no 'fortran_order' entry: " + shown);
        if (m.group(1).equals("True")) {
            throw new InputException(source + ": Fortran-order (column-major) arrays are not supported; expected C order. "
                    + "Save it with numpy.save(path, numpy.ascontiguousarray(a))");
        }
        m = SHAPE.matcher(header);
        if (!m.find()) throw new InputException(source + ": .npy header has no 'shape' entry: " + shown);
        int[] shape = parseShape(m.group(1), source);
        DType t = DType.parse(descr, source);
        long count = NdArray.elements(shape);
        if (count > Integer.MAX_VALUE - 8) {
            throw new InputException(source + ": shape " + NdArray.shapeText(shape) + " has " + (count == Long.MAX_VALUE ? "more than 2^63" : count)
                    + " elements, more than one Java array holds");
        }
        return new Header(start + headerLen, shape, count, descr, t);
    }

    private static int[] parseShape(String s, String source) {
        String t = s.trim();
        if (t.isEmpty()) return new int[0];
        String[] parts = t.split(",", -1);
        int n = parts.length;
        if (n > 1 && parts[n - 1].isBlank()) n--;   // the trailing comma of (3,)
        int[] shape = new int[n];
        for (int i = 0; i < n; i++) {
            String p = parts[i].trim();
            if (p.endsWith("L")) p = p.substring(0, p.length() - 1);   // Python 2 long literals
            try {
                long d = Numbers.parseLong(p);
                if (d < 0 || d > Integer.MAX_VALUE) throw new NumberFormatException();
                shape[i] = (int) d;
            } catch (NumberFormatException e) {
                String shown = s.length() > 100 ? s.substring(0, 100) + "…" : s;
                String dim = parts[i].trim().length() > 30 ? parts[i].trim().substring(0, 30) + "…" : parts[i].trim();
                throw new InputException(source + ": .npy shape (" + shown + ") has a bad dimension '" + dim + "' at position " + i);
            }
        }
        return shape;
    }

    /** An element type: byte order, size and kind. */
    record DType(ByteOrder order, int size, char kind, boolean integer) {
        static DType parse(String descr, String source) {
            String supported = "<f8, <f4, <i8, <i4, <i2, |i1, <u8, <u4, <u2, |u1, |b1 (or big-endian '>')";
            if (descr.length() < 3) throw new InputException(source + ": unsupported dtype '" + descr + "'; expected one of " + supported);
            char o = descr.charAt(0);
            char kind = descr.charAt(1);
            int size;
            try {
                String digits = descr.substring(2);
                if (digits.isEmpty() || digits.length() > 2 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) throw new NumberFormatException();
                size = Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                throw new InputException(source + ": unsupported dtype '" + descr + "'; expected one of " + supported);
            }
            ByteOrder order = switch (o) {
                case '<', '|', '=' -> ByteOrder.LITTLE_ENDIAN;
                case '>' -> ByteOrder.BIG_ENDIAN;
                default -> null;
            };
            boolean ok = order != null && switch (kind) {
                case 'f' -> size == 4 || size == 8;
                case 'i', 'u' -> size == 1 || size == 2 || size == 4 || size == 8;
                case 'b' -> size == 1;
                default -> false;
            };
            if (!ok) {
                String hint = kind == 'c' ? " (complex numbers have no meaning here)" : kind == 'f' && size == 2 ? " (convert float16 with a.astype('<f4'))"
                        : kind == 'U' || kind == 'S' || kind == 'O' ? " (a text or object array: save numbers)" : "";
                throw new InputException(source + ": unsupported dtype '" + descr + "'" + hint + "; expected one of " + supported);
            }
            return new DType(order, size, kind, kind != 'f');
        }

        double read(ByteBuffer b) {
            return switch (kind) {
                case 'f' -> size == 8 ? b.getDouble() : b.getFloat();
                case 'i' -> switch (size) {
                    case 1 -> b.get();
                    case 2 -> b.getShort();
                    case 4 -> b.getInt();
                    default -> b.getLong();
                };
                case 'u' -> switch (size) {
                    case 1 -> b.get() & 0xff;
                    case 2 -> b.getShort() & 0xffff;
                    case 4 -> b.getInt() & 0xffffffffL;
                    default -> unsignedLong(b.getLong());
                };
                default -> b.get() != 0 ? 1 : 0;
            };
        }

        private static double unsignedLong(long x) {
            return x >= 0 ? x : (double) (x >>> 1) * 2 + (x & 1);
        }
    }

    // ------------------------------------------------------------------ writing

    /** Writes a float64 array ({@code <f8}) of the given shape (default: 1-D). */
    public static void write(Path file, double[] values, int... shape) throws IOException {
        try (java.io.OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            write(os, values, shape);
        }
    }

    /** Writes a float64 {@code .npy} array to a stream (numpy.save's bytes), in blocks: no second copy of the data. */
    public static void write(java.io.OutputStream os, double[] values, int... shape) throws IOException {
        int[] s = checkShape(values.length, shape);
        os.write(encode("<f8", s, new byte[0]));
        ByteBuffer block = ByteBuffer.allocate(8 * 8192).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i += 8192) {
            block.clear();
            int n = Math.min(8192, values.length - i);
            for (int k = 0; k < n; k++) block.putDouble(values[i + k]);
            os.write(block.array(), 0, 8 * n);
        }
    }

    /** Writes a float32 array ({@code <f4}); values are rounded to float. */
    public static void writeFloat32(Path file, double[] values, int... shape) throws IOException {
        int[] s = checkShape(values.length, shape);
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : values) data.putFloat((float) x);
        Files.write(file, encode("<f4", s, data.array()));
    }

    /** Writes an int64 array ({@code <i8}). */
    public static void writeInt64(Path file, long[] values, int... shape) throws IOException {
        int[] s = checkShape(values.length, shape);
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : values) data.putLong(x);
        Files.write(file, encode("<i8", s, data.array()));
    }

    private static int[] checkShape(int length, int[] shape) {
        if (shape == null || shape.length == 0) return new int[] {length};
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + NdArray.shapeText(shape));
            n *= d;
        }
        if (n != length) throw new IllegalArgumentException("shape " + NdArray.shapeText(shape) + " holds " + n + " elements, got " + length);
        return shape;
    }

    /** The v1 header numpy writes for this dtype and shape, followed by the data. */
    static byte[] encode(String descr, int[] shape, byte[] data) {
        StringBuilder h = new StringBuilder();
        // Keys sorted, as numpy's _write_array_header does; repr(False) and repr(tuple).
        h.append("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': ").append(NdArray.shapeText(shape)).append(", }");
        if (shape.length > 0) h.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length())));
        int hlen = h.length() + 1;   // + the closing newline
        // numpy: padlen = ARRAY_ALIGN − ((MAGIC_LEN + 2 + hlen) % ARRAY_ALIGN), a full 64 when already aligned.
        int pad = ALIGN - ((MAGIC.length + 2 + 2 + hlen) % ALIGN);
        int total = hlen + pad;
        if (total > 0xffff) throw new IllegalArgumentException("header too long for format 1.0: " + total + " bytes");
        byte[] out = new byte[10 + total + data.length];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) (total & 0xff);
        out[9] = (byte) (total >>> 8);
        byte[] hb = (h + " ".repeat(pad) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(hb, 0, out, 10, hb.length);
        System.arraycopy(data, 0, out, 10 + total, data.length);
        return out;
    }

    static String printable(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') sb.append((char) c);
            else sb.append(String.format("\\x%02x", c));
        }
        return sb.length() == 0 ? "an empty file" : "'" + sb + "'";
    }
}
