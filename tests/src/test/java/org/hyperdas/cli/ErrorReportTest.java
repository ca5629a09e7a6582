package org.hyperdas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.Test;

/** The CLI's one error path, case by case: which failures are the user's (2) and which are bugs (1). */
class ErrorReportTest {
    private static String report(Throwable t, boolean verbose, int expectedCode) {
        StringWriter s = new StringWriter();
        assertEquals(expectedCode, ErrorReport.report(t, verbose, new PrintWriter(s)));
        return s.toString();
    }

    @Test
    void userFailuresAreOneLineWithExitTwo() {
        assertEquals("error: f.json: field 'x': expected 1, found 2\n",
                report(BadInputException.field(java.nio.file.Path.of("f.json"), "x", "1", 2), false, 2));
        assertEquals("error: /a/b: no such file or folder\n", report(new NoSuchFileException("/a/b"), false, 2));
        assertEquals("error: /a/c: permission denied\n", report(new AccessDeniedException("/a/c"), false, 2));
        // Wrapped causes are found: an IOException inside an unchecked wrapper is still the user's.
        String wrapped = report(new IllegalStateException("x", new UncheckedIOException(
                new IOException("No space left on device"))), false, 2);
        assertEquals("error: I/O error: No space left on device\n", wrapped);
    }

    @Test
    void memoryFailuresAreOneLineWithExitTwoNamingWhatAndPlan() {
        String direct = report(new OutOfMemoryError("Cannot reserve 1073741824 bytes of direct buffer memory"
                + " (allocated: 6442450944, limit: 6442450944)"), false, 2);
        assertEquals(1, direct.lines().count(), direct);
        assertTrue(direct.contains("direct buffer memory") && direct.contains("hyperdas-run plan"), direct);
        String state = report(new org.hyperdas.runtime.MemoryLimitException("the training state of model",
                12L << 30, 6L << 30), false, 2);
        assertEquals(1, state.lines().count(), state);
        assertTrue(state.contains("training state") && state.contains("12.00 GiB") && state.contains("6.00 GiB")
                && state.contains("hyperdas-run plan"), state);
    }

    @Test
    void nativeLoaderFailureSaysWhatToCheck() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("no onnxruntime in java.library.path");
        String out = report(new ExceptionInInitializerError(e), false, 2);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains("java.io.tmpdir") && out.contains("ulimit -f"), out);
    }

    @Test
    void anythingElseIsAnInternalErrorWithExitOneAndAHint() {
        String out = report(new ArrayIndexOutOfBoundsException("Index 5 out of bounds for length 3"), false, 1);
        assertTrue(out.startsWith("error: internal error: java.lang.ArrayIndexOutOfBoundsException"), out);
        assertTrue(out.contains("--verbose"), out);
        assertFalse(out.contains("\tat "), out);
        String verbose = report(new IllegalStateException("boom"), true, 1);
        assertTrue(verbose.contains("\tat "), verbose);
        // An Error unrelated to ONNX Runtime's loader is not blamed on the user's setup.
        report(new LinkageError("some other class"), false, 1);
    }
}
