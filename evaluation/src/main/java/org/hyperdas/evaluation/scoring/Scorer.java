package org.hyperdas.evaluation.scoring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.PairKind;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.ConfusionMetrics;
import org.tribuo.classification.evaluation.LabelConfusionMatrix;
import org.tribuo.evaluation.metrics.EvaluationMetric;
import org.tribuo.impl.ArrayExample;

/**
 * Turns per-example outcomes into RAVEL {@link Scores}. Every accuracy goes through Tribuo's
 * evaluation classes: each example becomes a Tribuo {@link Prediction} of a {@link Label}, gold
 * "correct" (the expected label) and predicted "correct" or "wrong" (whether the first 3 label
 * tokens matched), and the accuracy is {@link ConfusionMetrics#accuracy} of the
 * {@link LabelConfusionMatrix} over that domain (its correct count is the matrix's true
 * positives for "correct").
 *
 * <p>Grouping: pair split, then entity type, then target attribute, then cause / isolate; splits,
 * types and attributes keep the order in which they first appear in the outcomes.
 */
public final class Scorer {
    /** The gold label of every example, and the prediction of a matching one. */
    public static final Label CORRECT = new Label("correct");
    /** The prediction of an example whose first label tokens did not all match. */
    public static final Label WRONG = new Label("wrong");

    private static final ImmutableOutputInfo<Label> DOMAIN =
            new LabelFactory().constructInfoForExternalModel(Map.of(CORRECT, 0, WRONG, 1));

    private Scorer() {
    }

    /** Accuracy of a list of correct/wrong flags, computed by Tribuo. */
    public static Accuracy accuracy(List<Boolean> correct) {
        if (correct.isEmpty()) {
            return Accuracy.EMPTY;
        }
        List<Prediction<Label>> predictions = new ArrayList<>(correct.size());
        for (boolean c : correct) {
            predictions.add(new Prediction<>(c ? CORRECT : WRONG, 0, new ArrayExample<>(CORRECT)));
        }
        LabelConfusionMatrix matrix = new LabelConfusionMatrix(DOMAIN, predictions);
        double accuracy = ConfusionMetrics.accuracy(EvaluationMetric.Average.MICRO, matrix);
        long hits = Math.round(matrix.tp(CORRECT));
        long total = Math.round(matrix.support());
        if (total != correct.size() || Math.abs(accuracy - (double) hits / total) > 1e-12) {
            throw new IllegalStateException("Tribuo's confusion matrix disagrees with itself: accuracy " + accuracy
                    + ", " + hits + " / " + total + " for " + correct.size() + " examples");
        }
        return new Accuracy(hits, total);
    }

    /** Scores of {@code method} over all outcomes. */
    public static Scores score(String method, List<Outcome> outcomes) {
        // split -> type -> attribute -> [cause flags, isolate flags]
        Map<String, Map<String, Map<String, List<List<Boolean>>>>> groups = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            List<List<Boolean>> flags = groups.computeIfAbsent(o.pair().split(), s -> new LinkedHashMap<>())
                    .computeIfAbsent(o.pair().entityType(), t -> new LinkedHashMap<>())
                    .computeIfAbsent(o.pair().attribute(), a -> List.of(new ArrayList<>(), new ArrayList<>()));
            flags.get(o.pair().kind() == PairKind.CAUSE ? 0 : 1).add(o.correct());
        }
        List<Scores.SplitScores> splits = new ArrayList<>();
        groups.forEach((split, types) -> {
            List<Scores.TypeScores> typeScores = new ArrayList<>();
            types.forEach((type, attributes) -> {
                List<Scores.AttributeScores> attributeScores = new ArrayList<>();
                attributes.forEach((attribute, flags) -> attributeScores.add(
                        new Scores.AttributeScores(attribute, accuracy(flags.get(0)), accuracy(flags.get(1)))));
                typeScores.add(new Scores.TypeScores(type,
                        Scores.Cid.mean(attributeScores.stream().map(Scores.AttributeScores::cid).toList()),
                        attributeScores));
            });
            splits.add(new Scores.SplitScores(split,
                    Scores.Cid.mean(typeScores.stream().map(Scores.TypeScores::cid).toList()), typeScores));
        });
        return new Scores(method, splits);
    }
}
