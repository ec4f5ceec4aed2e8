package dev.morse.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CSV, IDX and JSON reading: values, shapes and the place named in each error. */
class TableFormatsTest {

    @Test
    void csvWithHeaderQuotesAndComments() {
        Csv.Table t = Csv.parse("# comment\nx1,\"x 2\",y\n1,2,3\n\n4.5,-5,6e-1\n", "d.csv");
        assertEquals(List.of("x1", "x 2", "y"), t.columns());
        assertEquals(2, t.rows());
        assertArrayEquals(new double[] {1, 2, 3, 4.5, -5, 0.6}, t.values());
        NdArray y = t.select(List.of(2), "targets");
        assertArrayEquals(new int[] {2, 1}, y.shape());
        assertArrayEquals(new double[] {3, 0.6}, y.values());
    }

    @Test
    void csvErrorsGiveLineAndColumn() {
        InputException fields = assertThrows(InputException.class, () -> Csv.parse("a,b\n1,2\n3\n", "d.csv"));
        assertTrue(fields.getMessage().startsWith("d.csv line 3: expected 2 fields"), fields.getMessage());
        InputException number = assertThrows(InputException.class, () -> Csv.parse("a,b\n1,x7\n", "d.csv"));
        assertTrue(number.getMessage().contains("line 2, column 'b': 'x7' is not a decimal number"), number.getMessage());
        InputException header = assertThrows(InputException.class, () -> Csv.parse("1,2\n3,4\n", "d.csv"));
        assertTrue(header.getMessage().contains("needs a header row"), header.getMessage());
    }

    @Test
    void idxImagesAndLabels() {
        ByteBuffer b = ByteBuffer.allocate(4 + 12 + 2 * 2 * 3);
        b.put(new byte[] {0, 0, 0x08, 3}).putInt(2).putInt(2).putInt(3);
        for (int i = 0; i < 12; i++) b.put((byte) (250 + i));   // wraps: unsigned bytes 250..255, 0..5
        NdArray a = Idx.parse(b.array(), "img-idx3-ubyte");
        assertArrayEquals(new int[] {2, 2, 3}, a.shape());
        assertEquals(6, a.rowLength());
        assertEquals(255, a.values()[5]);
        assertEquals(0, a.values()[6]);
        InputException trunc = assertThrows(InputException.class, () -> Idx.parse(java.util.Arrays.copyOf(b.array(), 20), "img"));
        assertTrue(trunc.getMessage().contains("truncated data") && trunc.getMessage().contains("needs 12 bytes"), trunc.getMessage());
    }

    /**
     * Bytes after the shape an IDX header declares were dropped in silence (the reader stopped at
     * the declared length): a labels file whose header said 2 dimensions, or a count too small,
     * was read as other, fewer values. Refused, naming the byte counts, from a file and gzip'd.
     */
    @Test
    void idxDataAfterTheDeclaredShapeIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        byte[] extra = {0, 0, 0x08, 1, 0, 0, 0, 6, 0, 1, 0, 1, 1, 0, 'G', 'A', 'R', 'B', 'A', 'G', 'E'};
        java.nio.file.Path f = java.nio.file.Files.write(dir.resolve("lab-idx1-ubyte"), extra);
        InputException e = assertThrows(InputException.class, () -> DataFiles.readArray(f));
        assertEquals(f + ": malformed IDX: 7 bytes after the data that its header declares (1 dimension, shape (6,) of ubyte: 6 bytes after the "
                + "8-byte header; the file has 21 bytes); check the dimension count (the header's 4th byte) and the sizes", e.getMessage());
        // a labels file (6 labels) whose header says 2 dimensions: shape (6, 0), then 2 bytes more
        byte[] twoDims = {0, 0, 0x08, 2, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0};
        java.nio.file.Path g = java.nio.file.Files.write(dir.resolve("two-idx1-ubyte"), twoDims);
        e = assertThrows(InputException.class, () -> DataFiles.readArray(g));
        assertTrue(e.getMessage().startsWith(g + ": malformed IDX: 2 bytes after the data that its header declares (2 dimensions, shape (6, 0)"),
                e.getMessage());
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write(extra);
        }
        java.nio.file.Path h = java.nio.file.Files.write(dir.resolve("lab-idx1-ubyte.gz"), gz.toByteArray());
        e = assertThrows(InputException.class, () -> DataFiles.readArray(h));
        assertTrue(e.getMessage().contains("7 bytes after the data") && e.getMessage().contains("the file decompresses to 21 bytes"), e.getMessage());
        e = assertThrows(InputException.class, () -> Idx.parse(extra, "bytes"));
        assertTrue(e.getMessage().startsWith("bytes: malformed IDX: 7 bytes after"), e.getMessage());
        // a long tail is counted to one chunk only ("more than 65536"), not read to its end
        byte[] longTail = java.util.Arrays.copyOf(extra, 14 + (1 << 20));
        java.nio.file.Path big = java.nio.file.Files.write(dir.resolve("long-idx1-ubyte"), longTail);
        e = assertThrows(InputException.class, () -> DataFiles.readArray(big));
        assertTrue(e.getMessage().contains(": malformed IDX: more than 65536 bytes after the data") && e.getMessage().contains("the file has more than 65550 bytes"),
                e.getMessage());
        byte[] exactChunk = java.util.Arrays.copyOf(extra, 14 + (1 << 16));
        java.nio.file.Path edge = java.nio.file.Files.write(dir.resolve("edge-idx1-ubyte"), exactChunk);
        e = assertThrows(InputException.class, () -> DataFiles.readArray(edge));
        assertTrue(e.getMessage().contains(": malformed IDX: 65536 bytes after the data"), e.getMessage());
        // exactly the declared bytes still read
        assertArrayEquals(new double[] {0, 1, 0, 1, 1, 0}, DataFiles.readArray(java.nio.file.Files.write(dir.resolve("ok-idx1-ubyte"),
                java.util.Arrays.copyOf(extra, 14))).values());
    }

    @Test
    void jsonObjectsArraysAndErrors() {
        Object o = DataFiles.parseJson("{\"a\": [1, 2.5e-3, -0], \"b\": {\"c\": \"x\\u00e9\\n\"}, \"d\": true, \"e\": null}", "t.json");
        Map<?, ?> m = (Map<?, ?>) o;
        assertEquals(List.of(1.0, 2.5e-3, -0.0), m.get("a"));
        assertEquals("xé\n", ((Map<?, ?>) m.get("b")).get("c"));
        assertEquals(Boolean.TRUE, m.get("d"));
        assertTrue(m.containsKey("e") && m.get("e") == null);
        InputException e = assertThrows(InputException.class, () -> DataFiles.parseJson("{\n  \"a\": [1,]\n}", "bad.json"));
        assertTrue(e.getMessage().startsWith("bad.json line 2, column 11"), e.getMessage());
    }
}
