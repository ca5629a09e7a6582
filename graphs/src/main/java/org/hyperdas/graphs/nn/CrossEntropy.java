package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;

/**
 * Token cross-entropy on teacher-forced label tokens with per-example weights, plus argmax accuracy
 * flags for scoring.
 *
 * <p>Normalisation (HYPERDAS.md: "per-example weights 3.5 (causal) and 0.5 (isolate), mean over
 * label tokens"): the weighted sum of token losses divided by the number of label tokens in the
 * whole batch,
 * <pre>
 *   loss = sum_b w_b * sum_l mask[b,l] * nll[b,l]  /  max(1, sum_{b,l} mask[b,l])
 * </pre>
 * So with all weights 1 it is the plain mean over every label token of the batch (torch's
 * {@code cross_entropy(..., ignore_index)} mean), and a weight scales each of an example's tokens.
 * It is NOT divided by the sum of the weights.
 *
 * @param loss rank-0, differentiable
 * @param tokenNll [batch, L]: -log p(label) per label token, 0 where the mask is 0
 * @param predictions int64 [batch, L]: argmax of the label logits (no gradient)
 * @param firstKCorrect bool [batch]: the first k label tokens (those with mask 1 among positions
 *     l < k) all equal their argmax prediction; true for an example without label tokens
 */
public record CrossEntropy(Value loss, Value tokenNll, Value predictions, Value firstKCorrect) {

    /**
     * Loss at label positions of full-sequence logits: position {@code positions[b, l]} predicts
     * label {@code labels[b, l]} (for next-token prediction, the position before the label token).
     *
     * @param logits [batch, seq, vocab]
     * @param labels int64 [batch, L]
     * @param positions int64 [batch, L]
     * @param labelMask [batch, L], 1 for a real label token, 0 for padding (floating, logits' dtype)
     * @param exampleWeights [batch] (floating, logits' dtype)
     * @param k how many leading label tokens {@link #firstKCorrect} checks
     */
    public static CrossEntropy atPositions(Value logits, Value labels, Value positions, Value labelMask,
            Value exampleWeights, int k) {
        return ofLabelLogits(TokenPositions.gather(logits, positions), labels, labelMask, exampleWeights, k);
    }

    /**
     * The same on logits already taken at the label positions (e.g. when only those positions went
     * through the LM head).
     *
     * @param labelLogits [batch, L, vocab]
     */
    public static CrossEntropy ofLabelLogits(Value labelLogits, Value labels, Value labelMask, Value exampleWeights,
            int k) {
        if (labelLogits.rank() != 3 || labels.rank() != 2 || labels.dtype() != DType.INT64) {
            throw new GraphBuildException("CrossEntropy: expected logits [batch, L, vocab] and int64 labels [batch, L],"
                    + " got " + labelLogits + " and " + labels);
        }
        if (labelMask.dtype() != labelLogits.dtype() || exampleWeights.dtype() != labelLogits.dtype()) {
            throw new GraphBuildException("CrossEntropy: label mask " + labelMask + " and weights " + exampleWeights
                    + " must have the logits' dtype " + labelLogits.dtype());
        }
        if (k < 1) {
            throw new GraphBuildException("CrossEntropy: k must be >= 1, got " + k);
        }
        Graph g = labelLogits.graph();
        DType dt = labelLogits.dtype();
        Value logProbs = labelLogits.logSoftmax(-1);
        Value nll = logProbs.gatherElements(labels.unsqueeze(2), 2).squeeze(2).neg().mul(labelMask); // [b, L]
        Value weighted = nll.reduceSum(false, 1).mul(exampleWeights).reduceSum(false);
        Value tokens = labelMask.reduceSum(false).max(g.scalar(1, dt));
        Value loss = weighted.div(tokens);

        Value predictions = labelLogits.argMax(-1, false); // [b, L]
        Value counted = Shapes.iota(labels, 1).less(g.scalar(k, DType.INT64)) // [L]: among the first k
                .and(labelMask.greater(g.scalar(0.5, dt))); // [b, L]
        Value wrong = counted.and(predictions.equal(labels).not());
        Value firstKCorrect = wrong.cast(dt).reduceMax(false, 1).less(g.scalar(0.5, dt));
        return new CrossEntropy(loss, nll, predictions, firstKCorrect);
    }
}
