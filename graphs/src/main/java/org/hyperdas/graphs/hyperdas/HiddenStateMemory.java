package org.hyperdas.graphs.hyperdas;

import java.util.ArrayList;
import java.util.List;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ops.GradientSupport;

/**
 * What the hypernetwork's cross-attention reads about one target run (HYPERDAS.md "What
 * cross-attention reads"): every hidden state of the target (embedding output, each block, the last
 * after the final norm; HF's {@code hidden_states}, n + 1 of them), each vector divided by its L2
 * norm, flattened token-major into one sequence of length {@code T * (n + 1)}:
 * <pre>
 *   states[b, t * (n + 1) + l, :] = hidden_states[l][b, t, :] / |hidden_states[l][b, t, :]|
 *   mask[b, t * (n + 1) + l]      = visible[b, t]
 *   positions                     = cumsum(mask, axis 1) * mask
 * </pre>
 * The mask is the run's intervention mask, so padding, the base's template suffix and label
 * tokens, and the source's suffix are invisible; visible keys get RoPE positions 1, 2, ... and
 * hidden ones 0.
 *
 * @param states [batch, T * (n + 1), hidden], unit-norm rows
 * @param mask int64 [batch, T * (n + 1)], 1 = visible
 * @param positions int64 [batch, T * (n + 1)], the keys' RoPE positions
 */
public record HiddenStateMemory(Value states, Value mask, Value positions) {

    /** A vector whose norm is below this is divided by it instead (padding rows of a zero vector). */
    static final double MIN_NORM = 1e-12;

    /**
     * @param hiddenStates the n + 1 hidden states [batch, T, hidden] of one run, in HF's order
     * @param visible int64 [batch, T], 1 where the hypernetwork may look (the intervention mask)
     */
    public static HiddenStateMemory of(List<Value> hiddenStates, Value visible) {
        if (hiddenStates.isEmpty()) {
            throw new GraphBuildException("HiddenStateMemory: no hidden states");
        }
        Value first = hiddenStates.get(0);
        if (first.rank() != 3 || visible.rank() != 2 || visible.dtype() != DType.INT64) {
            throw new GraphBuildException("HiddenStateMemory: expected states [batch, T, hidden] and an int64 mask"
                    + " [batch, T], got " + first + " and " + visible);
        }
        Graph g = first.graph();
        int layers = hiddenStates.size();
        long hidden = first.shape().dim(2).size();
        try (Graph.Scope s = g.scope("memory")) {
            List<Value> expanded = new ArrayList<>();
            for (Value h : hiddenStates) {
                if (!h.shape().equals(first.shape())) {
                    throw new GraphBuildException("HiddenStateMemory: hidden states differ in shape: " + first + " vs " + h);
                }
                expanded.add(unitNormalize(h).unsqueeze(2)); // [b, T, 1, d]
            }
            Value stacked = layers == 1 ? expanded.get(0) : g.concat(2, expanded); // [b, T, n+1, d]
            Value states = stacked.reshape(0, -1, hidden); // token-major
            Shape perLayer = Shape.of(visible.shape().dim(0), visible.shape().dim(1), layers);
            Value mask = visible.unsqueeze(2).expand(GradientSupport.shapeTensor(g, perLayer, visible)).reshape(0, -1);
            Value positions = mask.cumSum(1, false, false).mul(mask);
            return new HiddenStateMemory(states, mask, positions);
        }
    }

    /** {@code x / |x|} over the last axis (a zero row stays zero). */
    static Value unitNormalize(Value x) {
        Value norm = x.mul(x).reduceSum(true, -1).sqrt();
        return x.div(norm.max(x.graph().scalar(MIN_NORM, x.dtype())));
    }

    /** Which memory entries every query sees: bool [batch, 1, 1, T * (n + 1)] (see Attention.apply). */
    public Value visibility() {
        Graph g = mask.graph();
        return mask.equal(g.scalar(1, DType.INT64)).unsqueeze(1, 2);
    }
}
