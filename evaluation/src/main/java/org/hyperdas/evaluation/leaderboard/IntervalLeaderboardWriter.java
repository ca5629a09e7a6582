package org.hyperdas.evaluation.leaderboard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.hyperdas.evaluation.stats.Bootstrap;
import org.hyperdas.evaluation.stats.Interval;
import org.hyperdas.evaluation.stats.SplitIntervals.CidInterval;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * Writes an {@link IntervalLeaderboard}: {@code leaderboard.md} (mean [95% interval] per method,
 * entity type and C / I / D; the paired differences; a footer saying how the intervals were made)
 * and {@code leaderboard.csv} (long format: one line per table, row, entity type and metric).
 */
public final class IntervalLeaderboardWriter {
    /** The footer: how every interval on the board was computed. */
    public static final String METHOD_NOTE = "Intervals are 95%. A method run with several seeds shows the mean"
            + " over its seeds and Student's t-interval (mean ± t(n−1) · sd / √n, n = seeds); a method run with"
            + " one seed shows its score and the percentile interval of a bootstrap over the evaluation pairs ("
            + Bootstrap.REPLICATES + " replicates, resampled within each entity type, attribute and cause / isolate"
            + " group). A difference A − B is paired: both methods were scored on the same pairs of each seed;"
            + " each of " + Bootstrap.REPLICATES + " replicates draws the seeds with replacement, then one"
            + " stratified draw of each drawn seed's pairs on which both are scored, and averages A − B over the"
            + " drawn seeds; the interval is the 2.5% and 97.5% percentiles of those replicates (seed "
            + Bootstrap.SEED + "). A difference whose interval lies above 0 holds at 95%.";

    private static final String[] METRICS = {"C", "I", "D"};
    private static final String[] METRIC_NAMES = {"cause", "isolate", "disentangle"};

    private IntervalLeaderboardWriter() {
    }

    /** Writes leaderboard.md and leaderboard.csv into {@code folder} (created if needed), atomically. */
    public static List<Path> write(IntervalLeaderboard board, Path folder) throws IOException {
        Files.createDirectories(folder);
        List<Path> out = List.of(folder.resolve(LeaderboardWriter.MARKDOWN), folder.resolve(LeaderboardWriter.CSV));
        AtomicFiles.writeString(out.get(0), markdown(board));
        AtomicFiles.writeString(out.get(1), csv(board));
        return out;
    }

    public static String markdown(IntervalLeaderboard board) {
        StringBuilder sb = new StringBuilder("# RAVEL leaderboard with 95% intervals\n\n");
        sb.append("C = Cause, I = Isolate, D = Disentangle = (C + I) / 2, in %: estimate [95% interval]; an example"
                + " is right (teacher forced) counting ").append(Leaderboard.scoringRule(board.runs())).append(". The ")
                .append(Leaderboard.PAPER_TEST_SPLIT).append(" table matches the HyperDAS paper's test set (unseen"
                        + " templates, seen entities).\n");
        for (IntervalLeaderboard.Section s : board.sections()) {
            sb.append("\n## ").append(s.title()).append("\n\n");
            table(sb, s.types(), s.rows(), false);
            if (!s.differences().isEmpty()) {
                sb.append("\nPaired difference to ").append(board.reference()).append(" (percentage points):\n\n");
                table(sb, s.types(), s.differences(), true);
                for (IntervalLeaderboard.Row d : s.differences()) {
                    Interval avg = d.intervals().overall().disentangle();
                    sb.append("\n- ").append(d.method()).append(", average Disentangle: ")
                            .append(avg.signedPercent()).append(avg.excludesZeroAbove() ? ": above 0 at 95%."
                                    : ": not above 0 at 95%.");
                }
                sb.append("\n");
            }
        }
        if (!board.runs().isEmpty()) {
            sb.append("\n## Runs\n\n");
            for (Leaderboard.Entry e : board.runs()) {
                sb.append("- ").append(e.label()).append(": ").append(e.folder()).append(" (model ").append(e.model())
                        .append(", layer ").append(e.layer()).append(", k ").append(e.k()).append(", label tokens ")
                        .append(e.labelTokens()).append(")\n");
            }
        }
        sb.append("\n## Method\n\n").append(METHOD_NOTE).append("\n");
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<String> types, List<IntervalLeaderboard.Row> rows,
            boolean signed) {
        List<String> header = new ArrayList<>(List.of("Method", "Seeds"));
        for (String t : types) {
            for (String m : METRICS) {
                header.add(Leaderboard.typeName(t) + " " + m);
            }
        }
        for (String m : METRICS) {
            header.add("Avg " + m);
        }
        sb.append("| ").append(String.join(" | ", header)).append(" |\n|:---|:---|")
                .append("---:|".repeat(header.size() - 2)).append("\n");
        for (IntervalLeaderboard.Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.method(), seeds(r.seeds())));
            for (String t : types) {
                addCells(cells, r.intervals().byType().get(t), signed);
            }
            addCells(cells, r.intervals().overall(), signed);
            sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
    }

    private static void addCells(List<String> cells, CidInterval c, boolean signed) {
        for (int i = 0; i < METRICS.length; i++) {
            Interval v = c == null ? Interval.UNDEFINED : c.component(i);
            cells.add(signed ? v.signedPercent() : v.percent());
        }
    }

    private static String seeds(List<Long> seeds) {
        return seeds.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /**
     * Long CSV: table (split or split:difference), method, seeds, entity_type (or average), metric,
     * estimate, low, high (%), paper_test_set (whether the split matches the paper's test set).
     */
    public static String csv(IntervalLeaderboard board) {
        StringBuilder sb = new StringBuilder("table,method,seeds,entity_type,metric,estimate,low,high,paper_test_set\n");
        for (IntervalLeaderboard.Section s : board.sections()) {
            String paper = Boolean.toString(Leaderboard.isPaperTestSplit(s.split()));
            csvRows(sb, s.split(), s.rows(), paper);
            csvRows(sb, s.split() + ":difference", s.differences(), paper);
        }
        return sb.toString();
    }

    private static void csvRows(StringBuilder sb, String table, List<IntervalLeaderboard.Row> rows, String paper) {
        for (IntervalLeaderboard.Row r : rows) {
            String prefix = table + "," + r.method() + ",\"" + seeds(r.seeds()) + "\",";
            r.intervals().byType().forEach((type, c) -> csvCells(sb, prefix + type, c, paper));
            csvCells(sb, prefix + "average", r.intervals().overall(), paper);
        }
    }

    private static void csvCells(StringBuilder sb, String prefix, CidInterval c, String paper) {
        for (int i = 0; i < METRIC_NAMES.length; i++) {
            Interval v = c.component(i);
            sb.append(prefix).append(',').append(METRIC_NAMES[i]).append(',').append(num(v.estimate())).append(',')
                    .append(num(v.low())).append(',').append(num(v.high())).append(',').append(paper).append('\n');
        }
    }

    private static String num(double fraction) {
        return Double.isNaN(fraction) ? "" : String.format(Locale.ROOT, "%.2f", fraction * 100);
    }
}
