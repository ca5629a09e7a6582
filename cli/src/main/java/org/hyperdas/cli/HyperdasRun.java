package org.hyperdas.cli;

import java.io.PrintWriter;
import java.util.Arrays;
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
            GenerateCommand.class, TrainCommand.class, AblateCommand.class, SweepCommand.class,
            LeaderboardCommand.class, BenchCommand.class, InitModelCommand.class, PlanCommand.class,
            ExportCommand.class, InferCommand.class, ServeCommand.class,
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
        boolean verbose = Arrays.asList(args).contains("--verbose");
        ErrorReport.configureLogging(verbose);
        HyperdasRun root = new HyperdasRun();
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        // One line naming the option, not the whole usage: --help shows that.
        cl.setParameterExceptionHandler((ex, argv) -> ErrorReport.report(ex, verbose, ex.getCommandLine().getErr()));
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) ->
                ErrorReport.report(ex, verbose, commandLine.getErr()));
        int code;
        try {
            code = cl.execute(args);
        } catch (Error e) {
            // picocli passes Errors through; the native loader's (ExceptionInInitializerError,
            // UnsatisfiedLinkError) are the user's machine setup, and no Error deserves a bare trace.
            code = ErrorReport.report(e, verbose, err);
        }
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
