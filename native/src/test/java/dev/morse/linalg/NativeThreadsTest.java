package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The thread-ownership policy of {@link NativeThreads} (observed through the count it grants,
 * which is what it sets OpenBLAS to when OpenBLAS is loaded).
 */
class NativeThreadsTest {

    @Test
    void aScopeRaisesAloneNestsAndRestoresOne() {
        int budget = NativeThreads.budget();
        try {
            NativeThreads.setBudget(3);
            try (NativeThreads.Scope s = NativeThreads.dense(8)) {
                assertEquals(3, s.threads(), "capped by the budget");
                assertEquals(3, NativeThreads.current());
                try (NativeThreads.Scope inner = NativeThreads.dense(2)) {
                    assertEquals(3, inner.threads(), "nested scopes keep the outer count");
                }
                assertEquals(3, NativeThreads.current(), "still raised after the inner scope");
                NativeThreads.enterEngine();
                try {
                    assertEquals(3, NativeThreads.current(), "the granted count stays recorded");
                } finally {
                    NativeThreads.exitEngine();
                }
            }
            assertEquals(1, NativeThreads.current(), "back to one thread");
        } finally {
            NativeThreads.setBudget(budget);
        }
    }

    @Test
    void aScopeDoesNotRaiseWhileAnotherThreadWorks() throws Exception {
        CountDownLatch engineStarted = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread worker = new Thread(() -> {
            NativeThreads.enterEngine();
            try {
                engineStarted.countDown();
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                NativeThreads.exitEngine();
            }
        });
        worker.start();
        assertTrue(engineStarted.await(10, TimeUnit.SECONDS));
        try (NativeThreads.Scope s = NativeThreads.dense(2)) {
            assertEquals(1, s.threads(), "engine work in another thread: the dense scope runs at one thread");
            assertEquals(1, NativeThreads.current());
        } finally {
            release.countDown();
            worker.join();
        }
        // Another thread's scope at one thread (a raised one makes this one wait instead:
        // aScopeWaitsForAnotherThreadsRaisedScope).
        CountDownLatch held = new CountDownLatch(1), done = new CountDownLatch(1);
        AtomicInteger otherGranted = new AtomicInteger();
        Thread other = new Thread(() -> {
            try (NativeThreads.Scope s = NativeThreads.dense(1)) {
                otherGranted.set(s.threads());
                held.countDown();
                done.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        assertTrue(held.await(10, TimeUnit.SECONDS));
        try (NativeThreads.Scope s = NativeThreads.dense(2)) {
            assertEquals(1, s.threads(), "another thread holds a scope: this one runs at one thread");
        } finally {
            done.countDown();
            other.join();
        }
    }

    @Test
    void engineWorkWaitsForAnotherThreadsRaisedScope() throws Exception {
        int budget = NativeThreads.budget();
        NativeThreads.setBudget(2);
        CountDownLatch raised = new CountDownLatch(1);
        AtomicBoolean scopeOpen = new AtomicBoolean(true);
        AtomicBoolean engineRanUnderRaise = new AtomicBoolean();
        Thread dense = raisedScopeThread(raised, scopeOpen);
        try {
            dense.start();
            assertTrue(raised.await(10, TimeUnit.SECONDS));
            NativeThreads.enterEngine();   // must wait until the scope above closes
            try {
                engineRanUnderRaise.set(scopeOpen.get() || NativeThreads.current() != 1);
            } finally {
                NativeThreads.exitEngine();
            }
            dense.join();
            assertFalse(engineRanUnderRaise.get(), "engine work started only after the other thread's raised scope closed");
        } finally {
            NativeThreads.setBudget(budget);
        }
    }

    /**
     * A scope at one thread opened while another thread holds a raised scope waits for it: the
     * count is global, so it would run at the other thread's count, and that scope's close would
     * set the count to 1 under its call.
     */
    @Test
    void aScopeWaitsForAnotherThreadsRaisedScope() throws Exception {
        int budget = NativeThreads.budget();
        NativeThreads.setBudget(2);
        CountDownLatch raised = new CountDownLatch(1);
        AtomicBoolean scopeOpen = new AtomicBoolean(true);
        Thread dense = raisedScopeThread(raised, scopeOpen);
        try {
            dense.start();
            assertTrue(raised.await(10, TimeUnit.SECONDS));
            boolean ranUnderRaise;
            try (NativeThreads.Scope mine = NativeThreads.dense()) {
                ranUnderRaise = scopeOpen.get() || NativeThreads.current() != mine.threads();
            }
            dense.join();
            assertFalse(ranUnderRaise, "the second scope opened only after the raised one closed, at the count it states");
        } finally {
            NativeThreads.setBudget(budget);
        }
    }

    /**
     * A thread (not started) that raises a scope to 2 threads, counts {@code raised} down, holds the
     * scope for 300 ms ("a LAPACK call") and clears {@code scopeOpen} just before closing it.
     */
    private static Thread raisedScopeThread(CountDownLatch raised, AtomicBoolean scopeOpen) {
        return new Thread(() -> {
            try (NativeThreads.Scope s = NativeThreads.dense(2)) {
                assertEquals(2, s.threads());
                raised.countDown();
                Thread.sleep(300);
                scopeOpen.set(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * dsyevd gives the same bits in a scope of any thread count (SPEC §8): its multi-threaded
     * reduction differed in the last bits between 1 and 2 OpenBLAS threads at n = 300 and 700, so
     * it runs at one thread inside raised scopes, which stay raised around it.
     */
    @Test
    void eigendecompositionsHaveTheSameBitsInAScopeOfAnyThreadCount() {
        int budget = NativeThreads.budget();
        try {
            NativeThreads.setBudget(4);
            for (int n : new int[] {300, 701}) {
                double[] a = Matrices.randomSymmetric(n, 3);
                SymmetricEigen ref = null;
                for (int t : new int[] {1, 2, 4}) {
                    try (NativeThreads.Scope s = NativeThreads.dense(t)) {
                        assertEquals(t, s.threads());
                        SymmetricEigen e = Linalg.get().eigh(a, n, true);
                        assertEquals(t, NativeThreads.current(), "the scope's count is back after the call");
                        if (ref == null) {
                            ref = e;
                        } else {
                            assertTrue(java.util.Arrays.equals(ref.values(), e.values()), "eigenvalues, n " + n + ", " + t + " threads");
                            assertTrue(java.util.Arrays.equals(ref.vectors(), e.vectors()), "eigenvectors, n " + n + ", " + t + " threads");
                        }
                    }
                }
            }
        } finally {
            NativeThreads.setBudget(budget);
        }
    }
}
