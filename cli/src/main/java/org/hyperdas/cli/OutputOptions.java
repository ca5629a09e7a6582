package org.hyperdas.cli;

import java.nio.file.Path;
import org.hyperdas.runtime.io.OutputFolder;
import org.hyperdas.runtime.io.OutputKind;
import picocli.CommandLine.Option;

/** {@code --overwrite} and the output-path rule ({@link OutputFolder}) of every command that writes a folder. */
final class OutputOptions {
    @Option(names = "--overwrite", description = "Write into the output folder even when it holds other files (they"
            + " are kept: only this command's own files are replaced), or replace an earlier export there.")
    boolean overwrite;

    /** Checks {@code out} before any work; see {@link OutputFolder#check}. */
    Path check(String option, Path out, OutputKind kind) {
        return OutputFolder.check(option, out, kind, overwrite, System.err);
    }

    /** Checks {@code out} before any work, creates and marks it; see {@link OutputFolder#claim}. */
    Path claim(Path out, OutputKind kind) {
        return OutputFolder.claim("--out", out, kind, overwrite, System.err);
    }
}
