package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A random Llama 3 shaped model (the real Llama 3 tokenizer and vocabulary, 2 narrow layers) from
 * {@code init-model}, taken through the whole product: {@code train} (HyperDAS, a few steps; the
 * random target knows no RAVEL fact, so {@code --no-knowledge-filter}), {@code export --verify}
 * and {@code infer}.
 */
class InitModelCliTest {
    private static final String CONFIG = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
            + " \"hidden_size\": 64, \"intermediate_size\": 192, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
            + " \"num_key_value_heads\": 2, \"vocab_size\": 128256, \"rms_norm_eps\": 1e-5, \"rope_theta\": 500000.0,"
            + " \"max_position_embeddings\": 1024, \"tie_word_embeddings\": true, \"bos_token_id\": 128000,"
            + " \"eos_token_id\": 128001}";

    @Test
    void randomLlama3ShapedModelTrainsExportsVerifiesAndInfers(@TempDir Path dir) throws Exception {
        Path tokenizer = SharedData.require("tokenizers/llama3");
        Path configFile = dir.resolve("tiny-config.json");
        Files.writeString(configFile, CONFIG);
        Path model = dir.resolve("model");
        Cli.Result init = Cli.run("init-model", "--like", configFile.toString(), "--tokenizer", tokenizer.toString(),
                "--dtype", "f32", "--seed", "1", "--out", model.toString());
        assertEquals(0, init.code(), init.err());
        JsonNode config = new ObjectMapper().readTree(model.resolve("config.json").toFile());
        assertTrue(config.path("hyperdas_random_init").asBoolean(), config.toString());
        assertEquals(128256, config.path("vocab_size").asInt());

        Path run = dir.resolve("run");
        Cli.Result train = Cli.run("train", "--model", model.toString(), "--no-knowledge-filter",
                "--entity-types", "city", "--attributes", "Country", "--train-per-kind", "8", "--eval-per-kind", "4",
                "--epochs", "1", "--batch-size", "4", "--k", "4", "--hypernet-layers", "1", "--layer", "1",
                "--max-steps", "3", "--baselines", "none", "--out", run.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(Files.readString(run.resolve("hyperdas-soft").resolve(RunFolder.CONFIG)).contains("\"steps_done\" : 3"),
                "--max-steps 3 stops after 3 of the epoch's 4 steps");
        // Per-type scope: the city hypernetwork's own run is the one to export.
        Path soft = run.resolve("types").resolve("city").resolve("hyperdas-soft");
        for (String f : RunFolder.FILES) {
            assertTrue(Files.isRegularFile(soft.resolve(f)), f);
        }

        Path export = dir.resolve("export");
        Cli.Result exp = Cli.run("export", "--run", soft.toString(), "--out", export.toString(), "--verify");
        assertEquals(0, exp.code(), exp.err() + exp.out());
        assertTrue(exp.out().contains("identical: 16/16 predictions"), exp.out());

        Cli.Result infer = Cli.run("infer", "--export", export.toString(), "--base",
                "Paris is a city in the country of", "--source", "Tokyo is a city in the country of",
                "--instruction", "Paris ; Tokyo - Country", "--max-new-tokens", "2");
        assertEquals(0, infer.code(), infer.err());
        assertTrue(infer.out().contains("base answer:") && infer.out().contains("intervened answer:")
                && infer.out().contains("\"Paris\"@1"), infer.out());
    }

    /**
     * The 8B preset as a config alone, planned: the numbers follow the config (32 layers, 4096
     * hidden), an 8-layer hypernetwork is bigger than a 2-layer one, a plan that fits in 80 GB does
     * not in 8 GB, and for cuda the state crosses PCIe once per call rather than once per step.
     */
    @Test
    void configOnlyEightBIsPlanned(@TempDir Path dir) throws Exception {
        Path tokenizer = SharedData.require("tokenizers/llama3");
        Path model = dir.resolve("llama-3-8b");
        Cli.Result init = Cli.run("init-model", "--like", "llama-3-8b", "--tokenizer", tokenizer.toString(),
                "--config-only", "--out", model.toString());
        assertEquals(0, init.code(), init.err());
        assertTrue(Files.isRegularFile(model.resolve("config.json")));
        assertTrue(Files.notExists(model.resolve("model.safetensors")));
        JsonNode config = new ObjectMapper().readTree(model.resolve("config.json").toFile());
        assertEquals(32, config.path("num_hidden_layers").asInt());
        assertEquals(14336, config.path("intermediate_size").asInt());
        assertEquals(false, config.path("tie_word_embeddings").asBoolean(true));

        Cli.Result big = Cli.run("plan", "--model", model.toString(), "--hypernet-layers", "8", "--device", "cuda",
                "--memory", "80000g");
        assertEquals(0, big.code(), big.err());
        assertTrue(big.out().contains("32 layers, hidden 4096, 8,030,261,248 parameters"), big.out());
        assertTrue(big.out().contains(": fits"), big.out());
        assertTrue(big.out().contains("PCIe per step"), big.out());
        Cli.Result small = Cli.run("plan", "--model", model.resolve("config.json").toString(), "--hypernet-layers",
                "8", "--memory", "8g");
        assertEquals(0, small.code(), small.err());
        assertTrue(small.out().contains("does NOT fit") && small.out().contains("no hypernetwork depth fits"),
                small.out());
        Cli.Result bad = Cli.run("plan", "--model", model.toString(), "--hypernet-layers", "33");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--hypernet-layers 33"), bad.err());
    }
}
