package org.hyperdas.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hyperdas.evaluation.leaderboard.IntervalLeaderboardWriter;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.trainer.sweep.Cell;
import org.hyperdas.trainer.sweep.Grid;
import org.hyperdas.trainer.sweep.LocalBackend;
import org.hyperdas.trainer.sweep.SweepResults;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code sweep --grid FILE}: expands the grid, trains every unfinished cell on the local backend (one
 * {@code hyperdas-run train} child process per cell, from this JVM's class path), then gathers
 * sweep.arrow, the leaderboard with intervals and the plots.
 */
final class GridSweep {
    private GridSweep() {
    }

    /** train's long option names without the dashes: what a grid may set. */
    static Set<String> trainOptions() {
        Set<String> names = new LinkedHashSet<>();
        for (OptionSpec o : new CommandLine(new TrainCommand()).getCommandSpec().options()) {
            names.add(o.longestName().replaceFirst("^--?", ""));
        }
        return names;
    }

    /** The cells of a grid file; {@code model} is given to every cell that does not name one. */
    static List<Cell> cells(Path grid, Path model) {
        List<Cell> cells = new ArrayList<>();
        for (Cell c : Grid.read(grid, trainOptions())) {
            cells.add(model == null ? c : c.withDefault("model", model.toAbsolutePath().toString()));
        }
        return cells;
    }

    /** Options of sweep itself, and the target model every cell gets; anything else belongs in the grid. */
    private static final Set<String> SWEEP_OPTIONS = Set.of("--grid", "--out", "--backend", "--parallel", "--model",
            "--cache");

    /** Refuses a training option given on the command line beside --grid (it would silently not apply). */
    static void refuseCellOptions(CommandLine.ParseResult parsed) {
        for (OptionSpec o : parsed.matchedOptions()) {
            if (!SWEEP_OPTIONS.contains(o.longestName())) {
                throw new BadInputException(o.longestName() + " with --grid: put it in the grid file (\""
                        + o.longestName().substring(2) + "\": value or [values]) so every cell gets it");
            }
        }
    }

    /** This JVM as a child: java, the flags the libraries need, this class path, the CLI's main class. */
    static List<String> launcher() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HyperdasRun.class.getName());
    }

    /** Runs the sweep; 0 when every cell finished, 1 listing the failed ones. */
    static int run(List<Cell> cells, Path out, Integer parallel, PrintWriter stdout) throws Exception {
        if (cells.isEmpty()) {
            throw new BadInputException("--grid: no cells");
        }
        LocalBackend.Plan plan = LocalBackend.Plan.over(Runtime.getRuntime().availableProcessors(), cells.size(),
                parallel);
        List<LocalBackend.CellRun> runs = LocalBackend.run(cells, out, launcher(), plan, System.err);
        SweepResults.Written written = SweepResults.write(cells, out);
        if (written.board() != null) {
            stdout.print(IntervalLeaderboardWriter.markdown(written.board()));
        }
        stdout.flush();
        System.err.println("sweep: " + written.files().stream().map(Path::toString).toList());
        List<String> failed = runs.stream().filter(r -> !r.finished()).map(r -> r.cell().name()).toList();
        if (!failed.isEmpty()) {
            System.err.println("sweep: " + failed.size() + " cell(s) failed: " + failed
                    + " (their cell.log says why; run the same sweep again to retry only those)");
            return 1;
        }
        return 0;
    }
}
