package org.hyperdas.trainer.das;

import org.hyperdas.trainer.MethodOptions;

/**
 * Default settings of the baselines for the knowledge model (see the note in the project docs for
 * the sweep they come from). Layer and k are capped by the model at hand.
 */
public final class DasDefaults {
    /** Intervention site: the residual stream entering this block. */
    public static final int LAYER = 1;
    /** Subspace size. */
    public static final int K = 16;
    public static final int STEPS = 300;
    public static final int BATCH_SIZE = 32;
    public static final int EVAL_BATCH_SIZE = 64;
    public static final double LR = 3e-2;
    public static final int WARMUP_STEPS = 20;

    private DasDefaults() {
    }

    /** The defaults, with layer and k capped by a model of {@code layers} blocks and {@code hidden} size. */
    public static MethodOptions forModel(int layers, int hidden, long seed) {
        return new MethodOptions(Math.min(LAYER, layers), Math.min(K, hidden), STEPS, BATCH_SIZE, EVAL_BATCH_SIZE, LR,
                WARMUP_STEPS, seed);
    }
}
