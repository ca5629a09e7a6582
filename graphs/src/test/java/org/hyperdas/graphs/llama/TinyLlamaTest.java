package org.hyperdas.graphs.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.junit.jupiter.api.Test;

/**
 * Consistency of the builder's graphs on random tiny models that exercise every config feature
 * (GQA, head_dim != hidden / heads, llama3 rope scaling, untied head, attention and MLP biases).
 */
class TinyLlamaTest {
    private static final long[] IDS = {0, 0, 4, 9, 17, 3, 1, 22, 5, 8, 31, 0};
    private static final long[] MASK = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};

    private static double maxAbsDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static Map<String, HostTensor> tokens(long[] ids, long[] mask, int batch) {
        return Map.of(LlamaHooks.INPUT_IDS, HostTensor.ofLongs(ids, batch, ids.length / batch),
                LlamaHooks.ATTENTION_MASK, HostTensor.ofLongs(mask, batch, mask.length / batch));
    }

    private static double[] run(Graph g, Map<String, HostTensor> feeds, String output) throws Exception {
        try (GraphRunner r = GraphRunner.open(g)) {
            return r.run(feeds).get(output).toDoubles();
        }
    }

    @Test
    void prefixThenSuffixEqualsForwardInFloat64() throws Exception {
        LlamaConfig config = TinyLlamas.config(3, false, true);
        LlamaWeights weights = LlamaWeights.inline(TinyLlamas.weights(config, 1, DType.FLOAT64));
        Map<String, HostTensor> feeds = tokens(IDS, MASK, 2);
        double[] full = run(LlamaGraphs.forward(config, weights, DType.FLOAT64), feeds, LlamaHooks.LOGITS);
        for (int layer = 0; layer <= 3; layer++) {
            String name = LlamaHooks.residual(layer);
            double[] residual = run(LlamaGraphs.prefix(config, weights, layer, DType.FLOAT64), feeds, name);
            double[] logits = run(LlamaGraphs.suffix(config, weights, layer, DType.FLOAT64),
                    Map.of(name, HostTensor.ofDoubles(residual, 2, 6, config.hiddenSize()),
                            LlamaHooks.ATTENTION_MASK, feeds.get(LlamaHooks.ATTENTION_MASK)), LlamaHooks.LOGITS);
            assertTrue(maxAbsDiff(full, logits) < 1e-12, "layer " + layer);
        }
    }

    @Test
    void weightsAsInputsComputeWhatInlineWeightsCompute() throws Exception {
        LlamaConfig config = TinyLlamas.config(2, true, false);
        Map<String, HostTensor> values = TinyLlamas.weights(config, 2, DType.FLOAT32);
        Map<String, HostTensor> feeds = new HashMap<>(tokens(IDS, MASK, 2));
        double[] inline = run(LlamaGraphs.forward(config, LlamaWeights.inline(values)), feeds, LlamaHooks.LOGITS);
        feeds.putAll(values);
        double[] inputs = run(LlamaGraphs.forward(config, LlamaWeights.inputs()), feeds, LlamaHooks.LOGITS);
        assertTrue(maxAbsDiff(inline, inputs) < 1e-5);
    }

    /** Prompt through the cached-step graph, then one token at a time: each step's logits equal the full forward's. */
    @Test
    void cachedStepsMatchTheFullForwardAtEveryPosition() throws Exception {
        LlamaConfig config = TinyLlamas.config(2, false, true);
        LlamaWeights weights = LlamaWeights.inline(TinyLlamas.weights(config, 3, DType.FLOAT32));
        int batch = 2;
        int prompt = 3;
        int total = 6;
        // Row 0 left-padded by 1; row 1 unpadded.
        long[] ids = {0, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6};
        long[] mask = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        double[] full = run(LlamaGraphs.forward(config, weights), tokens(ids, mask, batch), LlamaHooks.LOGITS);
        int vocab = config.vocabSize();
        try (GraphRunner step = GraphRunner.open(LlamaGraphs.cachedStep(config, weights))) {
            Map<String, HostTensor> past = new HashMap<>();
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                HostTensor empty = HostTensor.ofFloats(new float[0], batch, config.numKeyValueHeads(), 0, config.headDim());
                past.put(LlamaHooks.pastKey(i), empty);
                past.put(LlamaHooks.pastValue(i), empty);
            }
            int from = 0;
            for (int to = prompt; to <= total; to++) {
                Map<String, HostTensor> feeds = new HashMap<>(past);
                feeds.put(LlamaHooks.INPUT_IDS, HostTensor.ofLongs(columns(ids, batch, total, from, to), batch, to - from));
                feeds.put(LlamaHooks.ATTENTION_MASK, HostTensor.ofLongs(columns(mask, batch, total, 0, to), batch, to));
                Map<String, HostTensor> out = step.run(feeds);
                double[] next = out.get(LlamaHooks.NEXT_TOKEN_LOGITS).toDoubles();
                for (int b = 0; b < batch; b++) {
                    for (int v = 0; v < vocab; v++) {
                        double expected = full[(b * total + to - 1) * vocab + v];
                        assertEquals(expected, next[b * vocab + v], 1e-5, "position " + (to - 1) + " row " + b);
                    }
                }
                for (int i = 0; i < config.numHiddenLayers(); i++) {
                    past.put(LlamaHooks.pastKey(i), out.get(LlamaHooks.presentKey(i)));
                    past.put(LlamaHooks.pastValue(i), out.get(LlamaHooks.presentValue(i)));
                }
                assertArrayEquals(new long[] {batch, config.numKeyValueHeads(), to, config.headDim()},
                        out.get(LlamaHooks.presentKey(0)).shape());
                from = to;
            }
        }
    }

    private static long[] columns(long[] rows, int batch, int width, int from, int to) {
        long[] out = new long[batch * (to - from)];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(rows, b * width + from, out, b * (to - from), to - from);
        }
        return out;
    }

    @Test
    void generatorWithWeightsAsInputsNeedsThemFed() throws Exception {
        LlamaConfig config = TinyLlamas.config(1, true, false);
        assertThrows(GraphBuildException.class, () -> Generator.open(config, LlamaWeights.inputs(), OrtEngine.cpu(),
                Generator.Mode.KV_CACHE, Map.of()));
        Map<String, HostTensor> values = TinyLlamas.weights(config, 4, DType.FLOAT32);
        List<OnnxTensor> owned = new ArrayList<>();
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (Map.Entry<String, HostTensor> e : values.entrySet()) {
                OnnxTensor t = OnnxTensor.createTensor(GraphRunner.environment(),
                        e.getValue().buffer().order(ByteOrder.nativeOrder()).asFloatBuffer(), e.getValue().shape());
                owned.add(t);
                feeds.put(e.getKey(), t);
            }
            GenerationOptions options = GenerationOptions.greedy(8);
            try (Generator fed = Generator.open(config, LlamaWeights.inputs(), OrtEngine.cpu(), Generator.Mode.KV_CACHE, feeds);
                    Generator inline = Generator.open(config, LlamaWeights.inline(values), OrtEngine.cpu(),
                            Generator.Mode.KV_CACHE, Map.of())) {
                assertArrayEquals(inline.generate(List.of(new long[] {1, 5}), options, null).tokens().get(0),
                        fed.generate(List.of(new long[] {1, 5}), options, null).tokens().get(0));
            }
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }
}
