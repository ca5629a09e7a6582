package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.llama.TinyLlamas;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

/** Names, shapes and initial values of the trainable tensors. */
class HyperDasParametersTest {

    @Test
    void namesAndShapesAreThoseOfTheGraphParameters() {
        for (boolean biases : new boolean[] {false, true}) {
            LlamaConfig target = TinyLlamas.config(3, true, biases);
            HyperDasConfig config = HyperDasFixtures.config(target);
            Map<String, long[]> shapes = HyperDasParameters.shapes(target, config);
            Graph g = new Graph("params");
            new HyperDasGraphs(target, LlamaWeights.inline(TinyLlamas.weights(target, 1, DType.FLOAT32)), config,
                    DType.FLOAT32).build(g, SelectionMode.SOFT, true, false);
            Map<String, long[]> declared = new LinkedHashMap<>();
            for (Value p : g.parameters()) {
                declared.put(p.name(), p.shape().staticDims());
            }
            assertEquals(shapes.keySet(), declared.keySet());
            shapes.forEach((name, shape) -> assertArrayEquals(shape, declared.get(name), name));
            assertTrue(shapes.containsKey("hypernet.model.layers.1.base_cross_attn.o_proj.weight"));
            assertEquals(biases, shapes.containsKey("hypernet.model.layers.0.source_cross_attn.q_proj.bias"));
            assertTrue(!shapes.containsKey("hypernet.model.layers.2.input_layernorm.weight"), "only N = 2 layers");
            assertTrue(!shapes.containsKey("hypernet.lm_head.weight"));
        }
    }

    @Test
    void selectionKeysHaveTheTargetsKeyValueHeads() {
        LlamaConfig target = TinyHyperDas.target(); // 2 query heads over 1 KV head
        HyperDasConfig config = TinyHyperDas.config(target);
        Map<String, long[]> shapes = HyperDasParameters.shapes(target, config);
        long hd = target.headDim();
        assertArrayEquals(new long[] {config.selectionHeads() * hd, target.hiddenSize()},
                shapes.get(HyperDasParameters.HYPERNET + SelectionHead.Q_PROJ));
        assertArrayEquals(new long[] {target.numKeyValueHeads() * hd, target.hiddenSize()},
                shapes.get(HyperDasParameters.HYPERNET + SelectionHead.K_PROJ));
        LlamaConfig twoKv = TinyLlamas.config(2, true, false); // 4 query heads over 2 KV heads
        HyperDasConfig three = HyperDasFixtures.config(twoKv).withSelectionHeads(3);
        assertThrows(GraphBuildException.class, () -> three.validate(twoKv));
    }

    @Test
    void copiesStartAsTheTargetsTensors() {
        LlamaConfig target = HyperDasFixtures.target();
        HyperDasConfig config = HyperDasFixtures.config(target);
        Map<String, HostTensor> tensors = HyperDasFixtures.targetWeights(target, DType.FLOAT64);
        Map<String, double[]> init = HyperDasParameters.initial(target, config, HyperDasParameters.reader(tensors));
        String l1 = "model.layers.1.";
        assertArrayEquals(tensors.get("model.embed_tokens.weight").toDoubles(),
                init.get("hypernet.model.embed_tokens.weight"));
        assertArrayEquals(tensors.get(l1 + "mlp.down_proj.weight").toDoubles(),
                init.get("hypernet." + l1 + "mlp.down_proj.weight"));
        assertArrayEquals(tensors.get(l1 + "self_attn.k_proj.weight").toDoubles(),
                init.get("hypernet." + l1 + "source_cross_attn.k_proj.weight"));
        assertArrayEquals(tensors.get(l1 + "self_attn.o_proj.weight").toDoubles(),
                init.get("hypernet." + l1 + "base_cross_attn.o_proj.weight"));
        assertArrayEquals(tensors.get(l1 + "input_layernorm.weight").toDoubles(),
                init.get("hypernet." + l1 + "base_cross_attn_layernorm.weight"));
        assertArrayEquals(tensors.get("model.norm.weight").toDoubles(), init.get("hypernet.model.norm.weight"));
        for (double v : init.get("hypernet." + HouseholderSubspace.NORM)) {
            assertEquals(1.0, v);
        }
        double[] pair = init.get("hypernet." + SelectionHead.PAIR_PROJ);
        double sq = 0;
        for (double v : pair) {
            sq += v * v;
        }
        assertEquals(config.initStd(), Math.sqrt(sq / pair.length), 0.2 * config.initStd());
        // Same seed, same values; another seed, others.
        assertArrayEquals(pair, HyperDasParameters.initial(target, config, HyperDasParameters.reader(tensors))
                .get("hypernet." + SelectionHead.PAIR_PROJ));
        assertTrue(pair[0] != HyperDasParameters.initial(target, config.withSeed(99),
                HyperDasParameters.reader(tensors)).get("hypernet." + SelectionHead.PAIR_PROJ)[0]);
    }
}
