package dev.morse.cli;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this JVM got SIGINT or SIGTERM (Ctrl-C, kill): what tells an interrupt's shutdown from a
 * System.exit, since both run the shutdown hooks ({@link Main#shuttingDown} says only that). Once
 * {@link #watch} ran, each signal sets the flag and then goes to the handler it had (the JVM's,
 * which runs the hooks and exits 130 or 143).
 */
public final class Signals {
    private static final AtomicBoolean WATCHING = new AtomicBoolean();
    private static volatile boolean received;

    private Signals() {}

    /** Starts watching SIGINT and SIGTERM, once per JVM; does nothing where they cannot be handled (-Xrs). */
    @SuppressWarnings("removal")
    public static void watch() {
        if (!WATCHING.compareAndSet(false, true)) return;
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal signal = new sun.misc.Signal(name);
                sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[1];
                previous[0] = sun.misc.Signal.handle(signal, s -> {
                    received = true;
                    sun.misc.SignalHandler p = previous[0];
                    if (p != null && p != sun.misc.SignalHandler.SIG_DFL && p != sun.misc.SignalHandler.SIG_IGN) p.handle(s);
                    else if (p == sun.misc.SignalHandler.SIG_DFL) System.exit(128 + s.getNumber());
                });
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException | LinkageError e) {
                // the signal is the JVM's own or ignored: not watched
            }
        }
    }

    /** Whether SIGINT or SIGTERM came since {@link #watch}. */
    public static boolean received() {
        return received;
    }
}
