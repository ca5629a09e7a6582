package org.hyperdas.graphs.llama;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.nn.Attention;
import org.hyperdas.graphs.nn.Linear;
import org.hyperdas.graphs.nn.RmsNorm;
import org.hyperdas.graphs.nn.Rotary;
import org.hyperdas.graphs.nn.Shapes;
import org.hyperdas.graphs.nn.SwiGlu;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * Builds a Hugging Face Llama decoder (LlamaForCausalLM: Llama 2 and 3, GQA, RoPE theta, llama3
 * rope scaling, tied or untied embeddings, optional attention/MLP biases) into a caller's
 * {@link Graph}, piece by piece, so that one graph can hold e.g. a prefix for base tokens, a prefix
 * for source tokens, an intervention and the suffix:
 * <pre>
 *   LlamaBuilder llama = new LlamaBuilder(graph, config, weights);
 *   LlamaBuilder.Context base = llama.context(baseMask);
 *   Value h = llama.prefix(baseIds, base, layer);        // residual entering block `layer`
 *   Value logits = llama.suffix(intervene(h), base, layer);
 * </pre>
 * Everything is built from IR ops, so {@link org.hyperdas.graphs.Autodiff} can differentiate with
 * respect to activations (e.g. the residual fed to {@link #suffix}) and, with
 * {@link LlamaWeights#inputs}, the weights. Weights are declared in the graph on first use and
 * shared by everything built later.
 *
 * <p>Inputs: token ids and attention mask are int64 [batch, seq] (mask 1 = real token, 0 =
 * padding, left or right). Position ids follow HF generate(): {@code cumsum(mask) - 1}, and 1 at
 * padding, so a left-padded prompt gets the positions it has alone.
 */
public final class LlamaBuilder {
    private final Graph graph;
    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final DType dtype;
    private final double[] invFreq;
    private final Map<String, Linear> linears = new HashMap<>();

    /**
     * What every block needs about the sequences, computed once per (mask, query length).
     *
     * @param attentionMask int64 [batch, t] over all key positions (past and new)
     * @param positionIds int64 [batch, q], the RoPE positions of the queries
     * @param rotary cos/sin for those positions
     * @param visible bool [batch, 1, group * q, t], which keys each query sees, repeated for the
     *     query heads of a KV group (see {@link Attention#groupVisibility})
     */
    public record Context(Value attentionMask, Value positionIds, Rotary.Tables rotary, Value visible) {
    }

    /** One block's keys and values (after RoPE), [batch, kv_heads, t, head_dim]. */
    public record KeyValue(Value key, Value value) {
    }

    /** A block's output residual and its keys/values (past ones included) for a KV cache. */
    public record BlockOutput(Value residual, KeyValue present) {
    }

    /**
     * @param residuals n + 1 values: [0] embedding output, [i] residual after block i-1 (the last
     *     one BEFORE the final norm)
     * @param finalNormed the final RMSNorm output (HF's hidden_states[n])
     * @param logits [batch, seq, vocab]
     */
    public record Forward(List<Value> residuals, Value finalNormed, Value logits) {
        /** HF's output_hidden_states: the residuals with the last one replaced by the normed one. */
        public List<Value> hfHiddenStates() {
            List<Value> out = new ArrayList<>(residuals);
            out.set(out.size() - 1, finalNormed);
            return out;
        }
    }

    /** A float32 model. */
    public LlamaBuilder(Graph graph, LlamaConfig config, LlamaWeights weights) {
        this(graph, config, weights, DType.FLOAT32);
    }

    /** @param dtype the compute dtype, FLOAT32 or FLOAT64 (weights are cast to it) */
    public LlamaBuilder(Graph graph, LlamaConfig config, LlamaWeights weights, DType dtype) {
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
            throw new GraphBuildException("Llama: compute dtype must be float32 or float64, got " + dtype);
        }
        if (!config.hiddenAct().equals("silu")) {
            throw new GraphBuildException("Llama: hidden_act '" + config.hiddenAct() + "' is not supported (silu only)");
        }
        this.graph = graph;
        this.config = config;
        this.weights = weights;
        this.dtype = dtype;
        this.invFreq = inverseFrequencies(config);
    }

    /** RoPE frequencies of the config: theta, head_dim and (when present) llama3 rope scaling. */
    public static double[] inverseFrequencies(LlamaConfig config) {
        double[] inv = Rotary.inverseFrequencies(config.headDim(), config.ropeTheta());
        LlamaConfig.RopeScaling s = config.ropeScaling();
        if (s == null) {
            return inv;
        }
        if (!s.ropeType().equals("llama3")) {
            throw new GraphBuildException("Llama: rope_scaling type '" + s.ropeType() + "' is not supported");
        }
        return Rotary.llama3Scaled(inv, s.factor(), s.lowFreqFactor(), s.highFreqFactor(),
                s.originalMaxPositionEmbeddings());
    }

    public Graph graph() {
        return graph;
    }

    public LlamaConfig config() {
        return config;
    }

    public DType dtype() {
        return dtype;
    }

    /** Declares an int64 [batch, {@code seqDim}] input (token ids or a mask). */
    public Value tokenInput(String name, String seqDim) {
        return graph.input(name, DType.INT64, Shape.of("batch", seqDim));
    }

    // ---- weights ----

    /** The weight called {@code name} in the HF checkpoint, in the compute dtype. */
    public Value weight(String name) {
        long[] shape = config.expectedTensors().get(name);
        if (shape == null) {
            throw new GraphBuildException("Llama: the config implies no tensor '" + name + "'");
        }
        return weights.get(graph, name, shape, dtype);
    }

    /** The Linear of HF module {@code module} (its .weight and, when present, .bias); one per module. */
    public Linear linear(String module) {
        return linears.computeIfAbsent(module, m -> {
            String bias = m + ".bias";
            return Linear.fromHf(weight(m + ".weight"),
                    config.expectedTensors().containsKey(bias) ? weight(bias) : null);
        });
    }

    private static String layer(int i) {
        return "model.layers." + i + ".";
    }

    // ---- sequence context ----

    /** HF generate()'s position ids from an int64 mask: cumsum(mask) - 1, and 1 where mask is 0. */
    public static Value positionIds(Value attentionMask) {
        Graph g = attentionMask.graph();
        Value counted = attentionMask.cumSum(1, false, false).sub(g.scalar(1, DType.INT64));
        return g.where(attentionMask.equal(g.scalar(0, DType.INT64)), g.scalar(1, DType.INT64), counted);
    }

    /** Context for a full forward: every position is a query. */
    public Context context(Value attentionMask) {
        return context(attentionMask, attentionMask);
    }

    /**
     * Context for queries that are the LAST {@code q} positions of the mask (q = axis 1 of
     * {@code queries}), as when new tokens follow a KV cache; positions from the mask.
     */
    public Context context(Value attentionMask, Value queries) {
        Value positions = positionIds(attentionMask);
        if (!queries.shape().dim(1).equals(attentionMask.shape().dim(1))) {
            Value offset = Shapes.dimScalar(attentionMask, 1).sub(Shapes.dimScalar(queries, 1));
            positions = positions.gather(Shapes.iota(queries, 1).add(offset), 1);
        }
        return context(attentionMask, queries, positions);
    }

    /** Context with explicit position ids [batch, q]. */
    public Context context(Value attentionMask, Value queries, Value positionIds) {
        try (Graph.Scope s = graph.scope("context")) {
            Value visible = Attention.causalPaddingMask(attentionMask, queries);
            return new Context(attentionMask, positionIds, Rotary.tables(positionIds, invFreq, dtype),
                    Attention.groupVisibility(visible, config.groupSize()));
        }
    }

    // ---- pieces ----

    /** Token embeddings [batch, seq, hidden] (hidden_states[0]). */
    public Value embed(Value inputIds) {
        try (Graph.Scope s = graph.scope("embed")) {
            return weight("model.embed_tokens.weight").gather(inputIds, 0);
        }
    }

    /** Decoder block {@code i} on the residual stream [batch, seq, hidden]. */
    public Value block(int i, Value residual, Context context) {
        return block(i, residual, context, null).residual();
    }

    /**
     * Decoder block {@code i}; with {@code past} (keys/values of earlier positions) the new keys
     * and values are appended to it, and the result's {@code present} holds them all.
     */
    public BlockOutput block(int i, Value residual, Context context, KeyValue past) {
        BlockOutput attended = attentionHalf(i, residual, context, past);
        return new BlockOutput(mlpHalf(i, attended.residual()), attended.present());
    }

    /**
     * The first half of decoder block {@code i}: {@code residual + o_proj(self_attention(
     * input_layernorm(residual)))}, with the keys/values (past ones included) it attended to.
     * {@code block} is this followed by {@link #mlpHalf}; models that insert more sublayers between
     * the two (cross-attention) call them apart.
     */
    public BlockOutput attentionHalf(int i, Value residual, Context context, KeyValue past) {
        checkBlock(i);
        String p = layer(i);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        try (Graph.Scope s = graph.scope("blocks." + i)) {
            Value h = RmsNorm.apply(residual, weight(p + "input_layernorm.weight"), config.rmsNormEps());
            Value q = Rotary.apply(splitHeads(linear(p + "self_attn.q_proj").apply(h), heads), context.rotary());
            Value k = Rotary.apply(splitHeads(linear(p + "self_attn.k_proj").apply(h), kvHeads), context.rotary());
            Value v = splitHeads(linear(p + "self_attn.v_proj").apply(h), kvHeads);
            if (past != null) {
                k = graph.concat(2, past.key(), k);
                v = graph.concat(2, past.value(), v);
            }
            Value attended = mergeHeads(Attention.apply(q, k, v, context.visible())); // [b, seq, heads * head_dim]
            Value mid = residual.add(linear(p + "self_attn.o_proj").apply(attended));
            return new BlockOutput(mid, new KeyValue(k, v));
        }
    }

    /** The second half of decoder block {@code i}: {@code residual + mlp(post_attention_layernorm(residual))}. */
    public Value mlpHalf(int i, Value residual) {
        checkBlock(i);
        String p = layer(i);
        try (Graph.Scope s = graph.scope("blocks." + i)) {
            // Norm before MLP weights: weights-as-inputs graphs then list their parameters in the
            // checkpoint's canonical order (LlamaConfig.expectedTensors()).
            Value normed = RmsNorm.apply(residual, weight(p + "post_attention_layernorm.weight"), config.rmsNormEps());
            SwiGlu mlp = new SwiGlu(linear(p + "mlp.gate_proj"), linear(p + "mlp.up_proj"), linear(p + "mlp.down_proj"));
            return residual.add(mlp.apply(normed));
        }
    }

    private void checkBlock(int i) {
        if (i < 0 || i >= config.numHiddenLayers()) {
            throw new GraphBuildException("Llama: block " + i + " out of range [0, " + config.numHiddenLayers() + ")");
        }
    }

    /** [batch, heads, seq, head_dim] to [batch, seq, heads * head_dim]. */
    public Value mergeHeads(Value x) {
        long heads = x.shape().dim(1).size();
        return x.transpose(0, 2, 1, 3).reshape(0, 0, heads * config.headDim());
    }

    /** [batch, seq, n * head_dim] to [batch, n, seq, head_dim]. */
    public Value splitHeads(Value x, int n) {
        return x.reshape(0, 0, n, config.headDim()).transpose(0, 2, 1, 3);
    }

    /** Blocks {@code from} .. {@code to - 1} in order. */
    public Value blocks(int from, int to, Value residual, Context context) {
        checkLayer(from);
        checkLayer(to);
        Value x = residual;
        for (int i = from; i < to; i++) {
            x = block(i, x, context);
        }
        return x;
    }

    /** The final RMSNorm (model.norm). */
    public Value finalNorm(Value residual) {
        try (Graph.Scope s = graph.scope("ln_final")) {
            return RmsNorm.apply(residual, weight("model.norm.weight"), config.rmsNormEps());
        }
    }

    /** The LM head on normed states [..., hidden] to [..., vocab]; the embedding matrix when tied. */
    public Value lmHead(Value normed) {
        try (Graph.Scope s = graph.scope("lm_head")) {
            Linear head = linears.computeIfAbsent("lm_head", m -> config.tieWordEmbeddings()
                    ? Linear.fromHf(weight("model.embed_tokens.weight"))
                    : Linear.fromHf(weight("lm_head.weight")));
            return head.apply(normed);
        }
    }

    // ---- compositions ----

    /** The residual stream entering block {@code layer} ({@code hidden_states[layer]}; layer in 0..n). */
    public Value prefix(Value inputIds, Context context, int layer) {
        return blocks(0, layer, embed(inputIds), context);
    }

    /** Blocks {@code layer} .. n-1, final norm and LM head on a residual [batch, seq, hidden]: logits. */
    public Value suffix(Value residual, Context context, int layer) {
        return lmHead(finalNorm(blocks(layer, config.numHiddenLayers(), residual, context)));
    }

    /** The full forward pass with every intermediate residual. */
    public Forward forward(Value inputIds, Context context) {
        List<Value> residuals = new ArrayList<>();
        residuals.add(embed(inputIds));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            residuals.add(block(i, residuals.get(i), context));
        }
        Value normed = finalNorm(residuals.get(residuals.size() - 1));
        return new Forward(residuals, normed, lmHead(normed));
    }

    /**
     * A forward step on new tokens after cached ones: every block appends its new keys/values to
     * {@code past} (one per block). Returns the last residual and the presents.
     */
    public List<BlockOutput> forwardWithCache(Value inputIds, Context context, List<KeyValue> past) {
        if (past.size() != config.numHiddenLayers()) {
            throw new GraphBuildException("Llama: " + past.size() + " cached blocks, the model has "
                    + config.numHiddenLayers());
        }
        List<BlockOutput> outputs = new ArrayList<>();
        Value x = embed(inputIds);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            BlockOutput out = block(i, x, context, past.get(i));
            outputs.add(out);
            x = out.residual();
        }
        return outputs;
    }

    /** LM-head logits of the last sequence position only, [batch, vocab] (what generation needs). */
    public Value lastPositionLogits(Value residual) {
        Value last = residual.gather(graph.scalar(-1, DType.INT64), 1); // [batch, hidden]
        return lmHead(finalNorm(last));
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer > config.numHiddenLayers()) {
            throw new GraphBuildException("Llama: layer " + layer + " out of range [0, " + config.numHiddenLayers() + "]");
        }
    }
}
