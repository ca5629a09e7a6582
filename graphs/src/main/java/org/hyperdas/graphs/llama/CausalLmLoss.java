package org.hyperdas.graphs.llama;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * A Llama whose weights are graph parameters ({@link LlamaWeights#inputs}, named as the HF
 * tensors) with a masked token loss on top: the forward half of a training step, ready for
 * {@link org.hyperdas.graphs.optim.TrainingGraph}.
 *
 * <p>Inputs: {@code input_ids} and {@code attention_mask} (int64 [batch, seq]),
 * {@code labels} (int64 [batch, seq]: the token position t should predict, usually
 * {@code input_ids[t + 1]}) and {@code label_mask} ([batch, seq] in the compute dtype: 1 where
 * position t counts, 0 elsewhere). The loss is the mean over counted positions,
 * <pre>
 *   loss = sum_{b,t} mask[b,t] * -log softmax(logits[b,t])[labels[b,t]]  /  max(1, sum_{b,t} mask[b,t])
 * </pre>
 * which with an all-ones mask is torch's {@code cross_entropy(logits.view(-1, V), labels.view(-1))}.
 * The log-softmax runs on the [batch * seq, vocab] rows straight out of the LM head's GEMM.
 *
 * @param graph the graph holding the model and the loss
 * @param llama the builder that made it (its weights are {@code graph.parameters()})
 * @param logits [batch, seq, vocab]
 * @param loss rank-0
 */
public record CausalLmLoss(Graph graph, LlamaBuilder llama, Value logits, Value loss) {

    /** A float32 model. */
    public static CausalLmLoss build(LlamaConfig config) {
        return build(config, DType.FLOAT32);
    }

    /** @param dtype the compute dtype and the weights' dtype (float32 or float64) */
    public static CausalLmLoss build(LlamaConfig config, DType dtype) {
        Graph g = new Graph("llama_lm_loss");
        LlamaBuilder llama = new LlamaBuilder(g, config, LlamaWeights.inputs(dtype), dtype);
        Value ids = g.input(FeedSchema.INPUT_IDS);
        Value mask = g.input(FeedSchema.ATTENTION_MASK);
        Value labels = g.input(FeedSchema.NEXT_TOKEN_LABELS);
        Value labelMask = g.input(FeedSchema.NEXT_TOKEN_LABEL_MASK, dtype);
        Value logits = llama.forward(ids, llama.context(mask)).logits();
        return new CausalLmLoss(g, llama, logits, maskedMean(logits, labels, labelMask));
    }

    /** The loss above for logits [batch, seq, vocab], labels and mask [batch, seq]. */
    static Value maskedMean(Value logits, Value labels, Value labelMask) {
        if (logits.rank() != 3 || !labels.shape().equals(labelMask.shape()) || labels.rank() != 2) {
            throw new GraphBuildException("CausalLmLoss: expected logits [batch, seq, vocab] and labels/mask"
                    + " [batch, seq], got " + logits + ", " + labels + ", " + labelMask);
        }
        Graph g = logits.graph();
        long vocab = logits.shape().dim(2).size();
        Value rows = logits.reshape(-1, vocab).logSoftmax(-1); // [batch * seq, vocab]
        Value picked = rows.gatherElements(labels.reshape(-1, 1), 1).reshape(-1); // [batch * seq]
        Value flatMask = labelMask.reshape(-1);
        Value total = picked.mul(flatMask).reduceSum(false).neg();
        Value count = flatMask.reduceSum(false).max(g.scalar(1, logits.dtype()));
        return total.div(count);
    }
}
