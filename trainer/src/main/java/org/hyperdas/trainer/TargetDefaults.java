package org.hyperdas.trainer;

import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.trainer.hyperdas.HyperDasTraining;

/**
 * The one place that decides the default settings of every method from the target model, with
 * one size rule ({@link #isLarge}): small targets such as the knowledge model get the settings
 * tuned on it (trainer/BASELINES.md, trainer/HYPERDAS.md), large ones (hidden size at least
 * {@value #LARGE_HIDDEN}, e.g. Llama3-8B) the papers'. The constants are public so help texts
 * print these values instead of repeating them.
 */
public final class TargetDefaults {
    /** Hidden size from which a target counts as large. */
    public static final int LARGE_HIDDEN = 2048;

    /** Baselines: the intervention site on small targets (found by the MDAS sweep); large: {@link #referenceLayer}. */
    public static final int LAYER = 1;
    /** The reference's intervention layer on Llama3-8B: hidden_states[15] of 32 blocks. */
    public static final int REFERENCE_LAYER = 15;
    public static final int REFERENCE_LAYERS = 32;
    /** The reference's hypernetwork depth (decoder blocks copied), capped at the target's block count. */
    public static final int HYPERNET_LAYERS_LARGE = 8;
    /** The reference's subspace size. */
    public static final int K_LARGE = 128;
    /** Baselines: subspace size (at most the hidden size). */
    public static final int K = 16;
    public static final int STEPS = 300;
    public static final int BATCH_SIZE = 32;
    public static final int EVAL_BATCH_SIZE = 64;
    public static final double LR = 3e-2;
    public static final int WARMUP_STEPS = 20;

    /** HyperDAS: examples per step. */
    public static final int HYPERDAS_BATCH_SIZE = 16;
    public static final int HYPERDAS_EPOCHS_SMALL = 5;
    public static final int HYPERDAS_EPOCHS_LARGE = 3;
    /**
     * Small targets: the fewest optimizer steps a hypernetwork gets. Under per-type scope a type
     * with few pairs (the embedded physical objects: 289 steps per epoch against the cities' 657)
     * would otherwise stop at a third of the cities' steps; its HyperDAS run takes more epochs.
     */
    public static final long HYPERDAS_MIN_STEPS_SMALL = 3000;
    public static final double HYPERNET_LR_SMALL = 1e-3;
    public static final double HYPERNET_LR_LARGE = 4e-5;
    public static final double ROTATION_LR_SMALL = 3e-2;
    public static final double ROTATION_LR_LARGE = 1e-3;
    public static final double CAUSE_WEIGHT = 3.5;
    public static final double ISOLATE_WEIGHT_SMALL = 2.5;
    public static final double ISOLATE_WEIGHT_LARGE = 0.5;
    public static final double SPARSITY_WARMUP_SMALL = 0.1;
    public static final double SPARSITY_WARMUP_LARGE = 0.5;
    public static final double SPARSITY_START = 0.15;
    public static final double SPARSITY_END = 1.5;

    /** "on small targets, ... from hidden size 2048": the tail of help texts for size-dependent values. */
    public static final String LARGE_FROM = " from hidden size " + LARGE_HIDDEN;

    private TargetDefaults() {
    }

    /** The size rule: a target is large from hidden size {@value #LARGE_HIDDEN}. */
    public static boolean isLarge(LlamaConfig target) {
        return target.hiddenSize() >= LARGE_HIDDEN;
    }

    /**
     * The reference's layer carried to other depths: the same fraction of the blocks,
     * {@code floor(layers * 15 / 32)} (15 of 32 for Llama3-8B, 7 of 16 for a 16-block model), so
     * the site stays just before the middle of the stack.
     */
    public static int referenceLayer(int layers) {
        return layers * REFERENCE_LAYER / REFERENCE_LAYERS;
    }

    /**
     * The baselines' settings (das, mdas, patching) for {@code target}: layer {@value #LAYER} on
     * small targets (at most the layer count), {@link #referenceLayer} on large ones; k capped by
     * the hidden size.
     */
    public static MethodOptions baseline(LlamaConfig target, long seed) {
        int layers = target.numHiddenLayers();
        int hidden = target.hiddenSize();
        int layer = isLarge(target) ? referenceLayer(layers) : Math.min(LAYER, layers);
        return new MethodOptions(layer, Math.min(K, hidden), STEPS, BATCH_SIZE, EVAL_BATCH_SIZE, LR, WARMUP_STEPS, seed);
    }

