package org.hyperdas.graphs.hyperdas;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.RmsNorm;
import org.hyperdas.graphs.nn.SwiGlu;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * {@code SwiGLU_MLP(RMSNorm(z))} over the hypernetwork's last-token state z, the head that both
 * {@link HouseholderSubspace} (output d: the reflection vector) and {@link MaskSubspace} (output k:
 * the mask logits) put on it. Weights under a module name {@code M}: {@code M.norm.weight} [d],
 * {@code M.mlp.{gate,up}_proj.weight} [inter, d], {@code M.mlp.down_proj.weight} [out, inter].
 */
final class NormedMlp {
    private NormedMlp() {
    }

    static String norm(String module) {
        return module + ".norm.weight";
    }

    static String gate(String module) {
        return module + ".mlp.gate_proj.weight";
    }

    static String up(String module) {
        return module + ".mlp.up_proj.weight";
    }

    static String down(String module) {
        return module + ".mlp.down_proj.weight";
    }

    /** The head's parameter shapes by name (before the hypernetwork prefix), in declaration order. */
    static Map<String, long[]> shapes(String module, LlamaConfig target, HyperDasConfig config, long out) {
        long d = target.hiddenSize();
        long inter = config.householderIntermediate();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(norm(module), new long[] {d});
        m.put(gate(module), new long[] {inter, d});
        m.put(up(module), new long[] {inter, d});
        m.put(down(module), new long[] {out, inter});
        return m;
    }

    /** The head's output [batch, out] for z [batch, d], built in the caller's scope. */
    static Value apply(String module, LlamaConfig target, HyperDasConfig config, long out, LlamaWeights weights,
            Value z) {
        Graph g = z.graph();
        Map<String, long[]> shapes = shapes(module, target, config, out);
        Value normed = RmsNorm.apply(z, weights.get(g, norm(module), shapes.get(norm(module)), z.dtype()),
                target.rmsNormEps());
        SwiGlu mlp = SwiGlu.fromHf(weights.get(g, gate(module), shapes.get(gate(module)), z.dtype()),
                weights.get(g, up(module), shapes.get(up(module)), z.dtype()),
                weights.get(g, down(module), shapes.get(down(module)), z.dtype()));
        return mlp.apply(normed);
    }
}
