package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.FileSync;
import dev.morse.training.EpochRecord;
import dev.morse.training.OptimizerState;
import dev.morse.training.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints on a file system that refuses to force folders: written all the same, with a warning. */
class CheckpointsTest {
    @TempDir Path tmp;

    private static TrainingState state() {
        EpochRecord start = new EpochRecord(0, 0, Double.NaN, Double.NaN, Double.NaN, null, null, 0, 0);
        EpochRecord one = new EpochRecord(1, 3, 0.1, 0.5, 0.5, null, null, 0.01, 0);
        return new TrainingState("hash", 1, 3, new double[] {1, 2, 3}, new OptimizerState(3, Map.of("momentum_buffer", new double[] {4, 5, 6})),
                start, List.of(one));
    }

    @Test
    void aRefusedFolderForceKeepsTheCheckpointAndSaysSo() throws Exception {
        Path dir = tmp.resolve("ck");
        Checkpoints.Written w = Checkpoints.write(dir, state(), "sgd", "{}\n", Set.of(), d -> { throw new IOException("Invalid argument"); });
        assertEquals(dir.resolve("epoch-0001"), w.folder());
        assertTrue(w.syncWarning().contains("Invalid argument") && w.syncWarning().contains("folder " + dir + " to disk"), w.syncWarning());
        assertFalse(w.syncWarning().contains(".tmp"), "names DIR, not the hidden folder that the rename removed: " + w.syncWarning());
        assertEquals("epoch-0001", Files.readString(dir.resolve(Checkpoints.LATEST)).trim(), "latest names it");
        Checkpoints.Loaded back = Checkpoints.read(dir, 3, 0);
        assertArrayEquals(new double[] {1, 2, 3}, back.state().theta());
        assertEquals(1, back.state().epoch());

        assertNull(Checkpoints.write(tmp.resolve("ok"), state(), "sgd", "{}\n", Set.of(), FileSync.PLATFORM).syncWarning());
    }

    /**
     * The hidden folder's entries are forced before it is renamed to epoch-NNNN, and DIR's after:
     * only DIR was forced, so after a crash the rename (and then `latest`) could be on disk without
     * the folder's state.json. A refusal of the first force is the warning too.
     */
    @Test
    void theCheckpointsFolderIsForcedBeforeItsRename() throws Exception {
        Path dir = tmp.resolve("ck");
        List<String> forced = new ArrayList<>();
        Checkpoints.Written w = Checkpoints.write(dir, state(), "sgd", "{}\n", Set.of(), d -> {
            List<String> names = new ArrayList<>();
            try (var s = Files.list(d)) {
                s.forEach(f -> names.add(f.getFileName().toString()));
            }
            names.sort(null);
            forced.add((d.equals(dir) ? "DIR" : d.getParent().equals(dir) && d.getFileName().toString().startsWith(".epoch-0001.tmp") ? "hidden"
                    : d.toString()) + " " + names);
        });
        assertNull(w.syncWarning());
        assertEquals(List.of("hidden [optimizer-momentum_buffer.npy, state.json, theta.npy]", "DIR [config.json, epoch-0001]"), forced,
                "the hidden folder with its files, then DIR with the renamed folder (before latest)");

        Path other = tmp.resolve("other");
        w = Checkpoints.write(other, state(), "sgd", "{}\n", Set.of(), d -> {
            if (!d.equals(other)) throw new IOException("Invalid argument");
        });
        assertTrue(w.syncWarning() != null && w.syncWarning().contains(other.resolve(".epoch-0001.tmp").toString()), w.syncWarning());
        assertEquals(1, Checkpoints.read(other, 3, 0).state().epoch(), "written all the same");
    }
}
