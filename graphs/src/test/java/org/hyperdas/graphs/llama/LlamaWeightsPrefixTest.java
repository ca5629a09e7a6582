package org.hyperdas.graphs.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

/** A frozen model and a prefixed trainable copy of it in one graph. */
class LlamaWeightsPrefixTest {
    private static final long[] IDS = {1, 5, 9, 3, 7, 2, 0, 0};
    private static final long[] MASK = {1, 1, 1, 1, 1, 1, 0, 0};

    @Test
    void frozenModelAndPrefixedCopyShareOneGraph() throws Exception {
        LlamaConfig config = TinyLlamas.config(2, false, true);
        Map<String, HostTensor> tensors = TinyLlamas.weights(config, 3, DType.FLOAT32);
        Graph g = new Graph("two_copies");
        LlamaBuilder frozen = new LlamaBuilder(g, config, LlamaWeights.inline(tensors));
        LlamaWeights copyWeights = LlamaWeights.inputs().prefixed("hypernet.");
        LlamaBuilder copy = new LlamaBuilder(g, config, copyWeights);
        Value ids = frozen.tokenInput(LlamaHooks.INPUT_IDS, "seq");
        Value mask = frozen.tokenInput(LlamaHooks.ATTENTION_MASK, "seq");
        g.output("frozen", frozen.forward(ids, frozen.context(mask)).logits());
        g.output("copy", copy.forward(ids, copy.context(mask)).logits());

        assertEquals("hypernet.", copyWeights.prefix());
        assertEquals("a.b.", LlamaWeights.inputs().prefixed("a.").prefixed("b.").prefix());
        List<String> params = g.parameters().stream().map(Value::name).toList();
        assertEquals(config.expectedTensors().size(), params.size());
        for (String name : config.expectedTensors().keySet()) {
            assertTrue(params.contains("hypernet." + name), name);
        }
        Map<String, HostTensor> feeds = new HashMap<>();
        tensors.forEach((name, t) -> feeds.put("hypernet." + name, t));
        feeds.put(LlamaHooks.INPUT_IDS, HostTensor.ofLongs(IDS, 2, 4));
        feeds.put(LlamaHooks.ATTENTION_MASK, HostTensor.ofLongs(MASK, 2, 4));
        Map<String, HostTensor> out;
        try (GraphRunner r = GraphRunner.open(g)) {
            out = r.run(feeds);
        }
        assertArrayEquals(out.get("frozen").toFloats(), out.get("copy").toFloats(), 1e-6f);
    }
}
