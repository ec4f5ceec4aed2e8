package dev.morse.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The IDX format of the MNIST files (LeCun et al.): two zero bytes, a type byte (0x08 unsigned
 * byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
 * dimensions, each dimension as a big-endian int32, then the big-endian data in C order.
 * {@code train-images-idx3-ubyte} is N × 28 × 28 unsigned bytes, {@code train-labels-idx1-ubyte}
 * is N labels. Gzip-compressed files ({@code .gz}) are decompressed on the fly.
 */
public final class Idx {
    private Idx() {}

    /** True when the bytes start like an IDX file: 0, 0, a known type byte, 1 to 8 dimensions. */
    public static boolean hasMagic(byte[] b) {
        if (b.length < 4 || b[0] != 0 || b[1] != 0) return false;
        int type = b[2] & 0xff;
        int dims = b[3] & 0xff;
        return (type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C || type == 0x0D || type == 0x0E) && dims >= 1 && dims <= 8;
    }

    /**
     * Bytes of the whole file as its header declares them (header plus data), or -1 when the
     * bytes given do not hold the whole header or it is invalid (parsing then says why).
     */
    static long declaredLength(byte[] b) {
        if (!hasMagic(b)) return -1;
        int dims = b[3] & 0xff;
        if (b.length < 4 + 4 * dims) return -1;
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        int[] shape = new int[dims];
        for (int i = 0; i < dims; i++) {
            shape[i] = buf.getInt(4 + 4 * i);
            if (shape[i] < 0) return -1;
        }
        long count = NdArray.elements(shape);
        if (count > Integer.MAX_VALUE - 8) return -1;
        return 4 + 4L * dims + count * itemSize(b[2] & 0xff);
    }

    /** Elements of a (valid) header's shape, or -1. */
    static long declaredElements(byte[] b) {
        if (declaredLength(b) < 0) return -1;
        int dims = b[3] & 0xff;
        int[] shape = new int[dims];
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < dims; i++) shape[i] = buf.getInt(4 + 4 * i);
        return NdArray.elements(shape);
    }

    private static int itemSize(int type) {
        return switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C, 0x0D -> 4;
            default -> 8;
        };
    }

    /**
     * The refusal of data after the shape that {@code header} (a valid header and its data)
     * declares: {@code extra} bytes more (counted up to one past {@code cap}; "more than cap" when
     * extra exceeds it), named in bytes, with the header's dimension count, the usual culprit.
     */
    static String trailing(String source, byte[] header, long extra, long cap, boolean gzip) {
        int dims = header[3] & 0xff;
        int[] shape = new int[dims];
        ByteBuffer buf = ByteBuffer.wrap(header).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < dims; i++) shape[i] = buf.getInt(4 + 4 * i);
        long head = 4 + 4L * dims, data = declaredLength(header) - head;
        String more = extra > cap ? "more than " + cap : String.valueOf(extra);
        return source + ": malformed IDX: " + more + " bytes after the data that its header declares (" + dims + (dims == 1 ? " dimension" : " dimensions")
                + ", shape " + NdArray.shapeText(shape) + " of " + typeName(header[2] & 0xff) + ": " + data + " bytes after the " + head + "-byte header; the file"
                + (gzip ? " decompresses to " : " has ") + (extra > cap ? "more than " + (head + data + cap) : String.valueOf(head + data + extra))
                + " bytes); check the dimension count (the header's 4th byte) and the sizes";
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "ubyte";
            case 0x09 -> "byte";
            case 0x0B -> "int16";
            case 0x0C -> "int32";
            case 0x0D -> "float32";
            default -> "float64";
        };
    }

    public static NdArray read(Path file) {
        return parse(DataFiles.readBytes(file), file.toString());
    }

    public static NdArray parse(byte[] b, String source) {
        if (!hasMagic(b)) {
            throw new InputException(source + ": not an IDX file: bad magic (expected 00 00 <type 08|09|0B|0C|0D|0E> <dims> at byte 0, found "
                    + Npy.printable(b, 0, Math.min(4, b.length)) + ")");
        }
        int type = b[2] & 0xff;
        int dims = b[3] & 0xff;
        if (b.length < 4 + 4 * dims) throw new InputException(source + ": truncated IDX header (" + b.length + " bytes, " + dims + " dimensions declared)");
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        buf.position(4);
        int[] shape = new int[dims];
        for (int i = 0; i < dims; i++) {
            shape[i] = buf.getInt();
            if (shape[i] < 0) throw new InputException(source + ": IDX dimension " + i + " is negative (" + shape[i] + ")");
        }
        long count = NdArray.elements(shape);
        int size = itemSize(type);
        String dtype = typeName(type);
        if (count > Integer.MAX_VALUE - 8) {
            throw new InputException(source + ": IDX shape " + NdArray.shapeText(shape) + " has " + (count == Long.MAX_VALUE ? "more than 2^63" : count)
                    + " elements, more than one Java array holds");
        }
        long have = b.length - buf.position();
        if (have < count * size) {
            throw new InputException(source + ": truncated data: IDX shape " + NdArray.shapeText(shape) + " of " + dtype + " needs "
                    + count * size + " bytes, the file has " + have + " after the header");
        }
        if (have > count * size) throw new InputException(trailing(source, b, have - count * size, Long.MAX_VALUE, false));
        double[] v = new double[(int) count];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (type) {
                case 0x08 -> buf.get() & 0xff;
                case 0x09 -> buf.get();
                case 0x0B -> buf.getShort();
                case 0x0C -> buf.getInt();
                case 0x0D -> buf.getFloat();
                default -> buf.getDouble();
            };
        }
        return new NdArray(source, dtype, type != 0x0D && type != 0x0E, shape, v);
    }
}
