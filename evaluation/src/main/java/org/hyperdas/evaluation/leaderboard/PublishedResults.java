package org.hyperdas.evaluation.leaderboard;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.scoring.Scores.Cid;

/**
 * The published Llama3-8B numbers (HyperDAS paper, Sun et al. 2025, arXiv 2503.10894; layer 15;
 * Cause / Isolate / Disentangle in %), shown beside our runs for context only: another target
 * model, another data filter and another layer, so not comparable row by row.
 */
public final class PublishedResults {
    /** Where the numbers come from, for captions. */
    public static final String SOURCE = "Llama3-8B, layer 15 (HyperDAS paper, Sun et al. 2025, arXiv 2503.10894)";

    /** One published row: method label, Cid per entity type (fractions), and the published average. */
    public record Row(String method, Map<String, Cid> byType, Cid average) {
    }

    private PublishedResults() {
    }

    /** The published rows, MDAS then HyperDAS (soft). */
    public static List<Row> rows() {
        return List.of(
                row("mdas", new double[][] {
                    {56.3, 77.9, 67.1}, {56.0, 93.5, 74.8}, {50.7, 88.1, 69.4}, {85.0, 97.9, 91.5}, {74.3, 79.6, 76.9}},
                    new double[] {64.5, 87.4, 76.0}),
                row("hyperdas-soft", new double[][] {
                    {71.1, 89.9, 80.5}, {55.4, 95.1, 75.2}, {95.1, 94.9, 95.0}, {92.7, 97.2, 95.0}, {93.0, 98.9, 96.0}},
                    new double[] {81.5, 95.2, 88.4}));
    }

    /** The entity types of the published table, in its order. */
    public static final List<String> TYPES =
            List.of("city", "nobel_prize_winner", "occupation", "physical_object", "verb");

    private static Row row(String method, double[][] perType, double[] average) {
        Map<String, Cid> m = new LinkedHashMap<>();
        for (int i = 0; i < TYPES.size(); i++) {
            m.put(TYPES.get(i), cid(perType[i]));
        }
        return new Row(method, m, cid(average));
    }

    private static Cid cid(double[] percent) {
        return new Cid(percent[0] / 100, percent[1] / 100, percent[2] / 100);
    }
}
