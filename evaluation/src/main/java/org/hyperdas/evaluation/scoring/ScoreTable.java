package org.hyperdas.evaluation.scoring;

import java.util.Locale;
import org.hyperdas.evaluation.pairs.PairSplit;

/** A run's scores as Markdown: per split, one line per attribute, entity-type means and the overall mean. */
public final class ScoreTable {
    private ScoreTable() {
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v * 100);
    }

    public static String markdown(Scores scores) {
        StringBuilder sb = new StringBuilder("# ").append(scores.method())
                .append(": Cause / Isolate / Disentangle (%)\n");
        for (Scores.SplitScores s : scores.splits()) {
            sb.append("\n## ").append(s.split())
                    .append(PairSplit.isPaperTest(s.split()) ? " (the paper's test set: unseen templates, seen entities)" : "")
                    .append("\n\n")
                    .append("| Entity type | Attribute | Cause | Isolate | Disentangle | Cause pairs | Isolate pairs |\n")
                    .append("|:---|:---|---:|---:|---:|---:|---:|\n");
            for (Scores.TypeScores t : s.entityTypes()) {
                for (Scores.AttributeScores a : t.attributes()) {
                    Scores.Cid c = a.cid();
                    sb.append("| ").append(t.entityType()).append(" | ").append(a.attribute()).append(" | ")
                            .append(pct(c.cause())).append(" | ").append(pct(c.isolate())).append(" | ")
                            .append(pct(c.disentangle())).append(" | ").append(a.cause().total()).append(" | ")
                            .append(a.isolate().total()).append(" |\n");
                }
                sb.append("| ").append(t.entityType()).append(" | (mean) | ").append(pct(t.cid().cause()))
                        .append(" | ").append(pct(t.cid().isolate())).append(" | ").append(pct(t.cid().disentangle()))
                        .append(" |  |  |\n");
            }
            sb.append("| (all) | (mean) | ").append(pct(s.overall().cause())).append(" | ")
                    .append(pct(s.overall().isolate())).append(" | ").append(pct(s.overall().disentangle()))
                    .append(" |  |  |\n");
        }
        return sb.toString();
    }
}
