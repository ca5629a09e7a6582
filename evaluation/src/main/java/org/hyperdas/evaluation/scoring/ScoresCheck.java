package org.hyperdas.evaluation.scoring;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.runtime.BadInputException;

/**
 * Cross-checks a run folder's scores.json against its predictions.arrow: every (split, entity
 * type, attribute, kind) count of correct and total examples in the scores must be what the
 * predictions file holds, so a leaderboard never shows scores the run's own predictions do not
 * support (a corrupt, truncated or swapped predictions file, or hand-edited scores).
 */
final class ScoresCheck {
    private ScoresCheck() {}

    static void requireConsistent(Path predictionsFile, Path scoresFile, Scores scores) {
        List<Outcome> outcomes = PredictionFile.read(predictionsFile);
        Map<String, long[]> counted = new HashMap<>();
        for (Outcome o : outcomes) {
            long[] c = counted.computeIfAbsent(key(o.pair().split(), o.pair().entityType(), o.pair().attribute(),
                    o.pair().kind()), k -> new long[2]);
            c[0] += o.correct() ? 1 : 0;
            c[1]++;
        }
        long scored = 0;
        for (Scores.SplitScores s : scores.splits()) {
            for (Scores.TypeScores t : s.entityTypes()) {
                for (Scores.AttributeScores a : t.attributes()) {
                    String where = "splits." + s.split() + ".entity_types." + t.entityType() + ".attributes."
                            + a.attribute();
                    scored += compare(counted, scoresFile, predictionsFile, where,
                            key(s.split(), t.entityType(), a.attribute(), PairKind.CAUSE), a.cause(), "cause");
                    scored += compare(counted, scoresFile, predictionsFile, where,
                            key(s.split(), t.entityType(), a.attribute(), PairKind.ISOLATE), a.isolate(), "isolate");
                }
            }
        }
        if (scored != outcomes.size()) {
            throw BadInputException.file(predictionsFile, outcomes.size() + " predictions, but " + scoresFile
                    .getFileName() + " counts " + scored + " scored examples: expected the run's own predictions");
        }
    }

    private static long compare(Map<String, long[]> counted, Path scoresFile, Path predictionsFile, String where,
            String key, Accuracy declared, String kind) {
        long[] c = counted.getOrDefault(key, new long[2]);
        if (c[0] != declared.correct() || c[1] != declared.total()) {
            throw BadInputException.field(scoresFile, where + "." + kind + "_correct/_total", c[0] + " / " + c[1]
                    + " (counted in " + predictionsFile.getFileName() + ")", declared.correct() + " / "
                    + declared.total());
        }
        return c[1];
    }

    private static String key(String split, String type, String attribute, PairKind kind) {
        return split + "\u0000" + type + "\u0000" + attribute + "\u0000" + kind;
    }
}
