package org.hyperdas.explorer;

import java.util.List;
import org.hyperdas.export.PortableInference;

/**
 * What the Try tab shows for one request: both greedy answers (exactly {@code infer}'s), the five
 * likeliest first tokens of each, and what the intervention reads from where.
 *
 * @param variant the mode (hyperdas) or the attribute (das/mdas) that was used, as {@code infer} prints it
 * @param baseTop the target's five likeliest next tokens after the base prompt
 * @param intervenedTop the five likeliest next tokens after the base prompt with the intervention
 * @param heatmap hyperdas: the first step's selection; null for das/mdas/patching
 * @param site das/mdas/patching: the fixed site (last base-entity token <- last source-entity token); null for hyperdas
 * @param selected the heaviest selected pairs, as {@code infer} lists them
 * @param millis the server's time for the request
 */
public record TryResult(String method, String variant, int layer, String baseAnswer, String intervenedAnswer,
        List<TokenProbability> baseTop, List<TokenProbability> intervenedTop, Heatmap heatmap,
        PortableInference.Selected site, List<PortableInference.Selected> selected, long millis) {

    /** One candidate next token and its softmax probability. */
    public record TokenProbability(long id, String token, double probability) {
    }

    /**
     * The selection of a HyperDAS graph: rows are the source tokens then SELF (keep the base's own
     * vector), columns the base tokens; each column's weights sum to one over the rows.
     *
     * @param discrete one-to-many / one-to-one: each column picks one row
     * @param writable per base token, whether the intervention may write it (its intervention mask)
     * @param readable per source row, whether the intervention may read it (SELF always)
     * @param weights [rows][columns]
     */
    public record Heatmap(List<String> rows, List<String> columns, boolean discrete, boolean[] writable,
            boolean[] readable, float[][] weights) {
    }
}
