package dev.morse.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .npy reader and writer against bytes written by numpy 2.4 itself (numpy.save), and their failure messages. */
class NpyTest {

    @TempDir
    Path dir;

    // numpy.save(io, numpy.array([1.5, -2.0, 3.25])) and friends: v1 header, padded to 128 bytes.
    private static final String F8_3 = "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a20"
            + "28332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020"
            + "202020202020200a000000000000f83f00000000000000c00000000000000a40";
    private static final String F8_2x3 = "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a20"
            + "28322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020"
            + "202020202020200a0000000000000000000000000000f03f0000000000000040000000000000084000000000000010400000000000001440";
    private static final String I8_3 = "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a20"
            + "28332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020"
            + "202020202020200a0100000000000000feffffffffffffff0300000000000000";
    private static final String F4_2 = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a20"
            + "28322c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020"
            + "202020202020200a0000003f0000a03f";

    @Test
    void writesExactlyWhatNumpyWrites() throws Exception {
        Path a = dir.resolve("a.npy");
        Npy.write(a, new double[] {1.5, -2.0, 3.25});
        assertEquals(F8_3, HexFormat.of().formatHex(Files.readAllBytes(a)), "<f8 (3,) must match numpy.save byte for byte");
        Path b = dir.resolve("b.npy");
        Npy.write(b, new double[] {0, 1, 2, 3, 4, 5}, 2, 3);
        assertEquals(F8_2x3, HexFormat.of().formatHex(Files.readAllBytes(b)), "<f8 (2, 3)");
        Path c = dir.resolve("c.npy");
        Npy.writeInt64(c, new long[] {1, -2, 3});
        assertEquals(I8_3, HexFormat.of().formatHex(Files.readAllBytes(c)), "<i8 (3,)");
        Path d = dir.resolve("d.npy");
        Npy.writeFloat32(d, new double[] {0.5, 1.25});
        assertEquals(F4_2, HexFormat.of().formatHex(Files.readAllBytes(d)), "<f4 (2,)");
        assertEquals(0, (Files.size(a) - 24) % 64, "data start on a 64-byte boundary");
    }

