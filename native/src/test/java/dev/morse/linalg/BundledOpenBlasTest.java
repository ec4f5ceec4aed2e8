package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction of the bundled OpenBLAS: pins, idempotence, concurrency (threads and processes), repair, fallback. */
class BundledOpenBlasTest {

    @TempDir
    Path tmp;

    private static void assumeBundle() {
        assumeTrue(BundledOpenBlas.unsupportedPlatform() == null, BundledOpenBlas::unsupportedPlatform);
        assumeTrue(BundledOpenBlas.onClassPath(), BundledOpenBlas.ARTIFACT + " is not on the class path");
    }

    @Test
    void pinsMatchTheJarOnTheClassPath() throws Exception {
        assumeBundle();
        for (BundledOpenBlas.Pinned f : BundledOpenBlas.FILES) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (InputStream in = BundledOpenBlas.class.getClassLoader().getResourceAsStream(BundledOpenBlas.RESOURCES + f.name())) {
                assertNotNull(in, f.name() + " in the jar");
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, r);
                    size += r;
                }
            }
            assertEquals(f.sha256() + " " + f.size(), HexFormat.of().formatHex(sha.digest()) + " " + size,
                    f.name() + ": the pinned SHA-256 and size must be the jar's (update BundledOpenBlas.FILES with the jar)");
        }
        assertTrue(BundledOpenBlas.FOLDER.contains(BundledOpenBlas.VERSION), "folder name carries the version: " + BundledOpenBlas.FOLDER);
    }

    @Test
    void extractionIsIdempotent() throws Exception {
        assumeBundle();
        BundledOpenBlas.Extraction first = BundledOpenBlas.ensure(tmp, false);
        assertEquals("extracted", first.how());
        assertEquals(tmp.resolve("native").resolve(BundledOpenBlas.FOLDER), first.dir());
        assertNull(BundledOpenBlas.verify(first.dir(), true), "every file verifies by SHA-256");
        long modified = Files.getLastModifiedTime(first.library()).toMillis();
        BundledOpenBlas.Extraction second = BundledOpenBlas.ensure(tmp, false);
        assertEquals("cached", second.how(), "a second call reuses the folder");
        assertEquals(first.dir(), second.dir());
        assertEquals(modified, Files.getLastModifiedTime(second.library()).toMillis(), "nothing rewritten");
        assertEquals(List.of(), leftovers(tmp), "no temporary folders left behind");
    }

    @Test
    void damagedCacheIsExtractedAgain() throws Exception {
        assumeBundle();
        Path dir = BundledOpenBlas.ensure(tmp, false).dir();
        // A truncated file (an interrupted copy by hand) and a flipped byte of the same size (bit rot).
        Path gfortran = dir.resolve("libgfortran.so.5");
        Files.setPosixFilePermissions(gfortran, PosixFilePermissions.fromString("rw-r--r--"));
        try (FileChannel ch = FileChannel.open(gfortran, StandardOpenOption.WRITE)) {
            ch.truncate(1000);
        }
        BundledOpenBlas.Extraction repaired = BundledOpenBlas.ensure(tmp, false);
        assertTrue(repaired.how().startsWith("extracted again") && repaired.how().contains("libgfortran.so.5"),
                "says what was damaged: " + repaired.how());
        assertNull(BundledOpenBlas.verify(dir, true));

        Path lib = dir.resolve(BundledOpenBlas.LIBRARY);
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rw-r--r--"));
        try (FileChannel ch = FileChannel.open(lib, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            var b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, 123_456);
            b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
            ch.write(b, 123_456);
        }
        assertTrue(BundledOpenBlas.verify(dir, false).contains("CRC32C"), "a flipped byte is caught by the start-up check");
        assertTrue(BundledOpenBlas.ensure(tmp, false).how().startsWith("extracted again"), "and repaired");
        assertNull(BundledOpenBlas.verify(dir, true));
        assertEquals(List.of(), leftovers(tmp), "the damaged copy is deleted");
    }

    @Test
    void concurrentThreadsShareOneExtraction() throws Exception {
        assumeBundle();
        int n = 4;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<BundledOpenBlas.Extraction>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(pool.submit(() -> {
                    go.await();
                    return BundledOpenBlas.ensure(tmp, false);
                }));
            }
            go.countDown();
            Set<Path> dirs = ConcurrentHashMap.newKeySet();
            int extracted = 0;
            for (Future<BundledOpenBlas.Extraction> f : fs) {
                BundledOpenBlas.Extraction x = f.get();
                dirs.add(x.dir());
                extracted += x.how().equals("extracted") ? 1 : 0;
            }
            assertEquals(1, dirs.size(), "one folder");
            assertEquals(1, extracted, "exactly one thread extracted; the others found it complete");
            assertNull(BundledOpenBlas.verify(dirs.iterator().next(), true));
            assertEquals(List.of(), leftovers(tmp));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentProcessesShareOneExtraction() throws Exception {
        assumeBundle();
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ps.add(ChildJvm.start(List.of(), Map.of(), "extract", tmp.toString()));
        }
        int extracted = 0;
        for (Process p : ps) {
            ChildJvm.Result r = ChildJvm.await(p);
            assertEquals(0, r.exit(), r::toString);
            assertEquals(tmp.resolve("native").resolve(BundledOpenBlas.FOLDER).toString(), r.line("DIR"), r::toString);
            assertEquals("null", r.line("VERIFY"), "each process saw a complete, verified folder: " + r);
            extracted += "extracted".equals(r.line("HOW")) ? 1 : 0;
        }
        assertEquals(1, extracted, "exactly one process extracted");
        assertEquals(List.of(), leftovers(tmp));
    }

    @Test
    void unwritableCacheFallsBackToTheTemporaryFolder() throws Exception {
        assumeBundle();
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        String cache = System.getProperty(MorseCache.PROPERTY);
        String tmpdir = System.getProperty("java.io.tmpdir");
        System.setProperty(MorseCache.PROPERTY, notADir.resolve("cache").toString());   // cannot be created
        System.setProperty("java.io.tmpdir", tmp.resolve("t").toString());
        try {
            Files.createDirectories(tmp.resolve("t"));
            BundledOpenBlas.Extraction x = BundledOpenBlas.ensure();
            assertTrue(x.dir().startsWith(MorseCache.tempRoot()), "extracted under the temporary root: " + x.dir());
            assertTrue(x.how().contains("cache root unwritable"), "says why: " + x.how());
            assertNull(BundledOpenBlas.verify(x.dir(), true));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(MorseCache.tempRoot())),
                    "the temporary root is the user's alone");
        } finally {
            restore(MorseCache.PROPERTY, cache);
            restore("java.io.tmpdir", tmpdir);
        }
    }

    @Test
    void cacheRootFollowsTheProperty() {
        String cache = System.getProperty(MorseCache.PROPERTY);
        try {
            System.setProperty(MorseCache.PROPERTY, tmp.toString());
            assertEquals(tmp, MorseCache.root());
            assertEquals("-D" + MorseCache.PROPERTY, MorseCache.rootSource());
            System.clearProperty(MorseCache.PROPERTY);
            assertTrue(MorseCache.root().endsWith("morse"), "default root ends in morse: " + MorseCache.root());
        } finally {
            restore(MorseCache.PROPERTY, cache);
        }
    }

    @Test
    void propertyValues() {
        assertEquals(NetlibLoader.Mode.DEFAULT, NetlibLoader.mode(null));
        assertEquals(NetlibLoader.Mode.BUNDLED, NetlibLoader.mode(" Bundled "));
        assertEquals(NetlibLoader.Mode.SYSTEM, NetlibLoader.mode("system"));
        assertEquals(NetlibLoader.Mode.JAVA, NetlibLoader.mode("JAVA"));
        assertEquals(NetlibLoader.Mode.DEFAULT, NetlibLoader.mode("sytem"), "a typo means the default (with a warning)");
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    /** Temporary or damaged folders left in root/native. */
    private static List<String> leftovers(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("native"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-") || n.contains(".damaged-")).toList();
        }
    }
}
