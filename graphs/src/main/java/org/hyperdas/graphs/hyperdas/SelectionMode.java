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
     * The single (source row, base column) cell with the largest soft weight over the source rows
     * (ties to the lowest flattened index i * T_b + j) gets 1 and that column's SELF 0; every other
     * column is SELF (0/1). The reference's "global_argmax".
     */
    GLOBAL_ARGMAX,
    /**
     * The base entity's last token takes the source entity's last token, every other column SELF,
     * with the learned subspace: the reference's "groundtruth" inference mode. The selection depends
     * on each pair's entity positions, so it is fed: the graph is the {@link #GIVEN} one and the
     * caller builds W (e.g. org.hyperdas.trainer.hyperdas.HyperDasTrained).
     */
    GROUNDTRUTH,
    /**
     * W is fed as the input {@link org.hyperdas.runtime.feeds.FeedSchema#SELECTION_INPUT}
     * [batch, S + 1, T_b] (e.g. a ground-truth alignment, or all SELF); the selection head is not built.
     */
    GIVEN;

    /** The mode of the graph that evaluates this mode: {@link #GIVEN} for {@link #GROUNDTRUTH}, else itself. */
    public SelectionMode graphMode() {
        return this == GROUNDTRUTH ? GIVEN : this;
    }
}
