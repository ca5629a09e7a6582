package org.hyperdas.graphs.hyperdas;

import java.util.Map;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * The mask-subspace ablation ({@link Ablations.Subspace#MASK}, the reference's MaskSelect): the
 * shared R [d, k] is kept for every example and a per-example soft mask over its k columns
 * decides how much of each coordinate is interchanged:
 * <pre>
 *   m  = sigmoid(SwiGLU_MLP(RMSNorm(z)) / T)       [batch, k], z the hypernetwork's last-token state
 *   h' = h_b + (((s~ - h_b) R) * m) R^T
 * </pre>
 * with T the temperature: fed during training (annealed by the trainer, see
 * {@link Ablations#temperature}), {@value Ablations#TEMPERATURE_END} (its final value) in
 * evaluation graphs. The MLP is the Householder one's shape with output k instead of d.
 *
 * <p>Hypernetwork weights (under its prefix): {@code mask.norm.weight} [d],
 * {@code mask.mlp.{gate,up}_proj.weight} [inter, d], {@code mask.mlp.down_proj.weight} [k, inter].
 */
public final class MaskSubspace {
    private static final String MODULE = "mask";
    public static final String NORM = NormedMlp.norm(MODULE);
    public static final String GATE = NormedMlp.gate(MODULE);
    public static final String UP = NormedMlp.up(MODULE);
    public static final String DOWN = NormedMlp.down(MODULE);

    private MaskSubspace() {
    }

    /** Hypernetwork parameter shapes by name (before the hypernetwork prefix). */
    static Map<String, long[]> shapes(LlamaConfig target, HyperDasConfig config) {
        return NormedMlp.shapes(MODULE, target, config, config.subspaceDim());
    }

    /**
     * The mask m [batch, k] from the last-token states z [batch, d].
     *
     * @param temperature rank 0, in z's dtype
     */
    public static Value mask(LlamaConfig target, HyperDasConfig config, LlamaWeights weights, Value z,
            Value temperature) {
        try (Graph.Scope s = z.graph().scope(MODULE)) {
            return NormedMlp.apply(MODULE, target, config, config.subspaceDim(), weights, z).div(temperature)
                    .sigmoid();
        }
    }
}
