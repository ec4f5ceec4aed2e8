package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.FileSync;
import dev.morse.training.EpochRecord;
import dev.morse.training.OptimizerState;
import dev.morse.training.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertTrue(w.syncWarning().contains("Invalid argument") && w.syncWarning().contains(dir.toString()), w.syncWarning());
        assertEquals("epoch-0001", Files.readString(dir.resolve(Checkpoints.LATEST)).trim(), "latest names it");
        Checkpoints.Loaded back = Checkpoints.read(dir, 3, 0);
        assertArrayEquals(new double[] {1, 2, 3}, back.state().theta());
        assertEquals(1, back.state().epoch());

        assertNull(Checkpoints.write(tmp.resolve("ok"), state(), "sgd", "{}\n", Set.of(), FileSync.PLATFORM).syncWarning());
    }
}
