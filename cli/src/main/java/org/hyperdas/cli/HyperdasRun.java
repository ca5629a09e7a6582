package org.hyperdas.cli;

import java.io.PrintWriter;
import org.hyperdas.runtime.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point of {@code hyperdas-run}. Thin by design: each subcommand parses its flags and
 * calls into the trainer/evaluation/runtime modules.
 *
 * <p>Exit codes: 0 success, 1 internal failure, 2 bad input (a file, field or flag is wrong; the
 * message names it). Stack traces only with {@code --verbose}.
 */
@Command(
        name = "hyperdas-run",
        mixinStandardHelpOptions = true,
        versionProvider = HyperdasRun.Version.class,
        description = "HyperDAS and DAS/MDAS concept interventions for Llama models on ONNX Runtime.",
        subcommands = {InfoCommand.class, TokenizeCommand.class, DataCommand.class, PretrainCommand.class,
            GenerateCommand.class, TrainCommand.class, SweepCommand.class, LeaderboardCommand.class,
            BenchCommand.class, ExportCommand.class, InferCommand.class, ServeCommand.class,
            CommandLine.HelpCommand.class})
public final class HyperdasRun implements Runnable {
    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_FAILURE = 1;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces on errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (used by tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        HyperdasRun root = new HyperdasRun();
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            PrintWriter e = commandLine.getErr();
            if (ex instanceof BadInputException) {
                e.println("error: " + ex.getMessage());
                if (verbose) ex.printStackTrace(e);
                e.flush();
                return EXIT_BAD_INPUT;
            }
            e.println("error: " + ex);
            if (verbose) {
                ex.printStackTrace(e);
            } else {
                e.println("(run again with --verbose for the stack trace)");
            }
            e.flush();
            return EXIT_FAILURE;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Version from the jar manifest (Implementation-Version), "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = HyperdasRun.class.getPackage().getImplementationVersion();
            return new String[] {
                "hyperdas-run " + (v == null ? "dev" : v),
                "ONNX Runtime " + org.hyperdas.runtime.ort.OrtEngine.environment().getVersion()
                        + ", Java " + System.getProperty("java.version")
            };
        }
    }
}
