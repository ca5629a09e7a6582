package org.hyperdas.trainer.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.SweepTable;
import org.hyperdas.evaluation.leaderboard.IntervalLeaderboard;
import org.hyperdas.evaluation.leaderboard.IntervalLeaderboardWriter;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scores;

/**
 * Gathers the finished cells of a sweep into its result files in the sweep folder:
 * <pre>
 *   sweep.arrow                  one row per cell, run and split ({@link SweepTable})
 *   leaderboard.md, .csv         methods per configuration with 95% intervals over seeds, and the
 *                                paired difference to mdas ({@link IntervalLeaderboard})
 *   disentangle-by-layer.png     Disentangle against layer with interval bands (when layer varies)
 *   disentangle-by-k.png         the same against k (when k varies)
 * </pre>
 */
public final class SweepResults {
    public static final List<String> PLOTTED_AXES = List.of("layer", "k");

    /** The files written and the board. */
    public record Written(List<Path> files, IntervalLeaderboard board, List<SweepTable.Row> rows) {
    }

    private SweepResults() {
    }

    /** One row per (cell, run, split) of the finished cells, in cell order. */
    public static List<SweepTable.Row> rows(List<Cell> cells, Path out) {
        List<SweepTable.Row> rows = new ArrayList<>();
        for (Cell cell : cells) {
            Path folder = out.resolve(cell.name());
            List<String> runs = CellFolder.finishedRuns(folder);
            if (runs == null) {
                continue;
            }
            for (String r : runs) {
                RunFolder.Run run = RunFolder.read(folder.resolve(r));
                for (Scores.SplitScores s : run.scores().splits()) {
                    rows.add(new SweepTable.Row(cell.name(), r, run.method(), cell.context(), settingsJson(cell),
                            cell.seed(), number(run, "layer"), number(run, "k"), s.split(), s.overall().cause(),
                            s.overall().isolate(), s.overall().disentangle()));
                }
            }
        }
        return rows;
    }

    private static long number(RunFolder.Run run, String key) {
        try {
            return Long.parseLong(run.configText(key, "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String settingsJson(Cell cell) {
        try {
            return new ObjectMapper().writeValueAsString(cell.settings());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the result files of the finished cells into {@code out}. */
    public static Written write(List<Cell> cells, Path out) throws IOException {
        List<SweepTable.Row> rows = rows(cells, out);
        List<Path> files = new ArrayList<>();
        Path table = out.resolve(SweepTable.FILE);
        SweepTable.write(table, rows);
        files.add(table);
        if (rows.isEmpty()) {
            return new Written(files, null, rows);
        }
        Map<Path, String> context = new HashMap<>();
        List<Path> folders = new ArrayList<>();
        for (SweepTable.Row r : rows) {
            Path f = out.resolve(r.cell()).resolve(r.run()).toAbsolutePath().normalize();
            if (context.put(f, r.context()) == null) {
                folders.add(f);
            }
        }
        IntervalLeaderboard board = IntervalLeaderboard.fromFolders(folders,
                run -> context.getOrDefault(run.folder().toAbsolutePath().normalize(), ""),
                IntervalLeaderboard.DEFAULT_REFERENCE);
        files.addAll(IntervalLeaderboardWriter.write(board, out));
        for (String axis : PLOTTED_AXES) {
            Path png = out.resolve("disentangle-by-" + axis + ".png");
            if (SweepBandPlot.write(board, axis, png)) {
                files.add(png);
            }
        }
        return new Written(files, board, rows);
    }
}
