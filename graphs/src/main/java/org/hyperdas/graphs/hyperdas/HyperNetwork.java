package org.hyperdas.graphs.hyperdas;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaBuilder;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.Attention;
import org.hyperdas.graphs.nn.Linear;
import org.hyperdas.graphs.nn.RmsNorm;
import org.hyperdas.graphs.nn.Rotary;
import org.hyperdas.graphs.nn.Shapes;
import org.hyperdas.graphs.nn.TokenPositions;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * The hypernetwork's transformer (HYPERDAS.md "Hypernetwork"): copies of the target's embeddings,
 * first N decoder layers and final norm, reading the instruction tokens. Each layer, pre-norm,
 * adds into the residual in this order:
 * <ol>
 *   <li>causal self-attention over the instruction ({@code input_layernorm}, {@code self_attn});
 *   <li>cross-attention to the SOURCE memory ({@code source_cross_attn_layernorm},
 *       {@code source_cross_attn.{q,k,v,o}_proj});
 *   <li>cross-attention to the BASE memory ({@code base_cross_attn_layernorm},
 *       {@code base_cross_attn.{q,k,v,o}_proj});
 *   <li>the SwiGLU MLP ({@code post_attention_layernorm}, {@code mlp}).
 * </ol>
 * With {@link HypernetEmbedding#FROZEN} the instruction is embedded with the target's own matrix.
 * The ablations {@link Ablations#noSourceCross()} and {@link Ablations#noBaseCross()} leave out
 * step 2 or 3 (and its weights).
 * Weight names are the HF ones under {@code model.layers.{i}.}, declared through the given
 * {@link LlamaWeights} (normally graph parameters with the prefix {@value HyperDasParameters#HYPERNET}).
 * Cross-attention queries get RoPE at the instruction positions, keys at the memory's positions
 * ({@link HiddenStateMemory}); every query sees every visible memory entry.
 *
 * <p>Instruction positions are {@code cumsum(instruction_mask)}: 1 for the first real token, as
 * the reference hypernetwork numbers them, so they count from 1 like the memory's visible keys.
 * (Self-attention is unaffected by the offset: RoPE scores depend on position differences only.)
 */
public final class HyperNetwork {
    /** Module names of the two cross-attentions inside layer i. */
    public static final String SOURCE_CROSS = "source_cross_attn";
    public static final String BASE_CROSS = "base_cross_attn";

    private final LlamaConfig target;
    private final HyperDasConfig config;
    private final LlamaWeights weights;
    private final LlamaBuilder builder;
    private final LlamaBuilder frozenEmbedding;
    private final double[] invFreq;

    /**
     * What the hypernetwork hands to the selection head and the subspace builder.
     *
     * @param states final-normed states [batch, Ti, hidden]
     * @param last the state at each example's last instruction token, [batch, hidden]
     * @param lastPosition that token's RoPE position, int64 [batch, 1]
     */
    public record Output(Value states, Value last, Value lastPosition) {
    }

    /**
     * @param weights where the hypernetwork's weights come from, by HF name (e.g.
     *     {@code LlamaWeights.inputs(dtype).prefixed("hypernet.")})
     */
    public HyperNetwork(Graph graph, LlamaConfig target, HyperDasConfig config, LlamaWeights weights, DType dtype) {
        this(graph, target, config, weights, null, dtype);
    }

    /**
     * @param targetWeights the frozen target's weights: with {@link HypernetEmbedding#FROZEN} the
     *     instruction is embedded with its {@code model.embed_tokens.weight}, the same graph weight the
     *     target's own Gather reads (LlamaWeights declares a weight once per graph), so no copy is held
     */
    public HyperNetwork(Graph graph, LlamaConfig target, HyperDasConfig config, LlamaWeights weights,
            LlamaWeights targetWeights, DType dtype) {
        config.validate(target);
        if (config.frozenEmbedding() && targetWeights == null) {
            throw new GraphBuildException("HyperNetwork: a frozen embedding needs the target's weights");
        }
        this.target = target;
        this.config = config;
        this.weights = weights;
        this.builder = new LlamaBuilder(graph, target, weights, dtype);
        this.frozenEmbedding = config.frozenEmbedding() ? new LlamaBuilder(graph, target, targetWeights, dtype) : null;
        this.invFreq = LlamaBuilder.inverseFrequencies(target);
    }

    public LlamaBuilder builder() {
        return builder;
    }

    /** {@code model.layers.{i}.{module}.} */
    static String module(int layer, String module) {
        return "model.layers." + layer + "." + module;
    }

    /**
     * @param instructionIds int64 [batch, Ti]
     * @param instructionMask int64 [batch, Ti], 1 on real tokens (left or right padding)
     */
    public Output apply(Value instructionIds, Value instructionMask, HiddenStateMemory source, HiddenStateMemory base) {
        Graph g = builder.graph();
        DType dtype = builder.dtype();
        Value positions;
        LlamaBuilder.Context context;
        Rotary.Tables sourceKeys;
        Rotary.Tables baseKeys;
        try (Graph.Scope s = g.scope("hypernet")) {
            positions = instructionMask.cumSum(1, false, false);
            context = builder.context(instructionMask, instructionIds, positions);
            sourceKeys = Rotary.tables(source.positions(), invFreq, dtype);
            baseKeys = Rotary.tables(base.positions(), invFreq, dtype);
        }
        Value x;
        try (Graph.Scope s = g.scope("hypernet")) {
            x = (frozenEmbedding != null ? frozenEmbedding : builder).embed(instructionIds);
        }
        for (int i = 0; i < config.hypernetLayers(); i++) {
            try (Graph.Scope s = g.scope("hypernet")) {
                x = builder.attentionHalf(i, x, context, null).residual();
                if (!config.ablations().noSourceCross()) {
                    try (Graph.Scope c = g.scope("blocks." + i + "." + SOURCE_CROSS)) {
                        x = x.add(crossAttention(i, SOURCE_CROSS, x, context.rotary(), source, sourceKeys));
                    }
                }
                if (!config.ablations().noBaseCross()) {
                    try (Graph.Scope c = g.scope("blocks." + i + "." + BASE_CROSS)) {
                        x = x.add(crossAttention(i, BASE_CROSS, x, context.rotary(), base, baseKeys));
                    }
                }
                x = builder.mlpHalf(i, x);
            }
        }
        try (Graph.Scope s = g.scope("hypernet")) {
            Value states = builder.finalNorm(x);
            Value last = instructionMask.mul(Shapes.iota(instructionMask, 1)).reduceMax(false, 1); // [b]
            Value lastState = TokenPositions.gather(states, last.unsqueeze(1)).squeeze(1); // [b, d]
            Value lastPosition = positions.gatherElements(last.unsqueeze(1), 1); // [b, 1]
            return new Output(states, lastState, lastPosition);
        }
    }

    /** {@code o_proj(attention(q_proj(norm(x)), k_proj(memory), v_proj(memory)))}, [batch, Ti, hidden]. */
    private Value crossAttention(int layer, String moduleName, Value x, Rotary.Tables queryRotary,
            HiddenStateMemory memory, Rotary.Tables keyRotary) {
        String m = module(layer, moduleName);
        Value normWeight = weight(m + "_layernorm.weight", target.hiddenSize());
        Value h = RmsNorm.apply(x, normWeight, target.rmsNormEps());
        Value q = Rotary.apply(builder.splitHeads(linear(layer, m, "q_proj").apply(h), target.numAttentionHeads()),
                queryRotary);
        Value k = Rotary.apply(builder.splitHeads(linear(layer, m, "k_proj").apply(memory.states()),
                target.numKeyValueHeads()), keyRotary);
        Value v = builder.splitHeads(linear(layer, m, "v_proj").apply(memory.states()), target.numKeyValueHeads());
        Value attended = builder.mergeHeads(Attention.apply(q, k, v, memory.visibility()));
        return linear(layer, m, "o_proj").apply(attended);
    }

    /** A cross-attention projection, shaped (and biased) like the layer's self-attention one. */
    private Linear linear(int layer, String module, String proj) {
        String selfName = module(layer, "self_attn.") + proj;
        long[] shape = shapeOf(selfName + ".weight");
        Value w = weights.get(builder.graph(), module + "." + proj + ".weight", shape, builder.dtype());
        long[] biasShape = target.expectedTensors().get(selfName + ".bias");
        Value b = biasShape == null ? null
                : weights.get(builder.graph(), module + "." + proj + ".bias", biasShape, builder.dtype());
        return Linear.fromHf(w, b);
    }

    private Value weight(String name, long... shape) {
        return weights.get(builder.graph(), name, shape, builder.dtype());
    }

    private long[] shapeOf(String hfName) {
        long[] shape = target.expectedTensors().get(hfName);
        if (shape == null) {
            throw new GraphBuildException("HyperNetwork: the target config implies no tensor '" + hfName + "'");
        }
        return shape;
    }
}
