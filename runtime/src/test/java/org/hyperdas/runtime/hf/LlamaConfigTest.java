package org.hyperdas.runtime.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {
    /** The published meta-llama/Meta-Llama-3-8B config.json, verbatim. */
    static final String LLAMA3_8B = """
            {
              "architectures": [
                "LlamaForCausalLM"
              ],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 128000,
              "eos_token_id": 128001,
              "hidden_act": "silu",
              "hidden_size": 4096,
              "initializer_range": 0.02,
              "intermediate_size": 14336,
              "max_position_embeddings": 8192,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 32,
              "num_key_value_heads": 8,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3"
              },
              "rope_theta": 500000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.40.0.dev0",
              "use_cache": true,
              "vocab_size": 128256
            }
            """;

    @TempDir
    Path dir;

    private Path write(String json) throws IOException {
        Path p = dir.resolve("config.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void parsesLlama3_8B() {
        LlamaConfig c = LlamaConfig.parse(LLAMA3_8B, Path.of("/x/config.json"));
        assertEquals(4096, c.hiddenSize());
        assertEquals(14336, c.intermediateSize());
        assertEquals(32, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(8, c.numKeyValueHeads());
        assertEquals(128, c.headDim());
        assertEquals(128256, c.vocabSize());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(8192, c.maxPositionEmbeddings());
        assertEquals(new LlamaConfig.RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertEquals(false, c.tieWordEmbeddings());
        assertEquals(List.of(128000), c.bosTokenId());
        assertEquals(List.of(128001), c.eosTokenId());
        assertEquals("bfloat16", c.torchDtype());
        assertEquals("LlamaForCausalLM", c.architecture());
        assertEquals(8_030_261_248L, c.parameterCount());
        Map<String, long[]> t = c.expectedTensors();
        assertEquals(291, t.size());
        assertArrayEquals(new long[] {128256, 4096}, t.get("model.embed_tokens.weight"));
        assertArrayEquals(new long[] {4096, 4096}, t.get("model.layers.31.self_attn.q_proj.weight"));
        assertArrayEquals(new long[] {1024, 4096}, t.get("model.layers.0.self_attn.k_proj.weight"));
        assertArrayEquals(new long[] {1024, 4096}, t.get("model.layers.0.self_attn.v_proj.weight"));
        assertArrayEquals(new long[] {4096, 4096}, t.get("model.layers.0.self_attn.o_proj.weight"));
        assertArrayEquals(new long[] {14336, 4096}, t.get("model.layers.0.mlp.gate_proj.weight"));
        assertArrayEquals(new long[] {14336, 4096}, t.get("model.layers.0.mlp.up_proj.weight"));
        assertArrayEquals(new long[] {4096, 14336}, t.get("model.layers.0.mlp.down_proj.weight"));
        assertArrayEquals(new long[] {4096}, t.get("model.layers.0.input_layernorm.weight"));
        assertArrayEquals(new long[] {4096}, t.get("model.norm.weight"));
        assertArrayEquals(new long[] {128256, 4096}, t.get("lm_head.weight"));
    }

    @Test
    void stories260KConfig() {
        LlamaConfig c = LlamaConfig.load(SharedData.require("models/stories260K/config.json"));
        assertEquals(5, c.numHiddenLayers());
        assertEquals(64, c.hiddenSize());
        assertEquals(8, c.numAttentionHeads());
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(512, c.vocabSize());
        assertTrue(c.tieWordEmbeddings());
        assertNull(c.ropeScaling());
        assertEquals(47, c.expectedTensors().size());
        assertEquals(260_032L, c.parameterCount());
        assertEquals(1, c.bos());
        assertEquals(2, c.eos());
    }

    @Test
    void defaultsForOptionalFields() {
        LlamaConfig c = LlamaConfig.parse("{\"hidden_size\": 32, \"intermediate_size\": 64,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"vocab_size\": 100,"
                + " \"rms_norm_eps\": 1e-6, \"max_position_embeddings\": 128}", Path.of("c.json"));
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(8, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(false, c.tieWordEmbeddings());
        assertEquals(List.of(), c.bosTokenId());
        assertNull(c.bos());
        assertNull(c.torchDtype());
    }

    @Test
    void eosTokenListAndNewDtypeKey() {
        String json = LLAMA3_8B.replace("\"eos_token_id\": 128001", "\"eos_token_id\": [128001, 128008, 128009]")
                .replace("\"torch_dtype\": \"bfloat16\"", "\"dtype\": \"bfloat16\"");
        LlamaConfig c = LlamaConfig.parse(json, Path.of("c.json"));
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenId());
        assertEquals(128001, c.eos());
        assertEquals("bfloat16", c.torchDtype());
    }

    @Test
    void missingFieldNamesFileAndField() throws IOException {
        Path p = write(LLAMA3_8B.replace("\"intermediate_size\": 14336,", ""));
        String m = assertThrows(BadInputException.class, () -> LlamaConfig.load(p)).getMessage();
        assertEquals(p + ": field 'intermediate_size': expected a positive integer, found nothing (field missing)", m);
    }

    @Test
    void wronglyTypedFieldNamesFileFieldAndValue() throws IOException {
        Path p = write(LLAMA3_8B.replace("\"hidden_size\": 4096", "\"hidden_size\": \"abc\""));
        String m = assertThrows(BadInputException.class, () -> LlamaConfig.load(p)).getMessage();
        assertEquals(p + ": field 'hidden_size': expected an integer, found string \"abc\"", m);
    }

    @Test
    void moreTypeErrors() throws IOException {
        Path p = write(LLAMA3_8B.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": \"no\""));
        assertEquals(p + ": field 'tie_word_embeddings': expected true or false, found string \"no\"",
                assertThrows(BadInputException.class, () -> LlamaConfig.load(p)).getMessage());
        Path q = write(LLAMA3_8B.replace("\"num_hidden_layers\": 32", "\"num_hidden_layers\": 32.5"));
        assertEquals(q + ": field 'num_hidden_layers': expected an integer, found number 32.5",
                assertThrows(BadInputException.class, () -> LlamaConfig.load(q)).getMessage());
        Path r = write(LLAMA3_8B.replace("\"bos_token_id\": 128000", "\"bos_token_id\": \"<s>\""));
        assertTrue(assertThrows(BadInputException.class, () -> LlamaConfig.load(r)).getMessage()
                .contains("field 'bos_token_id': expected an integer or a list of integers, found string \"<s>\""));
        Path s = write(LLAMA3_8B.replace("\"factor\": 8.0", "\"factor\": null"));
        assertEquals(s + ": field 'rope_scaling.factor': expected a positive number, found null",
                assertThrows(BadInputException.class, () -> LlamaConfig.load(s)).getMessage());
    }

    @Test
    void unsupportedRopeScalingIsRejected() throws IOException {
        Path p = write(LLAMA3_8B.replace("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\""));
        String m = assertThrows(BadInputException.class, () -> LlamaConfig.load(p)).getMessage();
        assertTrue(m.startsWith(p + ": field 'rope_scaling.rope_type': expected \"llama3\""), m);
        assertTrue(m.endsWith("found string \"yarn\""), m);
    }

    @Test
    void kvHeadsMustDivideHeads() throws IOException {
        Path p = write(LLAMA3_8B.replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5"));
        String m = assertThrows(BadInputException.class, () -> LlamaConfig.load(p)).getMessage();
        assertTrue(m.contains("num_key_value_heads") && m.contains("divisor of num_attention_heads (32)"), m);
    }

    @Test
    void notJsonAndMissingFile() throws IOException {
        Path p = write("{ not json");
        assertTrue(assertThrows(BadInputException.class, () -> LlamaConfig.load(p)).getMessage()
                .startsWith(p + ": not valid JSON"));
        Path q = dir.resolve("absent.json");
        assertTrue(assertThrows(BadInputException.class, () -> LlamaConfig.load(q)).getMessage()
                .startsWith(q + ": no such file"));
    }

    @Test
    void toJsonRoundTrips() throws IOException {
        LlamaConfig c = LlamaConfig.parse(LLAMA3_8B, Path.of("c.json"));
        Path p = dir.resolve("out/config.json");
        c.save(p);
        assertEquals(c, LlamaConfig.load(p));
        LlamaConfig s = LlamaConfig.load(SharedData.require("models/stories260K/config.json"));
        assertEquals(s, LlamaConfig.parse(s.toJson(), Path.of("x")));
        String multiEos = LlamaConfig.parse(LLAMA3_8B.replace("\"eos_token_id\": 128001",
                "\"eos_token_id\": [128001, 128009]"), Path.of("c")).toJson();
        assertTrue(multiEos.contains("128009"), multiEos);
        assertEquals(List.of(128001, 128009), LlamaConfig.parse(multiEos, Path.of("c")).eosTokenId());
    }

    @Test
    void builderMatchesParsedConfig() {
        LlamaConfig parsed = LlamaConfig.load(SharedData.require("models/stories260K/config.json"));
        LlamaConfig built = LlamaConfig.builder().hiddenSize(64).intermediateSize(172).numHiddenLayers(5)
                .numAttentionHeads(8).numKeyValueHeads(4).vocabSize(512).maxPositionEmbeddings(512)
                .tieWordEmbeddings(true).bosTokenId(1).eosTokenId(2).build();
        assertEquals(parsed, built);
        assertEquals(parsed.toBuilder().numHiddenLayers(2).build().numHiddenLayers(), 2);
    }
}
