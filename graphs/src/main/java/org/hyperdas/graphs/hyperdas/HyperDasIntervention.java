package org.hyperdas.graphs.hyperdas;

import java.util.List;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;

/**
 * The intervention at every base position j (HYPERDAS.md "Intervention"):
 * <pre>
 *   s~_j = sum_{i &lt; S} W[i, j] h_s[i] + W[S, j] h_b[j]     convex mix of raw source vectors and itself
 *   h'_j = h_b[j] + R' R'^T (s~_j - h_b[j])                   interchange inside the subspace only
 * </pre>
 * with h_b, h_s the raw (not normalised) layer-L residuals of the base and source runs, W the
 * selection [batch, S + 1, T_b] (row S = SELF) and R' [batch, d, k] the example's orthonormal
 * subspace. The target then continues from layer L with h' in place of h_b.
 *
 * <p>Where W is all SELF in a column, s~_j = h_b[j] and h'_j = h_b[j] exactly (the update is
 * R' R'^T times an exact zero). Nothing but source vectors, the base vector itself and R' enters
 * h': the hypernetwork cannot write a free vector into the target.
 */
public final class HyperDasIntervention {
    private HyperDasIntervention() {
    }

    /**
     * @param base h_b [batch, T_b, d]
     * @param source h_s [batch, S, d]
     * @param selection W [batch, S + 1, T_b]
     * @param subspace R' [batch, d, k]
     * @return h' [batch, T_b, d]
     */
    public static Value apply(Value base, Value source, Value selection, Value subspace) {
        return apply(base, source, selection, subspace, null);
    }

    /**
     * As {@link #apply(Value, Value, Value, Value)} with each subspace coordinate's share of the
     * interchange weighted per example: {@code h'_j = h_b[j] + (((s~_j - h_b[j]) R') * m) R'^T}
     * (the mask-subspace ablation, {@link MaskSubspace}).
     *
     * @param coordinateWeights m [batch, k], or null for all ones
     */
    public static Value apply(Value base, Value source, Value selection, Value subspace, Value coordinateWeights) {
        if (base.rank() != 3 || source.rank() != 3 || selection.rank() != 3 || subspace.rank() != 3) {
            throw new GraphBuildException("HyperDasIntervention: expected base [B, Tb, d], source [B, S, d],"
                    + " selection [B, S+1, Tb] and subspace [B, d, k], got " + base + ", " + source + ", "
                    + selection + ", " + subspace);
        }
        try (var s = base.graph().scope("intervention")) {
            List<Value> parts = SelectionHead.splitSelf(selection, source);
            Value fromSource = parts.get(0).transposeLastTwo().matmul(source); // [B, Tb, d]
            Value fromSelf = parts.get(1).transposeLastTwo().mul(base); // [B, Tb, 1] * [B, Tb, d]
            Value delta = fromSource.add(fromSelf).sub(base); // s~ - h_b
            Value coordinates = delta.matmul(subspace); // [B, Tb, k]
            if (coordinateWeights != null) {
                coordinates = coordinates.mul(coordinateWeights.unsqueeze(1));
            }
            Value update = coordinates.matmul(subspace.transposeLastTwo()); // (s~ - h_b) R' R'^T
            return base.add(update);
        }
    }
}
