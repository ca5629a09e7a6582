package org.hyperdas.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hyperdas.evaluation.leaderboard.Leaderboard;
import org.hyperdas.evaluation.leaderboard.LeaderboardWriter;
import org.hyperdas.runtime.io.OutputKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run leaderboard}: one table of every run's scores. */
@Command(name = "leaderboard", mixinStandardHelpOptions = true,
        description = "Collect run folders into a leaderboard (methods x entity types, Cause / Isolate /"
                + " Disentangle, one table per split, published Llama3-8B rows apart). Writes leaderboard.md,"
                + " leaderboard.csv and leaderboard.html; prints the Markdown.")
final class LeaderboardCommand implements Callable<Integer> {
    @Option(names = "--runs", required = true, arity = "1..*", paramLabel = "DIR",
            description = "Run folders written by `hyperdas-run train` or `sweep`.")
    List<Path> runs;

    @Option(names = "--out", defaultValue = ".", paramLabel = "DIR",
            description = "Folder for the leaderboard files (default: the current folder).")
    Path out;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        output.check("--out", out, OutputKind.LEADERBOARD);
        Leaderboard board = Leaderboard.fromFolders(runs);
        List<Path> files = LeaderboardWriter.write(board, out);
        var stdout = spec.commandLine().getOut();
        stdout.print(LeaderboardWriter.markdown(board));
        stdout.flush();
        System.err.println("wrote " + files.stream().map(Path::toString).toList());
        return 0;
    }
}
