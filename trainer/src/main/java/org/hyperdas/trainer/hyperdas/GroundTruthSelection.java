package org.hyperdas.trainer.hyperdas;

import org.hyperdas.evaluation.batch.PairBatch;

/**
 * The selection of {@link org.hyperdas.graphs.hyperdas.SelectionMode#GROUNDTRUTH}, built from a
 * batch's entity positions (the reference's "groundtruth" inference mode): in each example the
 * base entity's last token takes the source entity's last token (weight 1, its SELF 0) and every
 * other base column stays SELF. Row-major float32 [batch, S + 1, T_b] with S and T_b the batch's
 * padded source and base lengths, row S SELF: the layout of the GIVEN graph's selection input.
 */
public final class GroundTruthSelection {
    private GroundTruthSelection() {
    }

    /** The selection for {@code batch}; its shape is {@link #shape(PairBatch)}. */
    public static float[] of(PairBatch batch) {
        int rows = batch.sourceIds().dim(1) + 1;
        int columns = batch.baseIds().dim(1);
        float[] w = new float[batch.size() * rows * columns];
        for (int b = 0; b < batch.size(); b++) {
            int self = (b * rows + rows - 1) * columns;
            java.util.Arrays.fill(w, self, self + columns, 1f);
            int base = (int) batch.baseEntityLast().get(b);
            int source = (int) batch.sourceEntityLast().get(b);
            w[self + base] = 0f;
            w[(b * rows + source) * columns + base] = 1f;
        }
        return w;
    }

    /** {batch, S + 1, T_b}. */
    public static long[] shape(PairBatch batch) {
        return new long[] {batch.size(), batch.sourceIds().dim(1) + 1, batch.baseIds().dim(1)};
    }
}
