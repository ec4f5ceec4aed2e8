package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerTeamTest {

    @Test
    void everySlotRunsExactlyOncePerRunAcrossManyRuns() {
        try (WorkerTeam team = new WorkerTeam(4)) {
            AtomicIntegerArray counts = new AtomicIntegerArray(4);
            for (int run = 0; run < 2000; run++) {
                int n = 1 + run % 4;
                team.run(counts::incrementAndGet, n);
            }
            // slot s participates in runs with n > s: 2000 − 500·s runs.
            for (int s = 0; s < 4; s++) assertEquals(2000 - 500 * s, counts.get(s), "runs of slot " + s);
        }
    }

    @Test
    void aWorkersFailureReachesTheCallerAndTheTeamStaysUsable() {
        try (WorkerTeam team = new WorkerTeam(3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> team.run(slot -> {
                if (slot == 2) throw new IllegalArgumentException("slot 2 failed");
            }, 3));
            assertEquals("slot 2 failed", e.getMessage());
            AtomicIntegerArray counts = new AtomicIntegerArray(3);
            team.run(counts::incrementAndGet, 3);
            assertEquals(1, counts.get(2), "next run completes normally");
        }
    }

    @Test
    void closedTeamRefusesWorkAndItsThreadsEnd() throws InterruptedException {
        WorkerTeam team = new WorkerTeam(2);
        team.run(slot -> { }, 2);
        team.close();
        assertThrows(IllegalStateException.class, () -> team.run(slot -> { }, 2));
        long deadline = System.nanoTime() + 5_000_000_000L;
        boolean alive = true;
        while (alive && System.nanoTime() < deadline) {
            alive = Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(team.threadName(1)) && t.isAlive());
            if (alive) Thread.sleep(10);
        }
        assertTrue(!alive, "worker thread ended after close");
    }
}
