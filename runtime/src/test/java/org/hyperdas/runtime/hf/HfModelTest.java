package org.hyperdas.runtime.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfModelTest {
    @TempDir
    Path dir;

    @Test
    void stories260K() {
        try (HfModel m = HfModel.open(SharedData.require("models/stories260K"))) {
            LlamaConfig c = m.config();
            assertEquals("LlamaForCausalLM", m.architecture());
            assertEquals(5, c.numHiddenLayers());
            assertEquals(64, c.hiddenSize());
            assertEquals(8, c.numAttentionHeads());
            assertEquals(4, c.numKeyValueHeads());
            assertEquals(512, c.vocabSize());
            assertEquals(DType.F32, m.dtype());
            assertEquals(47, m.tensorCount());
            assertEquals(260_032L, m.parameterCount());
            assertEquals(512, m.tokenizer().vocabSize());
            assertEquals(List.of(1), c.bosTokenId());
            assertEquals(List.of(2), c.eosTokenId());
            assertEquals(List.of(), m.unexpectedTensors());
        }
    }

    @Test
    void stories260KBf16Sharded() {
        try (HfModel m = HfModel.open(SharedData.require("models/stories260K-bf16-sharded"))) {
            assertEquals(5, m.config().numHiddenLayers());
            assertEquals(64, m.config().hiddenSize());
            assertEquals(8, m.config().numAttentionHeads());
            assertEquals(4, m.config().numKeyValueHeads());
            assertEquals(512, m.config().vocabSize());
            assertEquals(DType.BF16, m.dtype());
            assertEquals("bfloat16", m.config().torchDtype());
            assertEquals(2, m.weights().files().size());
            assertEquals(47, m.tensorCount());
            assertEquals(260_032L, m.parameterCount());
        }
    }

    /** A copy of stories260K minus the {@code drop} tensors, plus what {@code extra} adds. */
    private Path copyStories(java.util.function.Consumer<SafetensorsWriter> extra, String... drop) throws IOException {
        Path src = SharedData.require("models/stories260K");
        Path out = dir.resolve("model");
        Files.createDirectories(out);
        Files.copy(src.resolve("config.json"), out.resolve("config.json"));
        Files.copy(src.resolve("tokenizer.json"), out.resolve("tokenizer.json"));
        try (SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
            for (TensorInfo t : f.tensors().values()) {
                if (!List.of(drop).contains(t.name())) {
                    w.add(t.name(), t.dtype(), t.shape(), f.bytes(t.name()));
                }
            }
            extra.accept(w);
            w.write(out.resolve("model.safetensors"));
        }
        return out;
    }

    @Test
    void allTensorProblemsAreListedInOneMessage() throws IOException {
        Path folder = copyStories(w -> {
            w.addF32("model.norm.weight", new long[] {32}, new float[32]);
            w.addF32("model.layers.0.self_attn.k_proj.weight", new long[] {64, 64}, new float[64 * 64]);
            w.add("model.layers.1.input_layernorm.weight", DType.I32, new long[] {64}, new byte[64 * 4]);
        }, "model.layers.4.mlp.up_proj.weight", "model.norm.weight",
                "model.layers.0.self_attn.k_proj.weight", "model.layers.1.input_layernorm.weight");
        String m = assertThrows(BadInputException.class, () -> HfModel.open(folder)).getMessage();
        String[] parts = {
            folder.resolve("model.safetensors").toString(),
            "4 tensor problems",
            "missing model.layers.4.mlp.up_proj.weight",
            "model.norm.weight has shape [32], expected [64]",
            "model.layers.0.self_attn.k_proj.weight has shape [64, 64], expected [32, 64]",
            "model.layers.1.input_layernorm.weight has dtype I32, expected a floating-point dtype",
        };
        for (String p : parts) {
            assertTrue(m.contains(p), () -> "expected \"" + p + "\" in: " + m);
        }
    }

    @Test
    void weightsForAnotherConfigAreRejected() throws IOException {
        Path folder = copyStories(w -> { });
        // Claim 6 layers: the 9 tensors of layer 5 are missing, and the message counts all of them.
        String cfg = Files.readString(folder.resolve("config.json"))
                .replace("\"num_hidden_layers\": 5", "\"num_hidden_layers\": 6");
        Files.writeString(folder.resolve("config.json"), cfg);
        String m = assertThrows(BadInputException.class, () -> HfModel.open(folder)).getMessage();
        assertTrue(m.contains("9 tensor problems"), m);
        assertTrue(m.contains("missing model.layers.5.self_attn.q_proj.weight"), m);
        assertTrue(m.contains("missing model.layers.5.mlp.down_proj.weight"), m);
    }

    @Test
    void extraTensorsAreToleratedAndListed() throws IOException {
        Path folder = copyStories(w -> w.addF32("model.layers.0.self_attn.rotary_emb.inv_freq",
                new long[] {4}, new float[] {1, 0.1f, 0.01f, 0.001f}));
        try (HfModel m = HfModel.open(folder)) {
            assertEquals(List.of("model.layers.0.self_attn.rotary_emb.inv_freq"), m.unexpectedTensors());
            assertEquals(48, m.tensorCount());
            assertEquals(260_036L, m.parameterCount());
        }
    }

    @Test
    void missingTokenizerIsAClearError() throws IOException {
        Path folder = copyStories(w -> { });
        Files.delete(folder.resolve("tokenizer.json"));
        String m = assertThrows(BadInputException.class, () -> HfModel.open(folder)).getMessage();
        assertTrue(m.startsWith(folder.resolve("tokenizer.json") + ": missing"), m);
    }

    @Test
    void missingConfigIsAClearError() throws IOException {
        Path folder = copyStories(w -> { });
        Files.delete(folder.resolve("config.json"));
        String m = assertThrows(BadInputException.class, () -> HfModel.open(folder)).getMessage();
        assertTrue(m.startsWith(folder.resolve("config.json") + ": no such file"), m);
    }

    @Test
    void configWithMissingFieldInAModelFolder() throws IOException {
        Path folder = copyStories(w -> { });
        String cfg = Files.readString(folder.resolve("config.json")).replace("\"vocab_size\": 512,", "");
        Files.writeString(folder.resolve("config.json"), cfg);
        String m = assertThrows(BadInputException.class, () -> HfModel.open(folder)).getMessage();
        assertEquals(folder.resolve("config.json") + ": field 'vocab_size': expected a positive integer, "
                + "found nothing (field missing)", m);
    }
}
