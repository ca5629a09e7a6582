package org.hyperdas.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.hyperdas.runtime.BadInputException;

/**
 * What a file reader may do with a damaged file: return (then {@code check} inspects what it
 * returned) or throw a BadInputException with a message, within a time bound. Anything else (an
 * unchecked exception of another type, an Error, a hang) fails the property.
 */
final class ReaderOracle {
    /** Generous for files of a few kilobytes, short enough that a loop is caught quickly. */
    static final Duration BOUND = Duration.ofSeconds(10);

    interface Read<T> {
        T read() throws Exception;
    }

    interface Check<T> {
        void check(T value) throws Exception;
    }

    private ReaderOracle() {}

    /** @return true when the reader accepted the file */
    static <T> boolean expectClean(String what, Read<T> read, Check<T> check) {
        return assertTimeoutPreemptively(BOUND, () -> {
            T value;
            try {
                value = read.read();
            } catch (BadInputException e) {
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), what + ": empty message");
                return false;
            }
            check.check(value);
            return true;
        }, what + ": the reader did not finish within " + BOUND);
    }
}
