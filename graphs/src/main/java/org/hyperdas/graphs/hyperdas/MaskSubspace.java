package org.hyperdas.graphs.hyperdas;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.RmsNorm;
import org.hyperdas.graphs.nn.SwiGlu;
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
    public static final String NORM = "mask.norm.weight";
    public static final String GATE = "mask.mlp.gate_proj.weight";
    public static final String UP = "mask.mlp.up_proj.weight";
    public static final String DOWN = "mask.mlp.down_proj.weight";

    private MaskSubspace() {
    }

    /** Hypernetwork parameter shapes by name (before the hypernetwork prefix). */
    static Map<String, long[]> shapes(LlamaConfig target, HyperDasConfig config) {
        long d = target.hiddenSize();
        long inter = config.householderIntermediate();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(NORM, new long[] {d});
        m.put(GATE, new long[] {inter, d});
        m.put(UP, new long[] {inter, d});
        m.put(DOWN, new long[] {config.subspaceDim(), inter});
        return m;
    }

    /**
     * The mask m [batch, k] from the last-token states z [batch, d].
     *
     * @param temperature rank 0, in z's dtype
     */
    public static Value mask(LlamaConfig target, HyperDasConfig config, LlamaWeights weights, Value z,
            Value temperature) {
        Graph g = z.graph();
        DType dtype = z.dtype();
        Map<String, long[]> shapes = shapes(target, config);
        try (Graph.Scope s = g.scope("mask")) {
            Value normed = RmsNorm.apply(z, weights.get(g, NORM, shapes.get(NORM), dtype), target.rmsNormEps());
            SwiGlu mlp = SwiGlu.fromHf(weights.get(g, GATE, shapes.get(GATE), dtype),
                    weights.get(g, UP, shapes.get(UP), dtype), weights.get(g, DOWN, shapes.get(DOWN), dtype));
            return mlp.apply(normed).div(temperature).sigmoid();
        }
    }
}
