package org.hyperdas.graphs.hyperdas;

/** How the selection W that the intervention uses is obtained (HYPERDAS.md "Evaluation modes"). */
public enum SelectionMode {
    /** The head's soft weights, no temperature: training, and the paper's main evaluation. */
    SOFT,
    /** Each base column takes its argmax row (0/1). */
    ONE_TO_MANY,
    /** Each source row bids for its best base column; SELF clamped below at selfClamp; column argmax (0/1). */
    ONE_TO_ONE,
    /**
     * W is fed as the input {@link org.hyperdas.runtime.feeds.FeedSchema#SELECTION_INPUT}
     * [batch, S + 1, T_b] (e.g. a ground-truth alignment, or all SELF); the selection head is not built.
     */
    GIVEN
}
