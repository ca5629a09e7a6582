package org.hyperdas.runtime.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightStoreTest {
    @TempDir
    Path dir;

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected \"" + part + "\" in: " + message);
        }
    }

    @Test
    void singleFileStories260K() {
        try (WeightStore w = WeightStore.open(SharedData.require("models/stories260K"))) {
            assertEquals(1, w.files().size());
            assertTrue(w.indexFile().isEmpty());
            assertEquals(47, w.tensorCount());
            assertEquals(260_032L, w.parameterCount());
            assertEquals(Map.of(DType.F32, 260_032L), w.parameterCountByDType());
        }
    }

    @Test
    void shardedBf16Stories260K() {
        Path folder = SharedData.require("models/stories260K-bf16-sharded");
        try (WeightStore w = WeightStore.open(folder)) {
            assertEquals(2, w.files().size());
            assertEquals(folder.resolve(WeightStore.INDEX_FILE), w.indexFile().orElseThrow());
            assertEquals(47, w.tensorCount());
            assertEquals(260_032L, w.parameterCount());
            assertEquals(Map.of(DType.BF16, 260_032L), w.parameterCountByDType());
            // The index decides the shard: layer 2's post-attention norm is in the second one.
            assertEquals("model-00002-of-00002.safetensors",
                    w.fileOf("model.layers.2.post_attention_layernorm.weight").path().getFileName().toString());
            assertEquals("model-00001-of-00002.safetensors",
                    w.fileOf("model.embed_tokens.weight").path().getFileName().toString());
        }
    }

    private void writeShard(String name, String... tensors) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (String t : tensors) {
            w.addF32(t, new long[] {2}, new float[] {1, 2});
        }
        w.write(dir.resolve(name));
    }

    @Test
    void indexNamingAMissingShard() throws IOException {
        writeShard("model-00001-of-00002.safetensors", "a");
        Path index = dir.resolve(WeightStore.INDEX_FILE);
        Files.writeString(index, "{\"metadata\":{},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
                + "\"b\":\"model-00002-of-00002.safetensors\"}}");
        String m = assertThrows(BadInputException.class, () -> WeightStore.open(dir)).getMessage();
        assertContains(m, index.toString(), "shard 'model-00002-of-00002.safetensors'", "missing", "e.g. b");
    }

    @Test
    void indexNamingATensorTheShardLacks() throws IOException {
        writeShard("s1.safetensors", "a");
        Path index = dir.resolve(WeightStore.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"c\":\"s1.safetensors\"}}");
        String m = assertThrows(BadInputException.class, () -> WeightStore.open(dir)).getMessage();
        assertContains(m, index.toString(), "tensor 'c'", "s1.safetensors", "no such tensor");
    }

    @Test
    void indexWithoutWeightMap() throws IOException {
        Path index = dir.resolve(WeightStore.INDEX_FILE);
        Files.writeString(index, "{\"metadata\":{}}");
        String m = assertThrows(BadInputException.class, () -> WeightStore.open(dir)).getMessage();
        assertContains(m, index.toString(), "'weight_map'", "expected an object");
    }

    @Test
    void shardOutsideTheFolderIsRejected() throws IOException {
        Path index = dir.resolve(WeightStore.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        String m = assertThrows(BadInputException.class, () -> WeightStore.open(dir)).getMessage();
        assertContains(m, index.toString(), "../elsewhere.safetensors", "inside");
    }

    @Test
    void folderWithoutWeights() {
        String m = assertThrows(BadInputException.class, () -> WeightStore.open(dir)).getMessage();
        assertContains(m, dir.toString(), "model.safetensors", "model.safetensors.index.json");
    }

    @Test
    void unindexedTensorsInShardsAreKeptAndIndexedOnesMerged() throws IOException {
        writeShard("s1.safetensors", "a", "extra");
        writeShard("s2.safetensors", "b");
        Files.writeString(dir.resolve(WeightStore.INDEX_FILE),
                "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
        try (WeightStore w = WeightStore.open(dir)) {
            assertEquals(java.util.List.of("a", "b", "extra"), java.util.List.copyOf(w.tensors().keySet()));
            assertEquals(2f, w.float32("b").get(1));
        }
    }

    @Test
    void aSingleFilePathWorks() throws IOException {
        writeShard("x.safetensors", "t");
        try (WeightStore w = WeightStore.open(dir.resolve("x.safetensors"))) {
            assertEquals(1, w.tensorCount());
        }
    }
}
