package org.hyperdas.graphs.llama;

import org.hyperdas.runtime.feeds.FeedSchema;

/**
 * The names of a Llama graph's activations (graph outputs and inputs), after TransformerLens hook
 * names that researchers already know:
 * <pre>
 *   embed                  embedding output                  = hidden_states[0]
 *   blocks.{i}.resid_post  residual stream after block i     = hidden_states[i + 1]  (i &lt; n - 1)
 *   blocks.{n-1}.resid_post  after the last block, BEFORE the final norm
 *   ln_final               final RMSNorm output              = HF hidden_states[n]
 *   logits                 [batch, seq, vocab]
 * </pre>
 * HF's {@code output_hidden_states} has n + 1 entries whose last one is AFTER the final norm;
 * {@link #hfHiddenState} maps HF's index to these names. The intervention site "layer L" (the
 * residual stream entering block L, HYPERDAS.md's {@code hidden_states[L]}) is {@link #residual}.
 */
public final class LlamaHooks {
    /** The feeds' names ({@link FeedSchema#INPUT_IDS}, {@link FeedSchema#ATTENTION_MASK}). */
    public static final String INPUT_IDS = FeedSchema.INPUT_IDS.name();
    public static final String ATTENTION_MASK = FeedSchema.ATTENTION_MASK.name();
    public static final String EMBED = "embed";
    public static final String LN_FINAL = "ln_final";
    public static final String LOGITS = "logits";
    /** Logits of the last position only, [batch, vocab] (generation graphs). */
    public static final String NEXT_TOKEN_LOGITS = "next_token_logits";

    private LlamaHooks() {
    }

    /** {@code blocks.{block}.resid_post}. */
    public static String residPost(int block) {
        return "blocks." + block + ".resid_post";
    }

    /** The residual stream entering block {@code layer} (0 = embedding output; n = after the last block). */
    public static String residual(int layer) {
        return layer == 0 ? EMBED : residPost(layer - 1);
    }

    /** The name of HF's {@code hidden_states[index]} for a model of {@code layers} blocks. */
    public static String hfHiddenState(int index, int layers) {
        return index == layers ? LN_FINAL : residual(index);
    }

    /** KV-cache tensors of one block, [batch, kv_heads, past, head_dim]: {@code past.{i}.key} etc. */
    public static String pastKey(int block) {
        return "past." + block + ".key";
    }

    public static String pastValue(int block) {
        return "past." + block + ".value";
    }

    public static String presentKey(int block) {
        return "present." + block + ".key";
    }

    public static String presentValue(int block) {
        return "present." + block + ".value";
    }
}
