package org.hyperdas.graphs.hyperdas;

import java.util.Map;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.intervention.OrthogonalSubspace;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * The concept's subspace (HYPERDAS.md "Subspace (feature) construction"): one shared R in
 * R^{d x k} with orthonormal columns, turned per example into {@code R' = H R} by the Householder
 * reflection {@code H = I - 2 v v^T} with
 * {@code v = normalize(SwiGLU_MLP(RMSNorm(z)))} and z the hypernetwork's state at the last
 * instruction token. H is orthogonal, so R' is orthonormal whenever R is.
 *
 * <p><b>How R stays orthonormal under AdamW.</b> R is never a free matrix: the trained parameter
 * is a set of k Householder vectors {@code U} [k, d] ({@value #ROTATION}), and
 * <pre>
 *   R = H(u_0) H(u_1) ... H(u_{k-1}) [I_k; 0],   H(u) = I - 2 u u^T / (u^T u)
 * </pre>
 * the first k columns of a product of reflections: orthonormal by construction for any U with
 * nonzero rows (to rounding, about k ulps), whatever the optimizer does to U, and differentiable
 * with plain ops (k rank-one updates of a d x k matrix, O(d k^2)). Every k-frame is reachable, as
 * with torch's orthogonal parametrization in its "householder" form. Evaluation graphs rebuild R
 * from the same vectors, so nothing has to be re-orthonormalised in Java after a step.
 *
 * <p>Hypernetwork weights (under its prefix): {@code householder.norm.weight} [d],
 * {@code householder.mlp.{gate,up}_proj.weight} [inter, d], {@code householder.mlp.down_proj.weight}
 * [d, inter].
 */
public final class HouseholderSubspace {
    /** The graph parameter holding R's Householder vectors, [k, d] (its own optimizer group). */
    public static final String ROTATION = "rotation.householder_vectors";
    private static final String MODULE = "householder";
    public static final String NORM = NormedMlp.norm(MODULE);
    public static final String GATE = NormedMlp.gate(MODULE);
    public static final String UP = NormedMlp.up(MODULE);
    public static final String DOWN = NormedMlp.down(MODULE);

    private HouseholderSubspace() {
    }

    /** Hypernetwork parameter shapes by name (before the hypernetwork prefix). */
    static Map<String, long[]> shapes(LlamaConfig target, HyperDasConfig config) {
        return NormedMlp.shapes(MODULE, target, config, target.hiddenSize());
    }

    /**
     * R [d, k] from the Householder vectors {@code u} [k, d]: {@code H(u_0) ... H(u_{k-1})} applied
     * to the first k columns of the identity, in u's dtype. The same construction as DAS's subspace
     * ({@link OrthogonalSubspace#rotation}), so both methods keep R orthonormal the same way.
     */
    public static Value rotation(Value u) {
        return OrthogonalSubspace.rotation(u, u.dtype());
    }

    /** {@code v = normalize(SwiGLU(RMSNorm(z)))}, [batch, d], from the last-token states z [batch, d]. */
    public static Value reflectionVector(LlamaConfig target, HyperDasConfig config, LlamaWeights weights, Value z) {
        try (Graph.Scope s = z.graph().scope(MODULE)) {
            return HiddenStateMemory.unitNormalize(
                    NormedMlp.apply(MODULE, target, config, target.hiddenSize(), weights, z));
        }
    }

    /** {@code R' = (I - 2 v v^T) R = R - 2 v (v^T R)}: [batch, d, k] from R [d, k] and unit v [batch, d]. */
    public static Value reflect(Value r, Value v) {
        Graph g = r.graph();
        try (Graph.Scope s = g.scope(MODULE)) {
            Value vr = v.matmul(r); // [B, k]
            return r.unsqueeze(0).sub(v.unsqueeze(2).mul(vr.unsqueeze(1)).mul(2)); // [B, d, k]
        }
    }
}
