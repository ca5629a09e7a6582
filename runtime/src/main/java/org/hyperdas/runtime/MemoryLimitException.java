package org.hyperdas.runtime;

/**
 * What a run asked for does not fit the memory this JVM may use: the message names what did not
 * fit, how much it needed, the limit, and what to do (a smaller run, a larger limit, or
 * {@code hyperdas-run plan} to see the estimate first). A setting the user can change, so the CLI
 * reports it like bad input: one line, exit status 2.
 */
public class MemoryLimitException extends BadInputException {
    /** The hint every message ends with. */
    public static final String HINT = "run `hyperdas-run plan` with the same options to see what the run needs,"
            + " then choose a smaller run (fewer hypernetwork layers, a smaller batch) or give the JVM more"
            + " (HYPERDAS_JAVA_OPTS=-XX:MaxDirectMemorySize=...)";

    public MemoryLimitException(String what, long neededBytes, long limitBytes) {
        super(what + " needs " + gib(neededBytes) + " of memory, more than the " + gib(limitBytes)
                + " left to it; " + HINT);
    }

    public MemoryLimitException(String message, Throwable cause) {
        super(message + "; " + HINT, cause);
    }

    /** Bytes as GiB with two decimals. */
    public static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
