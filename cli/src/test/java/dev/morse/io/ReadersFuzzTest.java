package dev.morse.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.morse.linalg.MemoryLimitException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz tests of the data readers (Jazzer). In a normal build each runs as a regression test over
 * its seed corpus ({@code src/test/resources/dev/morse/io/ReadersFuzzTestInputs/METHOD/}, plus
 * every finding saved there); with {@code JAZZER_FUZZ=1} one of them fuzzes for
 * {@code jazzer.max_duration} ({@code .ci/run} runs each for a bounded time).
 *
 * <p>Every target asserts the readers' contract on arbitrary bytes: the only exception is the
 * typed input error ({@link InputException}, or a memory refusal for content whose declared size
 * the heap cannot hold), no input takes longer than the timeout (a hang), and the memory
 * allocated stays within a small multiple of the input's size (decompressed size for gzip): a
 * declared shape never makes the reader allocate what the bytes do not hold.
 */
class ReadersFuzzTest {

    /** Bytes allocated per input byte, and a constant for buffers and messages. */
    static final long PER_BYTE = 256;
    static final long SLACK = 8L << 20;

    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Runs a reader, allowing only typed input errors, and checks its allocation against
     * {@code budget} bytes. A run over budget is repeated once and the repetition decides: the
     * first call in a JVM also loads and initializes classes.
     */
    static void within(long budget, Runnable reader) {
        long allocated = allocation(reader);
        if (allocated > budget) allocated = allocation(reader);
        assertTrue(allocated <= budget, "allocated " + allocated + " bytes, more than the " + budget + " the input's size allows");
    }

    private static long allocation(Runnable reader) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            reader.run();
        } catch (InputException | MemoryLimitException expected) {
            assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank(), "a message");
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void npy(byte[] data) {
        within(PER_BYTE * data.length + SLACK, () -> {
            NdArray a = Npy.parse(data, "f.npy");
            assertTrue(a.values().length <= data.length, "no more elements than bytes");
            a.size();
            if (a.rank() > 0) a.rows();
        });
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void idx(byte[] data) {
        within(PER_BYTE * data.length + SLACK, () -> {
            NdArray a = Idx.parse(data, "f-idx1-ubyte");
            assertTrue(a.values().length <= data.length, "no more elements than bytes");
        });
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void csv(byte[] data) {
        within(PER_BYTE * data.length + SLACK, () -> {
            Csv.Table t = Csv.parse(new String(data, StandardCharsets.UTF_8), "f.csv");
            assertTrue((long) t.rows() * t.columns().size() == t.values().length, "rows × columns values");
            t.select(List.of(t.columns().size() - 1), "targets");
        });
    }

    /**
     * Whole files as the tool reads them: gzip or not, format from the magic bytes, data read no
     * further than the header declares. Gzip may expand up to about 1032:1, so its budget is
     * per decompressed byte.
     */
    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void dataFile(byte[] data) {
        within(PER_BYTE * 1100L * data.length + SLACK, () -> {
            byte[] content;
            try {
                content = DataFiles.read(new ByteArrayInputStream(data), "f.npy.gz", -1, null);
            } catch (IOException e) {
                throw new AssertionError("a byte array cannot fail to read", e);
            }
            NdArray a = DataFiles.parseArray(Path.of("f.npy"), content);
            assertTrue(a.values().length <= content.length, "no more elements than bytes");
        });
    }
}