    @Test
    void readsNumpyBytes() {
        NdArray a = Npy.parse(HexFormat.of().parseHex(F8_2x3), "b.npy");
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, a.values());
        assertFalse(a.integer());
        NdArray i = Npy.parse(HexFormat.of().parseHex(I8_3), "c.npy");
        assertTrue(i.integer());
        assertArrayEquals(new double[] {1, -2, 3}, i.values());
        NdArray f = Npy.parse(HexFormat.of().parseHex(F4_2), "d.npy");
        assertEquals("<f4", f.dtype());
        assertArrayEquals(new double[] {0.5, 1.25}, f.values());
    }

    @Test
    void roundTripsEveryWrittenType() throws Exception {
        double[] v = {Math.PI, -1e-300, 0.0, -0.0, Double.MAX_VALUE, 1.0 / 3};
        Path a = dir.resolve("f8.npy");
        Npy.write(a, v, 3, 2);
        NdArray r = Npy.read(a);
        assertArrayEquals(new int[] {3, 2}, r.shape());
        for (int i = 0; i < v.length; i++) assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(r.values()[i]), "f8 bit-exact at " + i);
        Path b = dir.resolve("f4.npy");
        Npy.writeFloat32(b, new double[] {Math.PI, -2.5});
        assertArrayEquals(new double[] {(float) Math.PI, -2.5}, Npy.read(b).values());
        Path c = dir.resolve("i8.npy");
        Npy.writeInt64(c, new long[] {Long.MAX_VALUE >> 11, -7, 0});
        assertArrayEquals(new double[] {Long.MAX_VALUE >> 11, -7, 0}, Npy.read(c).values());
        Path e = dir.resolve("empty.npy");
        Npy.write(e, new double[0], 2, 0);
        assertArrayEquals(new int[] {2, 0}, Npy.read(e).shape());
    }

    @Test
    void readsVersion2HeadersBigEndianAndGzip() throws Exception {
        String header = "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }";
        int len = 128 - 12;   // pad so the data start at byte 128
        String padded = header + " ".repeat(len - header.length() - 1) + "\n";
        ByteBuffer b = ByteBuffer.allocate(12 + len + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(len).put(padded.getBytes(StandardCharsets.ISO_8859_1));
        b.order(ByteOrder.BIG_ENDIAN).putDouble(1.25).putDouble(-3);
        NdArray a = Npy.parse(b.array(), "v2.npy");
        assertArrayEquals(new double[] {1.25, -3}, a.values());

        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(HexFormat.of().parseHex(F8_3));
        }
        Path f = dir.resolve("x.npy.gz");
        Files.write(f, bos.toByteArray());
        assertArrayEquals(new double[] {1.5, -2.0, 3.25}, DataFiles.readArray(f).values());
    }

    @Test
    void refusesFortranOrderWithAMessage() {
        byte[] b = HexFormat.of().parseHex(F8_2x3.replace(hex("False"), hex("True ")));
        InputException e = assertThrows(InputException.class, () -> Npy.parse(b, "f.npy"));
        assertTrue(e.getMessage().contains("f.npy") && e.getMessage().contains("Fortran-order") && e.getMessage().contains("ascontiguousarray"), e.getMessage());
    }

    @Test
    void malformedFilesSayWhatAndWhere() {
        InputException magic = assertThrows(InputException.class, () -> Npy.parse("PK\u0003\u0004 zip".getBytes(StandardCharsets.ISO_8859_1), "w.npy"));
        assertTrue(magic.getMessage().startsWith("w.npy: not a .npy file: bad magic"), magic.getMessage());

        byte[] full = HexFormat.of().parseHex(F8_3);
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 5);
        InputException trunc = assertThrows(InputException.class, () -> Npy.parse(cut, "t.npy"));
        assertTrue(trunc.getMessage().contains("truncated data") && trunc.getMessage().contains("needs 24 bytes") && trunc.getMessage().contains("has 19 after the header"),
                trunc.getMessage());

        byte[] complex = HexFormat.of().parseHex(F8_3.replace(hex("<f8"), hex("<c8")));
        InputException dtype = assertThrows(InputException.class, () -> Npy.parse(complex, "c.npy"));
        assertTrue(dtype.getMessage().contains("unsupported dtype '<c8'") && dtype.getMessage().contains("<f8"), dtype.getMessage());

        byte[] shortHeader = java.util.Arrays.copyOf(full, 40);
        InputException hdr = assertThrows(InputException.class, () -> Npy.parse(shortHeader, "h.npy"));
        assertTrue(hdr.getMessage().contains("truncated .npy header"), hdr.getMessage());
    }

    /** A v1 .npy file with this header dict and data bytes. */
    static byte[] npy(String dict, byte[] data) {
        String h = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        byte[] hb = h.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + hb.length + data.length];
        System.arraycopy(HexFormat.of().parseHex("934e554d50590100"), 0, out, 0, 8);
        out[8] = (byte) hb.length;
        out[9] = (byte) (hb.length >>> 8);
        System.arraycopy(hb, 0, out, 10, hb.length);
        System.arraycopy(data, 0, out, 10 + hb.length, data.length);
        return out;
    }

    @Test
    void shapesWhoseElementCountOverflowsAreRefusedNotWrappedAround() {
        // 65536^4 = 2^64 wraps to 0 in a long: the file used to read as an empty array.
        byte[] b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 65536, 65536, 65536), }", new byte[0]);
        InputException e = assertThrows(InputException.class, () -> Npy.parse(b, "o.npy"));
        assertTrue(e.getMessage().contains("o.npy: shape (65536, 65536, 65536, 65536) has more than 2^63 elements"), e.getMessage());
        byte[] c = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }", new byte[0]);
        assertTrue(assertThrows(InputException.class, () -> Npy.parse(c, "o.npy")).getMessage().contains("more than one Java array holds"));
        byte[] rows = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 65536, 65536), }", new byte[0]);
        NdArray empty = Npy.parse(rows, "r.npy");
        assertEquals(0, empty.size());
        InputException r = assertThrows(InputException.class, empty::rowLength);
        assertTrue(r.getMessage().contains("rows of 4294967296 elements"), r.getMessage());
        byte[] idx = java.nio.ByteBuffer.allocate(4 + 16).put(new byte[] {0, 0, 0x08, 4}).putInt(65536).putInt(65536).putInt(65536).putInt(65536).array();
        assertTrue(assertThrows(InputException.class, () -> Idx.parse(idx, "i-idx4-ubyte")).getMessage().contains("more than 2^63 elements"));
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
