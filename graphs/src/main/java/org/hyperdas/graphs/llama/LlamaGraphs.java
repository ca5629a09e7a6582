package org.hyperdas.graphs.llama;

import static org.hyperdas.graphs.llama.LlamaHooks.ATTENTION_MASK;
import static org.hyperdas.graphs.llama.LlamaHooks.INPUT_IDS;

import java.util.ArrayList;
import java.util.List;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * Whole Llama graphs with the standard input and output names of {@link LlamaHooks}. Inputs are
 * {@code input_ids} and {@code attention_mask}, int64 [batch, seq]; with {@link LlamaWeights#inputs}
 * the weights are further inputs named as the HF tensors. Each method has a float32 form and one
 * taking the compute dtype.
 */
public final class LlamaGraphs {
    private LlamaGraphs() {
    }

    /** ids, mask -> {@code logits} [batch, seq, vocab]. */
    public static Graph forward(LlamaConfig config, LlamaWeights weights) {
        return forward(config, weights, DType.FLOAT32);
    }

    public static Graph forward(LlamaConfig config, LlamaWeights weights, DType dtype) {
        Graph g = new Graph("llama_forward");
        LlamaBuilder llama = new LlamaBuilder(g, config, weights, dtype);
        Value ids = llama.tokenInput(INPUT_IDS, "seq");
        Value mask = llama.tokenInput(ATTENTION_MASK, "seq");
        g.output(LlamaHooks.LOGITS, llama.forward(ids, llama.context(mask)).logits());
        return g;
    }

    /**
     * ids, mask -> {@code embed}, {@code blocks.{i}.resid_post} for every block, {@code ln_final}
     * and {@code logits} (see {@link LlamaHooks} for how they map to HF's hidden_states).
     */
    public static Graph hiddenStates(LlamaConfig config, LlamaWeights weights) {
        return hiddenStates(config, weights, DType.FLOAT32);
    }

    public static Graph hiddenStates(LlamaConfig config, LlamaWeights weights, DType dtype) {
        Graph g = new Graph("llama_hidden_states");
        LlamaBuilder llama = new LlamaBuilder(g, config, weights, dtype);
        Value ids = llama.tokenInput(INPUT_IDS, "seq");
        Value mask = llama.tokenInput(ATTENTION_MASK, "seq");
        LlamaBuilder.Forward f = llama.forward(ids, llama.context(mask));
        for (int i = 0; i < f.residuals().size(); i++) {
            g.output(LlamaHooks.residual(i), f.residuals().get(i));
        }
        g.output(LlamaHooks.LN_FINAL, f.finalNormed());
        g.output(LlamaHooks.LOGITS, f.logits());
        return g;
    }

    /** ids, mask -> the residual entering block {@code layer}, output as {@link LlamaHooks#residual}(layer). */
    public static Graph prefix(LlamaConfig config, LlamaWeights weights, int layer) {
        return prefix(config, weights, layer, DType.FLOAT32);
    }

    public static Graph prefix(LlamaConfig config, LlamaWeights weights, int layer, DType dtype) {
        Graph g = new Graph("llama_prefix_" + layer);
        LlamaBuilder llama = new LlamaBuilder(g, config, weights, dtype);
        Value ids = llama.tokenInput(INPUT_IDS, "seq");
        Value mask = llama.tokenInput(ATTENTION_MASK, "seq");
        g.output(LlamaHooks.residual(layer), llama.prefix(ids, llama.context(mask), layer));
        return g;
    }

    /**
     * residual [batch, seq, hidden] (input named {@link LlamaHooks#residual}(layer), so a prefix
     * graph's output feeds it by name), mask -> {@code logits}.
     */
    public static Graph suffix(LlamaConfig config, LlamaWeights weights, int layer) {
        return suffix(config, weights, layer, DType.FLOAT32);
    }

    public static Graph suffix(LlamaConfig config, LlamaWeights weights, int layer, DType dtype) {
        Graph g = new Graph("llama_suffix_" + layer);
        LlamaBuilder llama = new LlamaBuilder(g, config, weights, dtype);
        Value residual = g.input(LlamaHooks.residual(layer), dtype, Shape.of("batch", "seq", config.hiddenSize()));
        Value mask = llama.tokenInput(ATTENTION_MASK, "seq");
        g.output(LlamaHooks.LOGITS, llama.suffix(residual, llama.context(mask), layer));
        return g;
    }

    /** ids, mask -> {@code next_token_logits} [batch, vocab] of the last position (no cache). */
    public static Graph nextTokenLogits(LlamaConfig config, LlamaWeights weights) {
        Graph g = new Graph("llama_next_token");
        LlamaBuilder llama = new LlamaBuilder(g, config, weights);
        Value ids = llama.tokenInput(INPUT_IDS, "seq");
        Value mask = llama.tokenInput(ATTENTION_MASK, "seq");
        Value last = llama.blocks(0, config.numHiddenLayers(), llama.embed(ids), llama.context(mask));
        g.output(LlamaHooks.NEXT_TOKEN_LOGITS, llama.lastPositionLogits(last));
        return g;
    }

    /**
     * One generation step with a KV cache (float32). Inputs: {@code input_ids} [batch, seq] (the
     * new tokens: the whole prompt first, then one token per step), {@code attention_mask}
     * [batch, past+seq] over cached and new positions, and per block {@code past.{i}.key} /
     * {@code past.{i}.value} [batch, kv_heads, past, head_dim] (past = 0 for the prompt).
     * Outputs: {@code next_token_logits} [batch, vocab] and {@code present.{i}.key/value}
     * [batch, kv_heads, past+seq, head_dim], the next step's past. Positions come from the mask,
     * as in {@link #forward}, so the tokens match full recomputation.
     */
    public static Graph cachedStep(LlamaConfig config, LlamaWeights weights) {
        Graph g = new Graph("llama_cached_step");
        LlamaBuilder llama = new LlamaBuilder(g, config, weights);
        Value ids = llama.tokenInput(INPUT_IDS, "seq");
        // Named as the IR names the cache's concatenated axis, so the mask lines up with the keys.
        Value mask = llama.tokenInput(ATTENTION_MASK, "past+seq");
        Shape cacheShape = Shape.of("batch", config.numKeyValueHeads(), "past", config.headDim());
        List<LlamaBuilder.KeyValue> past = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            past.add(new LlamaBuilder.KeyValue(g.input(LlamaHooks.pastKey(i), DType.FLOAT32, cacheShape),
                    g.input(LlamaHooks.pastValue(i), DType.FLOAT32, cacheShape)));
        }
        List<LlamaBuilder.BlockOutput> outs = llama.forwardWithCache(ids, llama.context(mask, ids), past);
        g.output(LlamaHooks.NEXT_TOKEN_LOGITS, llama.lastPositionLogits(outs.get(outs.size() - 1).residual()));
        for (int i = 0; i < outs.size(); i++) {
            g.output(LlamaHooks.presentKey(i), outs.get(i).present().key());
            g.output(LlamaHooks.presentValue(i), outs.get(i).present().value());
        }
        return g;
    }
}
