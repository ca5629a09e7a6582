package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ops.GradientSupport;

/**
 * Scaled dot-product attention with grouped-query heads and a boolean visibility mask.
 *
 * <p>Grouped-query attention: query head {@code h} reads key/value head {@code h / group} with
 * {@code group = heads / kv_heads} (HF's repeat_kv). Instead of repeating K and V, the queries of
 * one group are stacked along the sequence axis ([batch, kv_heads, group * seq, head_dim], a free
 * reshape since heads are kv-major), so both products are plain batched MatMuls over kv_heads and
 * no repeated copy of K or V is materialised, forward or backward.
 *
 * <p>Queries and keys may have different lengths (cross-attention): q is [batch, heads, q, d], k and
 * v are [batch, kv_heads, t, d], and the mask says which of the t keys each query sees.
 *
 * <p>Masking: scores of hidden keys are replaced (Where, not added) by the dtype's lowest finite
 * value, as HF's eager attention does. A query row that sees no key at all (a padding position
 * under left padding) therefore gets a uniform softmax over all keys: finite, and garbage by
 * definition, as in HF.
 */
public final class Attention {
    private Attention() {
    }

    /**
     * Which keys each query may see: {@code [batch, 1, q, t]} bool, true where key {@code j} is a
     * real token ({@code attentionMask[b, j] == 1}) and not in the future of query {@code i}.
     * Queries are the LAST {@code q} of the {@code t} positions (q = t without a KV cache), so
     * query {@code i} sits at key index {@code t - q + i} and sees keys {@code j <= t - q + i}.
     *
     * @param attentionMask int64 [batch, t], 1 = real token, 0 = padding (left or right)
     * @param queries any value whose axis 1 has the query length q (e.g. the ids [batch, q])
     */
    public static Value causalPaddingMask(Value attentionMask, Value queries) {
        if (attentionMask.rank() != 2) {
            throw new GraphBuildException("Attention: attention mask " + attentionMask + " must be [batch, seq]");
        }
        Graph g = attentionMask.graph();
        Value keyIndex = Shapes.iota(attentionMask, 1); // [t]
        Value queryIndex = Shapes.iota(queries, 1); // [q]
        if (!queries.shape().dim(1).equals(attentionMask.shape().dim(1))) {
            queryIndex = queryIndex.add(Shapes.dimScalar(attentionMask, 1).sub(Shapes.dimScalar(queries, 1)));
        }
        Value causal = keyIndex.lessOrEqual(queryIndex.unsqueeze(1)); // [q, t]
        Value real = attentionMask.equal(g.scalar(1, attentionMask.dtype())).unsqueeze(1, 2); // [b, 1, 1, t]
        return causal.and(real);
    }

    /**
     * The visibility mask laid out like grouped queries: [batch, 1, q, t] to
     * [batch, 1, group * q, t] (each query row repeated for the group's heads). {@link #apply} does
     * this itself when given the plain mask; a model with many layers does it once and passes the
     * result to every layer.
     */
    public static Value groupVisibility(Value visible, int group) {
        if (group == 1) {
            return visible;
        }
        Graph g = visible.graph();
        Shape shape = visible.shape();
        Shape repeated = Shape.of(shape.dim(0), 1, group, shape.dim(2), shape.dim(3));
        Value expanded = visible.unsqueeze(2).expand(GradientSupport.shapeTensor(g, repeated, visible));
        // [b, 1, -1, t]: the -1 becomes group * q (a product the IR tracks symbolically).
        return expanded.reshape(g.concat(0, visible.shapeTensor(0, 1), g.constantLongs(1, -1),
                visible.shapeTensor(3, 4)));
    }

    /**
     * @param q queries [batch, heads, q, head_dim]
     * @param k keys [batch, kv_heads, t, head_dim]
     * @param v values [batch, kv_heads, t, head_dim]
     * @param visible bool [batch, 1, q, t] (see {@link #causalPaddingMask}), or already grouped by
     *     {@link #groupVisibility} to [batch, 1, group * q, t], or [batch, 1, 1, t] when every query
     *     sees the same keys (cross-attention to a padded memory), which broadcasts as it is
     * @return [batch, heads, q, head_dim]
     */
    public static Value apply(Value q, Value k, Value v, Value visible) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || visible.rank() != 4) {
            throw new GraphBuildException("Attention: q " + q + ", k " + k + ", v " + v + " and mask " + visible
                    + " must be 4-D");
        }
        Graph g = q.graph();
        long heads = q.shape().dim(1).size();
        long kvHeads = k.shape().dim(1).size();
        long headDim = q.shape().dim(3).size();
        if (heads % kvHeads != 0) {
            throw new GraphBuildException("Attention: " + heads + " query heads are not a multiple of " + kvHeads
                    + " key/value heads");
        }
        int group = Math.toIntExact(heads / kvHeads);
        // Scale the queries, not the scores: [q, d] is smaller than [q, t].
        Value grouped = q.mul(1.0 / Math.sqrt(headDim)).reshape(0, kvHeads, -1, headDim); // [b, kv, group*q, d]
        if (!visible.shape().dim(2).isOne() && !visible.shape().dim(2).equals(grouped.shape().dim(2))) {
            visible = groupVisibility(visible, group);
        }
        Value scores = grouped.matmul(k.transposeLastTwo()); // [b, kv, group*q, t]
        Value masked = g.where(visible, scores, g.scalar(lowest(q.dtype()), q.dtype()));
        return masked.softmax(-1).matmul(v).reshape(0, heads, -1, headDim); // [b, heads, q, d]
    }

    /** torch.finfo(dtype).min, the fill HF uses for hidden keys. */
    static double lowest(DType dtype) {
        return switch (dtype) {
            case FLOAT64 -> -Double.MAX_VALUE;
            case FLOAT32 -> -Float.MAX_VALUE;
            default -> throw new GraphBuildException("Attention: unsupported dtype " + dtype);
        };
    }
}
