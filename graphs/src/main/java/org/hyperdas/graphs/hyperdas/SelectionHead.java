package org.hyperdas.graphs.hyperdas;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaBuilder;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.Linear;
import org.hyperdas.graphs.nn.Rotary;
import org.hyperdas.graphs.nn.Shapes;
import org.hyperdas.graphs.ops.GradientSupport;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * Token-position selection (HYPERDAS.md "Token-position selection head"): which source positions
 * are mixed into which base position.
 *
 * <p>With {@code b_j} (base, T_b tokens) and {@code s_i} (source, S tokens) the layer-L states,
 * each divided by its L2 norm:
 * <pre>
 *   e[i, j] = W_c [b_j ; s_i]        i &lt; S   (pair_proj, Linear 2d -&gt; d, no bias)
 *   e[S, j] = b_j                              (the SELF row: leave base position j alone)
 *   q       = RoPE(q_proj(z), pos(z))           z: hypernetwork state at the last instruction token
 *   k[p]    = RoPE(k_proj(e[p]), kpos[p])       p = i * T_b + j over the flattened (S+1) x T_b pairs
 *   kpos    = cumsum(mask) * mask               mask[i, j] = src_mask[i] * base_mask[j]; SELF row 1
 *   score   = mean over query heads h of q_h . k_{h / G} / sqrt(head_dim), hidden pairs set to the
 *             lowest finite value
 *   W[:, j] = softmax over the S + 1 rows of column j
 * </pre>
 * Hidden pairs get exactly 0 (the softmax output is also zeroed there, so no rounding can leave a
 * trace); a base column outside the base mask has only its SELF row visible, so W[S, j] = 1.
 *
 * <p>Weights (under the hypernetwork's prefix): {@code selection.pair_proj.weight} [d, 2d] (the
 * first d inputs take b_j), {@code selection.q_proj.weight} [heads * head_dim, d] and
 * {@code selection.k_proj.weight} [kv_heads * head_dim, d] with kv_heads the target's key/value
 * heads: as in the reference (a Llama attention module), keys are grouped-query keys, each shared
 * by G = heads / kv_heads consecutive query heads (transformers' repeat_kv). Heads have the
 * target's head_dim and RoPE frequencies.
 *
 * <p>Evaluation turns W into hard 0/1 selections: {@link #oneToMany} (each base column takes its
 * argmax row), {@link #oneToOne} (each source row bids for its best base column and loses the
 * others; the SELF row is raised to at least the clamp; then the column argmax) and
 * {@link #globalArgmax} (one source-base cell per example, the largest). Ties go to the lowest
 * index, as torch.argmax and ONNX ArgMax both pick it.
 */
public final class SelectionHead {
    public static final String PAIR_PROJ = "selection.pair_proj.weight";
    public static final String Q_PROJ = "selection.q_proj.weight";
    public static final String K_PROJ = "selection.k_proj.weight";

    private SelectionHead() {
    }

    /** Parameter shapes by HF-style name (before the hypernetwork prefix). */
    static Map<String, long[]> shapes(LlamaConfig target, HyperDasConfig config) {
        long d = target.hiddenSize();
        long inner = (long) config.selectionHeads() * target.headDim();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(PAIR_PROJ, new long[] {d, 2 * d});
        m.put(Q_PROJ, new long[] {inner, d});
        m.put(K_PROJ, new long[] {(long) target.numKeyValueHeads() * target.headDim(), d});
        return m;
    }

    /**
     * The soft selection W, [batch, S + 1, T_b]; row S is SELF.
     *
     * @param baseStates layer-L base states [batch, T_b, d] (raw; normalised here)
     * @param baseMask int64 [batch, T_b], the base intervention mask
     * @param sourceStates layer-L source states [batch, S, d]
     * @param sourceMask int64 [batch, S], the source intervention mask
     * @param query the hypernetwork's last-token state and its position
     */
    public static Value weights(LlamaConfig target, HyperDasConfig config, LlamaWeights weights, Value baseStates,
            Value baseMask, Value sourceStates, Value sourceMask, HyperNetwork.Output query) {
        return weights(target, config, weights, baseStates, baseMask, sourceStates, sourceMask, query, null);
    }

    /**
     * As above, with the pair feature's order chosen by {@code pairOrderSwapped} (int64 rank 0; the
     * random-order ablation): 1 gives {@code W_c [s_i ; b_j]}, 0 (or null) {@code W_c [b_j ; s_i]}.
     */
    public static Value weights(LlamaConfig target, HyperDasConfig config, LlamaWeights weights, Value baseStates,
            Value baseMask, Value sourceStates, Value sourceMask, HyperNetwork.Output query, Value pairOrderSwapped) {
        Graph g = baseStates.graph();
        DType dtype = baseStates.dtype();
        long d = target.hiddenSize();
        int heads = config.selectionHeads();
        int kvHeads = target.numKeyValueHeads();
        long headDim = target.headDim();
        Map<String, long[]> shapes = shapes(target, config);
        try (Graph.Scope s = g.scope("selection")) {
            Value b = HiddenStateMemory.unitNormalize(baseStates);
            Value src = HiddenStateMemory.unitNormalize(sourceStates);
            Linear pair = Linear.fromHf(weights.get(g, PAIR_PROJ, shapes.get(PAIR_PROJ), dtype));
            List<Value> halves = pair.weightT().split(0, d, d); // [d, d] for b_j, [d, d] for s_i
            Value forBase = halves.get(0);
            Value forSource = halves.get(1);
            if (pairOrderSwapped != null) { // [s_i ; b_j]: the first d inputs take s_i
                Value swapped = pairOrderSwapped.equal(g.scalar(1, DType.INT64));
                forBase = g.where(swapped, halves.get(1), halves.get(0));
                forSource = g.where(swapped, halves.get(0), halves.get(1));
            }
            Value pb = b.matmul(forBase); // [B, Tb, d]
            Value ps = src.matmul(forSource); // [B, S, d]
            Value pairs = ps.unsqueeze(2).add(pb.unsqueeze(1)); // [B, S, Tb, d]
            Value features = g.concat(1, pairs, b.unsqueeze(1)); // [B, S+1, Tb, d]
            Value flat = features.reshape(0, -1, d); // [B, P, d], p = i * Tb + j

            Value visible = visibility(baseMask, sourceMask); // int64 [B, S+1, Tb]
            Value flatMask = visible.reshape(0, -1);
            Value keyPositions = flatMask.cumSum(1, false, false).mul(flatMask);
            double[] invFreq = LlamaBuilder.inverseFrequencies(target);
            Linear kProj = Linear.fromHf(weights.get(g, K_PROJ, shapes.get(K_PROJ), dtype));
            Linear qProj = Linear.fromHf(weights.get(g, Q_PROJ, shapes.get(Q_PROJ), dtype));
            Value k = Rotary.apply(heads(kProj.apply(flat), kvHeads, headDim),
                    Rotary.tables(keyPositions, invFreq, dtype)); // [B, KV, P, hd]
            Value q = Rotary.apply(heads(qProj.apply(query.last().unsqueeze(1)), heads, headDim),
                    Rotary.tables(query.lastPosition(), invFreq, dtype)); // [B, H, 1, hd]
            // Query head h = kv * G + g reads key head kv (repeat_kv's order): group the query
            // heads by their key head instead of repeating the keys G times.
            Value grouped = q.reshape(0, kvHeads, heads / kvHeads, headDim); // [B, KV, G, hd]
            Value scores = grouped.mul(1.0 / Math.sqrt(headDim)).matmul(k.transposeLastTwo()) // [B, KV, G, P]
                    .reduceMean(false, 1, 2) // [B, P]
                    .reshape(visible.shapeTensor()); // [B, S+1, Tb]
            Value shown = visible.equal(g.scalar(1, DType.INT64));
            Value masked = g.where(shown, scores, g.scalar(lowest(dtype), dtype));
            return g.where(shown, masked.softmax(1), g.scalar(0, dtype));
        }
    }

    /** [B, n, H * hd] to [B, H, n, hd]. */
    private static Value heads(Value x, int heads, long headDim) {
        return x.reshape(0, 0, heads, headDim).transpose(0, 2, 1, 3);
    }

    /**
     * int64 [batch, S + 1, T_b]: {@code sourceMask[i] * baseMask[j]} for the S source rows, then a
     * SELF row of ones.
     */
    public static Value visibility(Value baseMask, Value sourceMask) {
        Graph g = baseMask.graph();
        Value pairs = sourceMask.unsqueeze(2).mul(baseMask.unsqueeze(1)); // [B, S, Tb]
        Shape selfShape = Shape.of(baseMask.shape().dim(0), 1, baseMask.shape().dim(1));
        Value self = g.constantOfShape(GradientSupport.shapeTensor(g, selfShape, baseMask), 1, DType.INT64);
        return g.concat(1, pairs, self);
    }

    static double lowest(DType dtype) {
        return dtype == DType.FLOAT64 ? -Double.MAX_VALUE : -Float.MAX_VALUE;
    }

    // ---- hard selections (evaluation) ----

    /**
     * W split into its source rows [batch, S, T_b] and SELF row [batch, 1, T_b]. {@code source}
     * is any value whose axis 1 is S (the source states or mask); null when W's dims are static.
     */
    public static List<Value> splitSelf(Value w, Value source) {
        Graph g = w.graph();
        Dim rows = source != null ? source.shape().dim(1) : Dim.of(w.shape().dim(1).size() - 1);
        Value sizes = GradientSupport.shapeTensor(g, Shape.of(rows, 1), source == null ? new Value[0]
                : new Value[] {source});
        return w.split(1, sizes, 2);
    }

    /** One-to-many: column j keeps only its argmax row (0/1, same shape and dtype as W). */
    public static Value oneToMany(Value w) {
        if (w.rank() != 3) {
            throw new GraphBuildException("SelectionHead: selection " + w + " must be [batch, S+1, T_b]");
        }
        Value best = w.argMax(1, true); // [B, 1, Tb]
        Value rows = Shapes.iota(w, 1).unsqueeze(0, 2); // [1, S+1, 1]
        return rows.equal(best).cast(w.dtype());
    }

    /**
     * One-to-one ("bidding"): each source row keeps its weight only at its argmax base column
     * (zero elsewhere); the SELF row becomes {@code max(W[S, j], selfClamp)}; then each base column
     * takes its argmax row. A base column no source row bid for therefore stays SELF.
     *
     * @param source any value whose axis 1 is S (null when W's dims are static)
     */
    public static Value oneToOne(Value w, Value source, double selfClamp) {
        Graph g = w.graph();
        List<Value> parts = splitSelf(w, source);
        Value src = parts.get(0); // [B, S, Tb]
        Value bid = src.argMax(2, true); // [B, S, 1]
        Value columns = Shapes.iota(w, 2).unsqueeze(0, 1); // [1, 1, Tb]
        Value kept = g.where(columns.equal(bid), src, g.scalar(0, w.dtype()));
        Value self = parts.get(1).max(g.scalar(selfClamp, w.dtype()));
        return oneToMany(g.concat(1, kept, self));
    }

    /**
     * Global argmax: over the source rows of W flattened per example (index i * T_b + j), the
     * largest cell becomes 1 and its column's SELF 0; every other column is SELF. Ties go to the
     * lowest flattened index, as torch.argmax over the flattened rows.
     *
     * @param source any value whose axis 1 is S (null when W's dims are static)
     */
    public static Value globalArgmax(Value w, Value source) {
        Graph g = w.graph();
        List<Value> parts = splitSelf(w, source);
        Value src = parts.get(0); // [B, S, Tb]
        Value flat = src.reshape(0, -1); // [B, S * Tb]
        Value best = flat.argMax(1, true); // [B, 1]
        Value chosen = Shapes.iota(flat, 1).unsqueeze(0).equal(best).cast(w.dtype())
                .reshape(src.shapeTensor()); // one 1 per example, [B, S, Tb]
        Value column = chosen.reduceMax(true, 1); // [B, 1, Tb]: 1 at the chosen base column
        return g.concat(1, chosen, g.scalar(1, w.dtype()).sub(column));
    }
}
