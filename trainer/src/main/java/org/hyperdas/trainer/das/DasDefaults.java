package org.hyperdas.trainer.das;

import org.hyperdas.graphs.hyperdas.HyperDasConfig;
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
    /** Hidden size from which a model counts as large (HyperDasConfig.LARGE_TARGET_HIDDEN). */
    public static final int LARGE_HIDDEN = HyperDasConfig.LARGE_TARGET_HIDDEN;

    private DasDefaults() {
    }

    /**
     * The defaults for a model of {@code layers} blocks and {@code hidden} size: layer {@value #LAYER}
     * (found by the sweep on the knowledge model) for small models, the middle block
     * ({@code layers / 2}) for large ones (hidden size at least {@value #LARGE_HIDDEN}, where the
     * sweep is yours to run); k capped by the hidden size.
     */
    public static MethodOptions forModel(int layers, int hidden, long seed) {
        int layer = hidden >= LARGE_HIDDEN ? layers / 2 : Math.min(LAYER, layers);
        return new MethodOptions(layer, Math.min(K, hidden), STEPS, BATCH_SIZE, EVAL_BATCH_SIZE, LR, WARMUP_STEPS, seed);
    }
}
