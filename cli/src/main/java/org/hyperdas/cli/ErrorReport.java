package org.hyperdas.cli;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hyperdas.runtime.BadInputException;
import picocli.CommandLine;

/**
 * The CLI's one error path: turns whatever a command threw into one line on stderr and an exit code.
 * A failure the user can fix (a file, field, option or the machine's setup) is exit 2 with a message
 * naming it; anything else is an internal error, exit 1, with a hint to rerun with --verbose.
 */
final class ErrorReport {
    /** What to print and which exit code to give. */
    record Outcome(int exitCode, String message, boolean internal) {}

    /**
     * ONNX Runtime's loader logs its failed extraction with a stack trace through java.util.logging;
     * the error path reports the failure itself, so the log stays quiet unless --verbose. Held here
     * because java.util.logging keeps loggers only weakly.
     */
    private static final Logger ORT_LOG = Logger.getLogger("ai.onnxruntime");

    private ErrorReport() {}

    /** Quiets ONNX Runtime's own logging unless the user asked for details. */
    static void configureLogging(boolean verbose) {
        ORT_LOG.setLevel(verbose ? Level.INFO : Level.OFF);
    }

    /** Prints the outcome of {@code failure} (with the trace when verbose) and returns its exit code. */
    static int report(Throwable failure, boolean verbose, PrintWriter err) {
        Outcome o = classify(failure);
        err.println("error: " + o.message());
        if (verbose) {
            failure.printStackTrace(err);
        } else if (o.internal()) {
            err.println("(this is a bug or an unexpected state: run again with --verbose for the stack trace)");
        }
        err.flush();
        return o.exitCode();
    }

    /** The outcome of the first cause in the chain that a user can act on, else an internal error. */
    static Outcome classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Outcome o = userFacing(t);
            if (o != null) {
                return o;
            }
        }
        return new Outcome(HyperdasRun.EXIT_FAILURE, "internal error: " + failure, true);
    }

    private static Outcome userFacing(Throwable t) {
        if (t instanceof BadInputException) {
            return bad(t.getMessage());
        }
        if (t instanceof CommandLine.ParameterException p) {
            return bad(p.getMessage() + " (see '" + p.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
        }
        if (t instanceof UncheckedIOException u) {
            return userFacing(u.getCause());
        }
        if (t instanceof FileSystemException f) {
            return bad(fileProblem(f));
        }
        if (t instanceof IOException io) {
            return bad("I/O error: " + describe(io));
        }
        if (t instanceof OrtException ort && isAllocationFailure(ort)) {
            return bad("ONNX Runtime ran out of memory (" + firstLine(ort.getMessage()) + "); "
                    + org.hyperdas.runtime.MemoryLimitException.HINT);
        }
        if (t instanceof OrtException ort) {
            return bad("ONNX Runtime could not run the model: " + firstLine(ort.getMessage())
                    + " (check that the .onnx and weight files are complete and unmodified)");
        }
        if (t instanceof OutOfMemoryError) {
            return bad("out of memory (" + firstLine(t.getMessage()) + "): the run does not fit this JVM's limits"
                    + " (heap " + org.hyperdas.runtime.MemoryLimitException.gib(Runtime.getRuntime().maxMemory())
                    + "); " + org.hyperdas.runtime.MemoryLimitException.HINT);
        }
        if (t instanceof LinkageError && mentionsOnnxRuntime(t)) {
            return bad(nativeLibraryProblem(t));
        }
        return null;
    }

    private static Outcome bad(String message) {
        return new Outcome(HyperdasRun.EXIT_BAD_INPUT, message, false);
    }

    static String fileProblem(FileSystemException f) {
        String path = f.getFile() == null ? "" : f.getFile() + ": ";
        String other = f.getOtherFile() == null ? "" : " (and " + f.getOtherFile() + ")";
        String what;
        if (f instanceof NoSuchFileException) {
            what = "no such file or folder";
        } else if (f instanceof AccessDeniedException) {
            what = "permission denied";
        } else if (f instanceof NotDirectoryException) {
            what = "expected a folder, found a file";
        } else if (f instanceof FileAlreadyExistsException) {
            what = "already exists";
        } else if (f instanceof DirectoryNotEmptyException) {
            what = "folder is not empty";
        } else {
            what = f.getReason() == null ? "cannot be accessed" : f.getReason();
        }
        return path + what + other;
    }

    private static String describe(IOException io) {
        String m = io.getMessage();
        return m == null || m.isBlank() ? io.getClass().getSimpleName() : firstLine(m);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static boolean isAllocationFailure(OrtException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("bad_alloc") || m.contains("failed to allocate");
    }

    private static boolean mentionsOnnxRuntime(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("onnxruntime") || m.contains("ortenvironment") || m.contains("ai.onnxruntime")) {
                return true;
            }
            for (StackTraceElement e : c.getStackTrace()) {
                if (e.getClassName().startsWith("ai.onnxruntime.")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String nativeLibraryProblem(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return "ONNX Runtime's native library could not be loaded (" + firstLine(String.valueOf(root.getMessage()))
                + "): check that the temporary folder java.io.tmpdir (" + System.getProperty("java.io.tmpdir")
                + ") exists, is writable and has free space, that the file size limit (ulimit -f) allows files of"
                + " some 20 MB, and that the platform is supported";
    }
}
