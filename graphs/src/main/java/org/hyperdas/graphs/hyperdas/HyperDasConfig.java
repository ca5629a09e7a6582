package org.hyperdas.graphs.hyperdas;

import org.hyperdas.runtime.feeds.FeedSchema;
import java.util.function.Consumer;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * The settings a HyperDAS graph is built from (HYPERDAS.md), for one frozen Llama target: its
 * architecture (site, sizes, selection) and what the one-step training graph bakes in (loss
 * weights, optimizer groups, clip). Start from {@link #reference(LlamaConfig)} and change fields
 * with the {@code with...} methods; {@link #validate(LlamaConfig)} checks it against the target.
 * The training loop's settings (epochs, batch size, sparsity ramp) and the defaults that depend on
 * the target's size belong to the trainer (org.hyperdas.trainer.TargetDefaults).
 *
 * <p>Reference values (Llama3-8B: d 4096, 32 layers) in brackets.
 *
 * @param layer intervention site L: the residual stream entering block L ({@code hidden_states[L]},
 *     0 = embedding output; 0..n) [15]; default n / 2
 * @param subspaceDim k, columns of R and R' (k &lt;= hidden) [128]; default hidden / 4, at most 128
 * @param hypernetLayers N, decoder layers of the target copied into the hypernetwork (1..n) [8];
 *     default min(2, n)
 * @param selectionHeads query heads of the token-selection head, a multiple of the target's
 *     key/value heads (its keys have the target's KV heads); each has the target's head_dim and
 *     the target's RoPE frequencies [32]; default the target's attention heads
 * @param householderIntermediate intermediate size of the SwiGLU MLP that produces the
 *     Householder vector; default the target's intermediate size
 * @param initStd standard deviation of the normal init of the new matrices (pair projection,
 *     selection q/k, Householder MLP), as transformers' initializer_range [0.02]
 * @param causalWeight loss weight of cause examples [3.5]
 * @param isolateWeight loss weight of isolate examples [0.5]
 * @param hypernetLr learning rate of the hypernetwork group [4e-5]
 * @param hypernetWeightDecay AdamW decoupled weight decay of the hypernetwork group [0.01]
 * @param rotationLr learning rate of R (its Householder vectors) [1e-3]
 * @param rotationWeightDecay weight decay of R [0]
 * @param clipNorm global gradient-norm clip; 0 disables [4.0]
 * @param adamBeta1 AdamW beta1 [0.9]
 * @param adamBeta2 AdamW beta2 [0.999]
 * @param adamEps AdamW eps [1e-8]
 * @param selfClamp one-to-one mode: the SELF row's weight is raised to at least this before the
 *     column argmax [0.1]
 * @param accuracyTokens how many leading label tokens must all be right for an example to count
 *     as correct [{@value FeedSchema#SCORED_LABEL_TOKENS}, RAVEL's scoring]
 * @param seed seed of the random initialisation of the new parameters
 * @param ablations the paper's ablations ({@link Ablations#NONE}: the full model)
 * @param hypernetEmbedding whether the hypernetwork trains a copy of the target's embedding (the
 *     reference's) or reads the target's own matrix, frozen [trainable]
 */
public record HyperDasConfig(
        int layer,
        int subspaceDim,
        int hypernetLayers,
        int selectionHeads,
        int householderIntermediate,
        double initStd,
        double causalWeight,
        double isolateWeight,
        double hypernetLr,
        double hypernetWeightDecay,
        double rotationLr,
        double rotationWeightDecay,
        double clipNorm,
        double adamBeta1,
        double adamBeta2,
        double adamEps,
        double selfClamp,
        int accuracyTokens,
        long seed,
        Ablations ablations,
        HypernetEmbedding hypernetEmbedding) {

    public HyperDasConfig {
        require(layer >= 0, "layer must be >= 0: " + layer);
        require(subspaceDim >= 1, "subspaceDim must be >= 1: " + subspaceDim);
        require(hypernetLayers >= 1, "hypernetLayers must be >= 1: " + hypernetLayers);
        require(selectionHeads >= 1, "selectionHeads must be >= 1: " + selectionHeads);
        require(householderIntermediate >= 1, "householderIntermediate must be >= 1: " + householderIntermediate);
        require(initStd > 0 && Double.isFinite(initStd), "initStd must be > 0: " + initStd);
        require(causalWeight >= 0 && isolateWeight >= 0, "loss weights must be >= 0");
        require(hypernetLr >= 0 && rotationLr >= 0, "learning rates must be >= 0");
        require(hypernetWeightDecay >= 0 && rotationWeightDecay >= 0, "weight decays must be >= 0");
        require(clipNorm >= 0, "clipNorm must be >= 0: " + clipNorm);
        require(selfClamp >= 0 && selfClamp <= 1, "selfClamp must lie in [0, 1]: " + selfClamp);
        require(accuracyTokens >= 1, "accuracyTokens must be >= 1: " + accuracyTokens);
        require(ablations != null, "ablations must be set (Ablations.NONE for the full model)");
        require(hypernetEmbedding != null, "hypernetEmbedding must be set (TRAINABLE: the reference's)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new GraphBuildException("HyperDAS config: " + message);
        }
    }

    /**
     * The architecture settings for reading a saved HyperDAS model of {@code target}: those of
     * {@link #reference}. (Training defaults by target size: org.hyperdas.trainer.TargetDefaults.)
     */
    public static HyperDasConfig defaults(LlamaConfig target) {
        return reference(target);
    }

    /**
     * HYPERDAS.md's settings (hypernetwork lr 4e-5, R lr 1e-3, loss weights 3.5 / 0.5), with the
     * sizes scaled to {@code target} (see the field descriptions).
     */
    public static HyperDasConfig reference(LlamaConfig target) {
        int n = target.numHiddenLayers();
        int k = Math.max(1, Math.min(128, target.hiddenSize() / 4));
        return new HyperDasConfig(n / 2, k, Math.min(2, n), target.numAttentionHeads(), target.intermediateSize(),
                0.02, 3.5, 0.5, 4e-5, 0.01, 1e-3, 0.0, 4.0, 0.9, 0.999, 1e-8, 0.1,
                FeedSchema.SCORED_LABEL_TOKENS, 0, Ablations.NONE, HypernetEmbedding.TRAINABLE);
    }

    /**
     * Checks the sizes against the target: L in 0..n, N in 1..n, k &lt;= hidden, selection heads a
     * multiple of the key/value heads (the selection keys are grouped-query keys).
     */
    public HyperDasConfig validate(LlamaConfig target) {
        int n = target.numHiddenLayers();
        require(layer <= n, "layer " + layer + " is beyond the target's " + n + " blocks");
        require(hypernetLayers <= n, "hypernetLayers " + hypernetLayers + " exceeds the target's " + n + " blocks");
        require(subspaceDim <= target.hiddenSize(),
                "subspaceDim " + subspaceDim + " exceeds the hidden size " + target.hiddenSize());
        require(selectionHeads % target.numKeyValueHeads() == 0, "selectionHeads " + selectionHeads
                + " must be a multiple of the target's " + target.numKeyValueHeads() + " key/value heads");
        return this;
    }

    // ---- withers for the fields a run usually changes ----

    /** A mutable copy of every field: the one place that lists the constructor's arguments in order. */
    private static final class Fields {
        int layer;
        int subspaceDim;
        int hypernetLayers;
        int selectionHeads;
        int householderIntermediate;
        double initStd;
        double causalWeight;
        double isolateWeight;
        double hypernetLr;
        double hypernetWeightDecay;
        double rotationLr;
        double rotationWeightDecay;
        double clipNorm;
        double adamBeta1;
        double adamBeta2;
        double adamEps;
        double selfClamp;
        int accuracyTokens;
        long seed;
        Ablations ablations;
        HypernetEmbedding hypernetEmbedding;

        Fields(HyperDasConfig c) {
            layer = c.layer;
            subspaceDim = c.subspaceDim;
            hypernetLayers = c.hypernetLayers;
            selectionHeads = c.selectionHeads;
            householderIntermediate = c.householderIntermediate;
            initStd = c.initStd;
            causalWeight = c.causalWeight;
            isolateWeight = c.isolateWeight;
            hypernetLr = c.hypernetLr;
            hypernetWeightDecay = c.hypernetWeightDecay;
            rotationLr = c.rotationLr;
            rotationWeightDecay = c.rotationWeightDecay;
            clipNorm = c.clipNorm;
            adamBeta1 = c.adamBeta1;
            adamBeta2 = c.adamBeta2;
            adamEps = c.adamEps;
            selfClamp = c.selfClamp;
            accuracyTokens = c.accuracyTokens;
            seed = c.seed;
            ablations = c.ablations;
            hypernetEmbedding = c.hypernetEmbedding;
        }

        HyperDasConfig build() {
            return new HyperDasConfig(layer, subspaceDim, hypernetLayers, selectionHeads, householderIntermediate,
                    initStd, causalWeight, isolateWeight, hypernetLr, hypernetWeightDecay, rotationLr,
                    rotationWeightDecay, clipNorm, adamBeta1, adamBeta2, adamEps, selfClamp, accuracyTokens, seed,
                    ablations, hypernetEmbedding);
        }
    }

    /** This configuration with {@code change} applied (validated again by the constructor). */
    private HyperDasConfig with(Consumer<Fields> change) {
        Fields f = new Fields(this);
        change.accept(f);
        return f.build();
    }

    public HyperDasConfig withLayer(int v) {
        return with(f -> f.layer = v);
    }

    public HyperDasConfig withSubspaceDim(int v) {
        return with(f -> f.subspaceDim = v);
    }

    public HyperDasConfig withHypernetLayers(int v) {
        return with(f -> f.hypernetLayers = v);
    }

    public HyperDasConfig withSelectionHeads(int v) {
        return with(f -> f.selectionHeads = v);
    }

    public HyperDasConfig withHouseholderIntermediate(int v) {
        return with(f -> f.householderIntermediate = v);
    }

    public HyperDasConfig withInitStd(double v) {
        return with(f -> f.initStd = v);
    }

    public HyperDasConfig withLossWeights(double causal, double isolate) {
        return with(f -> {
            f.causalWeight = causal;
            f.isolateWeight = isolate;
        });
    }

    public HyperDasConfig withLearningRates(double hypernet, double rotation) {
        return with(f -> {
            f.hypernetLr = hypernet;
            f.rotationLr = rotation;
        });
    }

    public HyperDasConfig withSeed(long v) {
        return with(f -> f.seed = v);
    }

    public HyperDasConfig withAblations(Ablations v) {
        return with(f -> f.ablations = v);
    }

    public HyperDasConfig withHypernetEmbedding(HypernetEmbedding v) {
        return with(f -> f.hypernetEmbedding = v);
    }

    /** Whether the hypernetwork reads the target's embedding matrix instead of training a copy. */
    public boolean frozenEmbedding() {
        return hypernetEmbedding == HypernetEmbedding.FROZEN;
    }
}
