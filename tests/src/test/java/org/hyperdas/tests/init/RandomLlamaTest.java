package org.hyperdas.tests.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.llama.LlamaGraphs;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.hyperdas.runtime.testing.SharedData;
import org.hyperdas.trainer.init.InitOptions;
import org.hyperdas.trainer.init.LlamaPresets;
import org.hyperdas.trainer.init.RandomLlama;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** init-model's random Llama folders: layout, value statistics, determinism, and a finite forward pass. */
class RandomLlamaTest {
    private static final int LAYERS = 12;
    private static Path tokenizer;

    @TempDir
    Path tmp;

    @BeforeAll
    static void shared() {
        tokenizer = SharedData.require("tokenizers/llama3");
    }

    /** Llama 3 shaped (GQA, tied, real vocab), narrow and deep enough to show residual growth. */
    static LlamaConfig tiny(int layers) {
        return LlamaPresets.llama32OneB().toBuilder().hiddenSize(64).headDim(16).numAttentionHeads(4)
                .numKeyValueHeads(2).intermediateSize(192).numHiddenLayers(layers).build();
    }

    private InitOptions options(LlamaConfig c, Path out, long seed, DType dtype, long shard, int threads) {
        return new InitOptions(c, tokenizer, dtype, out, seed, InitOptions.DEFAULT_STD, shard, threads, false);
    }

    @Test
    void shardsLikeHuggingFaceAndReadsBackAsTheConfigSays() throws Exception {
        Path out = tmp.resolve("m");
        RandomLlama.Result r = RandomLlama.write(options(tiny(2), out, 7, DType.BF16, 10_000_000, 2), System.err);
        assertEquals(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json"), r.weightFiles());
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertTrue(config.get("hyperdas_random_init").asBoolean());
        assertEquals(7, config.get("hyperdas_init_seed").asLong());
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        assertArrayEquals(Files.readAllBytes(tokenizer.resolve("tokenizer.json")),
                Files.readAllBytes(out.resolve("tokenizer.json")));
        JsonNode index = new ObjectMapper().readTree(out.resolve("model.safetensors.index.json").toFile());
        assertEquals(tiny(2).parameterCount() * 2, index.get("metadata").get("total_size").asLong());
        try (HfModel m = HfModel.open(out)) {
            assertEquals(tiny(2).parameterCount(), m.parameterCount());
            assertTrue(m.unexpectedTensors().isEmpty());
            assertEquals(tiny(2).expectedTensors().size(), m.tensorCount());
            assertEquals(DType.BF16, m.weights().tensor("model.norm.weight").dtype());
        }
    }

    @Test
    void valuesHaveThePlannedScale() throws Exception {
        Path out = tmp.resolve("m");
        RandomLlama.write(options(tiny(LAYERS), out, 0, DType.F32, Long.MAX_VALUE, 2), System.err);
        try (WeightStore w = WeightStore.open(out)) {
            double outStd = 0.02 / Math.sqrt(2.0 * LAYERS);
            assertStd(w.floatArray("model.embed_tokens.weight"), 0.02);
            assertStd(w.floatArray("model.layers.3.self_attn.q_proj.weight"), 0.02);
            assertStd(w.floatArray("model.layers.3.mlp.up_proj.weight"), 0.02);
            assertStd(w.floatArray("model.layers.3.self_attn.o_proj.weight"), outStd);
            assertStd(w.floatArray("model.layers.3.mlp.down_proj.weight"), outStd);
            for (float v : w.floatArray("model.layers.5.input_layernorm.weight")) {
                assertEquals(1f, v);
            }
        }
    }

    private static void assertStd(float[] values, double expected) {
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / values.length;
        double std = Math.sqrt(squares / values.length - mean * mean);
        assertEquals(0, mean, 5 * expected / Math.sqrt(values.length), "mean");
        assertEquals(expected, std, expected * 0.05, "std");
    }

    @Test
    void sameSeedSameBytesWhateverTheThreadsOtherSeedOtherBytes() throws Exception {
        LlamaConfig c = tiny(2);
        RandomLlama.write(options(c, tmp.resolve("a"), 3, DType.BF16, Long.MAX_VALUE, 1), System.err);
        RandomLlama.write(options(c, tmp.resolve("b"), 3, DType.BF16, Long.MAX_VALUE, 3), System.err);
        RandomLlama.write(options(c, tmp.resolve("c"), 4, DType.BF16, Long.MAX_VALUE, 3), System.err);
        byte[] a = Files.readAllBytes(tmp.resolve("a/model.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(tmp.resolve("b/model.safetensors")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(tmp.resolve("c/model.safetensors"))));
    }

    /**
     * Through our own forward graph: every residual stays finite and of the embedding's order of
     * magnitude over all layers, and the logits are small (a random model predicts near-uniformly).
     */
    @Test
    void hiddenStatesStayFiniteAndSaneOverAllLayers() throws Exception {
        Path out = tmp.resolve("m");
        RandomLlama.write(options(tiny(LAYERS), out, 0, DType.BF16, Long.MAX_VALUE, 2), System.err);
        long[] ids = {128000, 791, 6864, 315, 9822, 374, 12366, 13};
        long[] mask = new long[ids.length];
        java.util.Arrays.fill(mask, 1);
        try (HfModel m = HfModel.open(out)) {
            LlamaWeights weights = LlamaWeights.external(m.weights());
            try (GraphRunner r = GraphRunner.open(LlamaGraphs.hiddenStates(m.config(), weights),
                    weights.externalDataFolder().orElseThrow())) {
                Map<String, HostTensor> states = r.run(Map.of(LlamaHooks.INPUT_IDS, HostTensor.ofLongs(ids, 1, ids.length),
                        LlamaHooks.ATTENTION_MASK, HostTensor.ofLongs(mask, 1, ids.length)));
                double first = rms(states.get(LlamaHooks.residual(0)).toFloats());
                assertEquals(0.02, first, 0.004, "embedding rms");
                for (int i = 0; i <= LAYERS; i++) {
                    HostTensor h = states.get(LlamaHooks.residual(i));
                    if (h == null) {
                        continue;
                    }
                    double rms = rms(h.toFloats());
                    assertTrue(rms > first / 2 && rms < first * 4, "residual " + i + " rms " + rms);
                }
                double logits = rms(states.get(LlamaHooks.LOGITS).toFloats());
                assertTrue(logits < 1.0, "logits rms " + logits);
            }
        }
    }

    private static double rms(float[] values) {
        double s = 0;
        for (float v : values) {
            assertTrue(Float.isFinite(v));
            s += (double) v * v;
        }
        return Math.sqrt(s / values.length);
    }
}
