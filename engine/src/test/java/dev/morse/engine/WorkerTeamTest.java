package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkerTeamTest {

    @ParameterizedTest(name = "spin {0} µs")
    @ValueSource(longs = {0, 100})
    void everySlotRunsExactlyOncePerRunAcrossManyRuns(long spinMicros) {
        // 0: every wait parks; 100: hand-offs within the spin.
        try (WorkerTeam team = new WorkerTeam(4, spinMicros)) {
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
    void withASpinLongerThanTheRunsTheWorkersNeverParkAndStillRunOncePerRun() {
        try (WorkerTeam team = new WorkerTeam(2, WorkerTeam.MAX_SPIN_MICROS)) {
            AtomicIntegerArray counts = new AtomicIntegerArray(2);
            for (int run = 0; run < 200; run++) team.run(counts::incrementAndGet, 1 + run % 2);
            assertEquals(200, counts.get(0));
            assertEquals(100, counts.get(1));
        }
    }

    /**
     * Pauses longer than the spin between runs (the workers park and must be woken by the next
     * run), and a worker's task longer than the spin (the caller parks in join and must be woken
     * by the last worker).
     */
    @Test
    void threadsThatParkedAfterTheirSpinAreWokenByTheNextRunAndByTheLastWorker() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (WorkerTeam team = new WorkerTeam(3, 50)) {
                AtomicIntegerArray counts = new AtomicIntegerArray(3);
                for (int run = 0; run < 40; run++) {
                    team.run(slot -> {
                        if (slot == 2) LockSupport.parkNanos(2_000_000);   // 2 ms: the caller's 50 µs spin runs out
                        counts.incrementAndGet(slot);
                    }, 3);
                    Thread.sleep(2);   // the workers' spin runs out: they park
                }
                for (int s = 0; s < 3; s++) assertEquals(40, counts.get(s), "runs of slot " + s);
            }
        });
    }

    @Test
    void aSpinningWorkerEndsPromptlyWhenTheTeamCloses() throws InterruptedException {
        WorkerTeam team = new WorkerTeam(2, WorkerTeam.MAX_SPIN_MICROS);   // would spin 1 s before parking
        team.run(slot -> { }, 2);
        long t0 = System.nanoTime();
        team.close();
        while (workerAlive(team, 1) && System.nanoTime() - t0 < 5_000_000_000L) Thread.sleep(1);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(!workerAlive(team, 1) && ms < 500, "the spinning worker saw the close within " + ms + " ms (its spin lasts 1000 ms)");
    }

    /** Closing the team while a run is in flight: the caller's join returns, never hangs. */
    @Test
    void closingDuringARunNeverLeavesTheCallerWaiting() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int attempt = 0; attempt < 50; attempt++) {
                WorkerTeam team = new WorkerTeam(2, attempt % 2 == 0 ? 0 : 100);
                team.run(slot -> { }, 2);
                try {
                    team.run(slot -> {
                        if (slot == 0) team.close();
                    }, 2);
                } catch (IllegalStateException e) {
                    assertEquals("worker team closed during a run", e.getMessage());
                }
            }
        });
    }

    private static boolean workerAlive(WorkerTeam team, int slot) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(team.threadName(slot)) && t.isAlive());
    }

    @Test
    void theSpinComesFromItsPropertyAndABadValueIsRefusedByName() {
        String before = System.getProperty(WorkerTeam.SPIN_PROPERTY);
        try {
            System.clearProperty(WorkerTeam.SPIN_PROPERTY);
            assertEquals(WorkerTeam.DEFAULT_SPIN_MICROS, WorkerTeam.spinMicros());
            System.setProperty(WorkerTeam.SPIN_PROPERTY, " 0 ");
            assertEquals(0, WorkerTeam.spinMicros());
            System.setProperty(WorkerTeam.SPIN_PROPERTY, "250");
            assertEquals(250, WorkerTeam.spinMicros());
            System.setProperty(WorkerTeam.SPIN_PROPERTY, "1000000");
            assertEquals(WorkerTeam.MAX_SPIN_MICROS, WorkerTeam.spinMicros());
            System.setProperty(WorkerTeam.SPIN_PROPERTY, "  ");
            assertEquals(WorkerTeam.DEFAULT_SPIN_MICROS, WorkerTeam.spinMicros(), "blank: the default");
            for (String bad : new String[] {"-1", "1000001", "100us", "1e3"}) {
                System.setProperty(WorkerTeam.SPIN_PROPERTY, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WorkerTeam(2), bad);
                assertTrue(e.getMessage().contains("morse.spin.micros=" + bad), e.getMessage());
            }
        } finally {
            if (before == null) System.clearProperty(WorkerTeam.SPIN_PROPERTY);
            else System.setProperty(WorkerTeam.SPIN_PROPERTY, before);
        }
        assertThrows(IllegalArgumentException.class, () -> new WorkerTeam(2, -1));
        assertThrows(IllegalArgumentException.class, () -> new WorkerTeam(2, WorkerTeam.MAX_SPIN_MICROS + 1));
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

    /**
     * Regression for a publication race: runs of 3 then 2 participants, alternating, with every
     * worker delayed between seeing a new run and acting on it. A non-participant of a 2-run
     * (slot 2) that is late must not pick up the next 3-run's task and then run it a second time:
     * every slot runs exactly once per run it takes part in, and no run ends before its slots do.
     * (Before runs were published in one volatile word this failed within a few hundred runs.)
     */
    @Test
    void unequalWavesWithDelayedWorkersRunEachSlotOncePerRun() {
        int runs = 3000;
        try (WorkerTeam team = new WorkerTeam(3)) {
            team.testDelayNanos = 20_000;
            AtomicIntegerArray counts = new AtomicIntegerArray(3);
            java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger overlaps = new java.util.concurrent.atomic.AtomicInteger();
            for (int run = 0; run < runs; run++) {
                int n = run % 2 == 0 ? 3 : 2;
                team.run(slot -> {
                    inFlight.incrementAndGet();
                    counts.incrementAndGet(slot);
                    LockSupport.parkNanos(1_000);
                    inFlight.decrementAndGet();
                }, n);
                if (inFlight.get() != 0) overlaps.incrementAndGet();   // a slot still running after run() returned
            }
            assertEquals(runs, counts.get(0), "slot 0 runs");
            assertEquals(runs, counts.get(1), "slot 1 runs");
            assertEquals(runs / 2, counts.get(2), "slot 2 runs only in the 3-participant runs, once each");
            assertEquals(0, overlaps.get(), "no run returned while one of its slots was still running");
        }
    }
}
