package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's foundation commands, run in-process exactly as the launcher runs them. */
class CliFoundationTest {
    @Test
    void helpListsSubcommandsAndVersionWorks() {
        Cli.Result help = Cli.run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("info") && help.out().contains("tokenize"), help.out());
        Cli.Result version = Cli.run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().contains("ONNX Runtime 1.28.0"), version.out());
    }

    @Test
    void infoReportsStories260K() throws Exception {
        Path model = SharedData.require("models/stories260K");
        Cli.Result r = Cli.run("info", "--model", model.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(5, j.get("layers").asInt());
        assertEquals(64, j.get("hidden_size").asInt());
        assertEquals(8, j.get("attention_heads").asInt());
        assertEquals(4, j.get("kv_heads").asInt());
        assertEquals(512, j.get("vocab_size").asInt());
        assertEquals(47, j.get("tensors").asInt());
        assertEquals(260_032L, j.get("parameters").asLong());
        assertEquals("float32", j.get("dtype").asText());
        assertEquals(1, j.get("bos_token_id").get(0).asInt());
        assertEquals(2, j.get("eos_token_id").get(0).asInt());
    }

    @Test
    void infoReportsBf16ShardedCopy() throws Exception {
        Path model = SharedData.require("models/stories260K-bf16-sharded");
        Cli.Result r = Cli.run("info", "--model", model.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(5, j.get("layers").asInt());
        assertEquals(47, j.get("tensors").asInt());
        assertEquals(260_032L, j.get("parameters").asLong());
        assertEquals("bfloat16", j.get("dtype").asText());
        assertEquals(2, j.get("weight_files").asInt());
    }

    @Test
    void tokenizeGivesPublishedIds() {
        Path model = SharedData.require("models/stories260K");
        Cli.Result r = Cli.run("tokenize", "--model", model.toString(),
                "Once upon a time, there was a little girl named Lily.");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426]"),
                r.out());
        assertTrue(r.out().contains("decoded: Once upon a time, there was a little girl named Lily."), r.out());
    }

    @Test
    void badInputExitsWithTwoAndNamesTheFileWithoutStackTrace(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": \"wide\"}");
        Cli.Result r = Cli.run("info", "--model", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("config.json"), r.err());
        assertTrue(r.err().contains("hidden_size"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());

        Cli.Result verbose = Cli.run("info", "--verbose", "--model", dir.toString());
        assertEquals(2, verbose.code());
        assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose: " + verbose.err());
    }

    @Test
    void missingFolderIsBadInput(@TempDir Path dir) {
        Cli.Result r = Cli.run("info", "--model", dir.resolve("absent").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("absent"), r.err());
    }
}
