package org.hyperdas.graphs.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The forward graphs of the real stories260K model (external weights), split and whole. */
class StoriesForwardTest {
    /** Row 0 left-padded by 2, row 1 right-padded by 3, row 2 unpadded. */
    private static final long[] IDS = {
        0, 0, 1, 403, 407, 261, 378, 432,
        1, 403, 407, 261, 378, 0, 0, 0,
        1, 376, 298, 315, 421, 395, 317, 426};
    private static final long[] MASK = {
        0, 0, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 0, 0, 0,
        1, 1, 1, 1, 1, 1, 1, 1};
    private static HfModel model;
    private static LlamaWeights weights;
    private static Map<String, HostTensor> feeds;

    @BeforeAll
    static void open() {
        Path folder = SharedData.require("models/stories260K");
        model = HfModel.open(folder);
        weights = LlamaWeights.external(model.weights());
        feeds = Map.of(LlamaHooks.INPUT_IDS, HostTensor.ofLongs(IDS, 3, 8),
                LlamaHooks.ATTENTION_MASK, HostTensor.ofLongs(MASK, 3, 8));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    private static Map<String, HostTensor> run(Graph g, Map<String, HostTensor> in) throws Exception {
        try (GraphRunner r = GraphRunner.open(g, weights.externalDataFolder().orElseThrow())) {
            return r.run(in);
        }
    }

    private static double maxAbsDiff(HostTensor a, HostTensor b) {
        assertArrayEquals(a.shape(), b.shape());
        double[] x = a.toDoubles();
        double[] y = b.toDoubles();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    @Test
    void weightsStayInTheSafetensorsFile() {
        Graph g = LlamaGraphs.forward(model.config(), weights);
        long weightBytes = model.config().parameterCount() * 4;
        assertTrue(g.toBytes().length < weightBytes / 10, "model bytes " + g.toBytes().length);
        assertTrue(g.initializers().stream().anyMatch(i -> i.value().name().equals("model.embed_tokens.weight")));
    }

    @Test
    void prefixThenSuffixEqualsTheFullForwardAtEveryLayer() throws Exception {
        LlamaConfig config = model.config();
        HostTensor full = run(LlamaGraphs.forward(config, weights), feeds).get(LlamaHooks.LOGITS);
        for (int layer = 0; layer <= config.numHiddenLayers(); layer++) {
            String name = LlamaHooks.residual(layer);
            HostTensor residual = run(LlamaGraphs.prefix(config, weights, layer), feeds).get(name);
            HostTensor logits = run(LlamaGraphs.suffix(config, weights, layer),
                    Map.of(name, residual, LlamaHooks.ATTENTION_MASK, feeds.get(LlamaHooks.ATTENTION_MASK)))
                    .get(LlamaHooks.LOGITS);
            double diff = maxAbsDiff(full, logits);
            assertTrue(diff < 1e-5, "layer " + layer + ": max abs diff " + diff);
        }
    }

    @Test
    void hiddenStatesFollowTheNamingConvention() throws Exception {
        LlamaConfig config = model.config();
        int n = config.numHiddenLayers();
        Map<String, HostTensor> states = run(LlamaGraphs.hiddenStates(config, weights), feeds);
        assertEquals(n + 3, states.size());
        for (int layer = 0; layer <= n; layer++) {
            String name = LlamaHooks.residual(layer);
            HostTensor prefix = run(LlamaGraphs.prefix(config, weights, layer), feeds).get(name);
            assertEquals(0, maxAbsDiff(prefix, states.get(name)), 1e-6, name);
        }
        assertArrayEquals(new long[] {3, 8, config.hiddenSize()}, states.get(LlamaHooks.hfHiddenState(n, n)).shape());
        assertEquals(LlamaHooks.LN_FINAL, LlamaHooks.hfHiddenState(n, n));
        assertEquals("blocks.2.resid_post", LlamaHooks.hfHiddenState(3, n));
        // ln_final is the RMSNorm of the last residual, not the residual itself.
        assertTrue(maxAbsDiff(states.get(LlamaHooks.residual(n)), states.get(LlamaHooks.LN_FINAL)) > 0.1);
    }

    /**
     * One caller graph: prefix(base) and prefix(source) at layer 2, an interchange of the whole
     * residual, and the suffix. Full interchange gives the source run's logits; none gives base's.
     */
    @Test
    void prefixesAndSuffixComposeInsideOneCallerGraph() throws Exception {
        LlamaConfig config = model.config();
        int layer = 2;
        Graph g = new Graph("interchange");
        LlamaBuilder llama = new LlamaBuilder(g, config, weights);
        Value baseIds = llama.tokenInput("base_ids", "seq");
        Value sourceIds = llama.tokenInput("source_ids", "seq");
        Value mask = llama.tokenInput("mask", "seq");
        Value swap = g.input("swap", DType.BOOL, Shape.of("batch", "seq"));
        LlamaBuilder.Context context = llama.context(mask);
        Value base = llama.prefix(baseIds, context, layer);
        Value source = llama.prefix(sourceIds, context, layer);
        Value patched = g.where(swap.unsqueeze(2), source, base);
        g.output("logits", llama.suffix(patched, context, layer));
        long[] sourceIdsData = IDS.clone();
        for (int i = 0; i < sourceIdsData.length; i++) {
            sourceIdsData[i] = (sourceIdsData[i] * 7 + 3) % config.vocabSize();
        }
        HostTensor sourceTokens = HostTensor.ofLongs(sourceIdsData, 3, 8);
        HostTensor baseLogits = run(LlamaGraphs.forward(config, weights), feeds).get(LlamaHooks.LOGITS);
        HostTensor sourceLogits = run(LlamaGraphs.forward(config, weights),
                Map.of(LlamaHooks.INPUT_IDS, sourceTokens, LlamaHooks.ATTENTION_MASK, feeds.get(LlamaHooks.ATTENTION_MASK)))
                .get(LlamaHooks.LOGITS);
        for (boolean all : new boolean[] {true, false}) {
            boolean[] swapAll = new boolean[24];
            Arrays.fill(swapAll, all);
            Map<String, HostTensor> in = new HashMap<>();
            in.put("base_ids", feeds.get(LlamaHooks.INPUT_IDS));
            in.put("source_ids", sourceTokens);
            in.put("mask", feeds.get(LlamaHooks.ATTENTION_MASK));
            in.put("swap", HostTensor.ofBools(swapAll, 3, 8));
            HostTensor logits = run(g, in).get("logits");
            assertTrue(maxAbsDiff(all ? sourceLogits : baseLogits, logits) < 1e-5, "swap all = " + all);
        }
    }

    @Test
    void bf16ShardedWeightsAreCastAtLoadAndCloseToFloat32() throws Exception {
        Path bf16Folder = SharedData.require("models/stories260K-bf16-sharded");
        try (HfModel bf16 = HfModel.open(bf16Folder)) {
            LlamaWeights bf16Weights = LlamaWeights.external(bf16.weights());
            Graph g = LlamaGraphs.forward(bf16.config(), bf16Weights);
            assertEquals(bf16.config().expectedTensors().size(), g.initializers().stream()
                    .filter(i -> i.value().dtype() == DType.BFLOAT16).count());
            HostTensor logits;
            try (GraphRunner r = GraphRunner.open(g, bf16Weights.externalDataFolder().orElseThrow())) {
                logits = r.run(feeds).get(LlamaHooks.LOGITS);
            }
            HostTensor reference = run(LlamaGraphs.forward(model.config(), weights), feeds).get(LlamaHooks.LOGITS);
            double diff = maxAbsDiff(reference, logits);
            assertTrue(diff > 0 && diff < 0.5, "bf16 vs f32 logits differ by " + diff);
        }
    }
}
