package org.hyperdas.tests;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.hyperdas.cli.HyperdasRun;

/** Runs {@code hyperdas-run} in-process, exactly as the launcher does, capturing both streams. */
final class Cli {
    record Result(int code, String out, String err) {}

    private Cli() {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = HyperdasRun.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }
}
