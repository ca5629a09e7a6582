package org.hyperdas.runtime;

import java.nio.file.Path;

/**
 * A user-supplied file, folder or value is wrong. The message always names where the problem is
 * (file, and field or tensor when there is one) and what was expected, so the CLI can print it as
 * is and exit with status 2 instead of showing a stack trace.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "FILE: field 'F': expected E, found X" style message. */
    public static BadInputException field(Path file, String field, String expected, Object found) {
        return new BadInputException(
                file + ": field '" + field + "': expected " + expected + ", found " + found);
    }

    public static BadInputException file(Path file, String problem) {
        return new BadInputException(file + ": " + problem);
    }
}