    /**
     * HyperDAS's graph settings for {@code target}: the paper's ({@link HyperDasConfig#reference}) with
     * the learning rates and loss weights of the target's size. On small targets (hidden 64: a
     * 64-wide hypernetwork trained from a model that itself learned at 3e-3 barely moves at 4e-5)
     * hypernetwork lr 1e-3, R lr 3e-2, and isolate weight 2.5 (the shared subspace must leave the
     * other attributes alone).
     */
    public static HyperDasConfig hyperdas(LlamaConfig target) {
        boolean large = isLarge(target);
        HyperDasConfig c = HyperDasConfig.reference(target)
                .withLearningRates(large ? HYPERNET_LR_LARGE : HYPERNET_LR_SMALL,
                        large ? ROTATION_LR_LARGE : ROTATION_LR_SMALL)
                .withLossWeights(CAUSE_WEIGHT, large ? ISOLATE_WEIGHT_LARGE : ISOLATE_WEIGHT_SMALL);
        if (large) {
            int n = target.numHiddenLayers();
            c = c.withLayer(referenceLayer(n)).withSubspaceDim(Math.min(K_LARGE, target.hiddenSize()))
                    .withHypernetLayers(Math.min(HYPERNET_LAYERS_LARGE, n));
        }
        return c;
    }

    /**
     * HyperDAS's training-loop settings for {@code target}: batch {@value #HYPERDAS_BATCH_SIZE},
     * warm-up 10% of the steps, sparsity {@value #SPARSITY_START} -&gt; {@value #SPARSITY_END}; on
     * small targets 5 epochs, at least {@value #HYPERDAS_MIN_STEPS_SMALL} steps, and the sparsity penalty from 10% of the steps (with a long warm-up the
     * selection first learns to spread the source entity over every base position, and the ramp
     * does not undo it in time), on large ones the reference script's protocol: 3 epochs, constant
     * lr and its sparsity form with the first 50% zeroed ({@link HyperDasTraining#reference}).
     */
    public static HyperDasTraining hyperdasTraining(LlamaConfig target) {
        boolean large = isLarge(target);
        return new HyperDasTraining(large ? HYPERDAS_EPOCHS_LARGE : HYPERDAS_EPOCHS_SMALL, HYPERDAS_BATCH_SIZE, null,
                large ? SPARSITY_WARMUP_LARGE : SPARSITY_WARMUP_SMALL, SPARSITY_START, SPARSITY_END, large,
                large ? 0 : HYPERDAS_MIN_STEPS_SMALL);
    }

    /**
     * One line naming the default set in force for {@code target} and its HyperDAS values, printed
     * at the start of {@code train}.
     */
    public static String describe(LlamaConfig target) {
        HyperDasConfig c = hyperdas(target);
        HyperDasTraining t = hyperdasTraining(target);
        String name = isLarge(target) ? "reference (hidden >= " + LARGE_HIDDEN + ")"
                : "small-target (trainer/HYPERDAS.md)";
        return String.format("defaults: %s: hyperdas layer %s, k %d, hypernetwork %d layers, lr %s (R %s) %s,"
                + " loss weights %s/%s, sparsity %s,%s,%s%s, %d epochs%s, batch %d; baselines layer %d, k %d",
                name, isLarge(target) ? Integer.toString(c.layer()) : "auto", c.subspaceDim(), c.hypernetLayers(),
                c.hypernetLr(), c.rotationLr(), t.reference() ? "constant" : "warm-up 10% + cosine",
                c.causalWeight(), c.isolateWeight(), t.sparsityWarmup(), t.sparsityStart(), t.sparsityEnd(),
                t.reference() ? " (one linspace, warm-up zeroed)" : " (ramp after warm-up)", t.epochs(),
                t.minSteps() > 0 ? " (more, up to " + HyperDasTraining.MAX_EPOCH_FACTOR * t.epochs() + ", to reach " + t.minSteps()
                        + " steps)" : "", t.batchSize(), baseline(target, 0).layer(), baseline(target, 0).k());
    }
}
