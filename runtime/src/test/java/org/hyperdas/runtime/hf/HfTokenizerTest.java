package org.hyperdas.runtime.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    private static final String LILY = "Once upon a time, there was a little girl named Lily.";

    @Test
    void stories260KMatchesTheReadmeIds() {
        Path tok = SharedData.require("models/stories260K/tokenizer.json");
        try (HfTokenizer t = HfTokenizer.open(tok)) {
            // README: greedy output from BOS; its first 16 positions are exactly this sentence.
            long[] expected = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};
            HfTokenizer.Encoded e = t.tokenize(LILY);
            assertArrayEquals(expected, e.ids());
            assertEquals(16, e.tokens().size());
            assertEquals("<s>", e.tokens().get(0));
            assertEquals("▁Once", e.tokens().get(1));
            assertFalse(t.prependsBos(), "BOS comes from the tokenizer.json TemplateProcessing");
            long[] plain = t.encode(LILY, false);
            assertArrayEquals(java.util.Arrays.copyOfRange(expected, 1, 16), plain);
            assertEquals(LILY, t.decode(plain));
            assertEquals(LILY, t.decode(expected, true));
            assertEquals("<s> " + LILY, t.decode(expected));
            assertEquals(512, t.vocabSize());
            assertEquals(1L, t.bosId().orElseThrow());
            assertEquals(2L, t.eosId().orElseThrow());
            assertEquals("▁Lily", t.token(317));
            assertEquals(317L, t.id("▁Lily"));
            assertTrue(t.isSpecial(1));
            assertFalse(t.isSpecial(403));
            assertEquals(List.of("<s>", "Once", "upon"), t.pieces(new long[] {1, 403, 407}));
        }
    }

    @Test
    void llama3AddsBosAndKnownIds() {
        Path tok = SharedData.require("tokenizers/llama3/tokenizer.json");
        try (HfTokenizer t = HfTokenizer.open(tok)) {
            assertEquals(128256, t.vocabSize());
            assertEquals(128000L, t.bosId().orElseThrow());
            assertEquals(128001L, t.eosId().orElseThrow());
            long[] ids = t.encode("The capital of France is Paris.");
            assertArrayEquals(new long[] {128000, 791, 6864, 315, 9822, 374, 12366, 13}, ids);
            assertEquals("<|begin_of_text|>", t.tokenize("x").tokens().get(0));
            assertEquals("<|begin_of_text|>The capital of France is Paris.", t.decode(ids));
            assertEquals("The capital of France is Paris.", t.decode(ids, true));
            // No silent truncation of long inputs.
            assertEquals(3001, t.encode("word ".repeat(3000), false).length);
        }
    }

    @Test
    void llama3RoundTripsEveryRavelTemplate() throws IOException {
        Path tok = SharedData.require("tokenizers/llama3/tokenizer.json");
        Path data = SharedData.require("ravel/data");
        ObjectMapper json = new ObjectMapper();
        String[] types = {"city", "nobel_prize_winner", "occupation", "physical_object", "verb"};
        int checked = 0;
        try (HfTokenizer t = HfTokenizer.open(tok)) {
            for (String type : types) {
                JsonNode prompts = json.readTree(data.resolve("ravel_" + type + "_attribute_to_prompts.json").toFile());
                JsonNode entities = json.readTree(data.resolve("ravel_" + type + "_entity_attributes.json").toFile());
                List<String> names = new ArrayList<>();
                entities.fieldNames().forEachRemaining(names::add);
                assertFalse(names.isEmpty(), type);
                List<String> texts = new ArrayList<>();
                int k = 0;
                for (Iterator<Map.Entry<String, JsonNode>> it = prompts.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> attr = it.next();
                    for (JsonNode template : attr.getValue()) {
                        String tpl = template.textValue();
                        assertTrue(tpl.contains("%s"), tpl);
                        // Walk the entities with a prime stride so each template meets a different one
                        // (non-ASCII names included), and fill every template twice.
                        for (int rep = 0; rep < 2; rep++) {
                            String entity = names.get((int) ((k * 7919L) % names.size()));
                            texts.add(tpl.replace("%s", entity));
                            k++;
                        }
                    }
                }
                HfTokenizer.Encoded[] plain = t.tokenizeBatch(texts, false);
                HfTokenizer.Encoded[] withBos = t.tokenizeBatch(texts, true);
                for (int i = 0; i < texts.size(); i++) {
                    String s = texts.get(i);
                    long[] ids = plain[i].ids();
                    assertEquals(s, t.decode(ids), "round trip of " + s);
                    assertEquals(ids.length + 1, withBos[i].length(), s);
                    assertEquals(128000L, withBos[i].ids()[0], s);
                    checked++;
                }
            }
        }
        // 273 + 301 + 92 + 165 + 359 templates, two fillings each.
        assertEquals(2 * (273 + 301 + 92 + 165 + 359), checked);
    }

    @Test
    void missingTokenizerFile(@TempDir Path dir) {
        Path p = dir.resolve("tokenizer.json");
        String m = assertThrows(BadInputException.class, () -> HfTokenizer.open(p)).getMessage();
        assertTrue(m.contains(p.toString()) && m.contains("no such file"), m);
    }

    @Test
    void notATokenizer(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "{\"version\": \"1.0\"}");
        String m = assertThrows(BadInputException.class, () -> HfTokenizer.open(p)).getMessage();
        assertTrue(m.contains(p.toString()) && m.contains("'model'"), m);
    }

    /** A tiny word-level tokenizer.json whose template prepends {@code <s>}; {@code specials} is its special_tokens. */
    private static String templated(String specials) {
        return "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [{\"id\": 1,"
                + " \"content\": \"<s>\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false,"
                + " \"normalized\": false, \"special\": true}], \"normalizer\": null,"
                + " \"pre_tokenizer\": {\"type\": \"Whitespace\"}, \"post_processor\": {\"type\": \"TemplateProcessing\","
                + " \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\","
                + " \"type_id\": 0}}], \"pair\": [{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], \"special_tokens\": "
                + specials + "}, \"decoder\": null, \"model\": {\"type\": \"WordLevel\", \"vocab\": {\"<unk>\": 0,"
                + " \"<s>\": 1, \"a\": 2}, \"unk_token\": \"<unk>\"}}";
    }

    @Test
    void aTemplateNamingAnUndeclaredSpecialTokenIsRejectedBeforeTheNativeLibrarySeesIt(@TempDir Path dir)
            throws IOException {
        // The native library loads this file, then aborts the JVM on the first encode.
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, templated("{}"));
        String m = assertThrows(BadInputException.class, () -> HfTokenizer.open(bad)).getMessage();
        assertTrue(m.contains(bad.toString()) && m.contains("post_processor.single") && m.contains("'<s>'"), m);

        Path good = dir.resolve("good.json");
        Files.writeString(good, templated("{\"<s>\": {\"id\": \"<s>\", \"ids\": [1], \"tokens\": [\"<s>\"]}}"));
        try (HfTokenizer t = HfTokenizer.open(good)) {
            assertArrayEquals(new long[] {1, 2}, t.encode("a"));
        }
    }

    @Test
    void outOfRangeIdsAreRejected() {
        Path tok = SharedData.require("models/stories260K/tokenizer.json");
        try (HfTokenizer t = HfTokenizer.open(tok)) {
            String m = assertThrows(BadInputException.class, () -> t.decode(new long[] {5, 512})).getMessage();
            assertTrue(m.contains("512") && m.contains("0..511"), m);
        }
    }
}
