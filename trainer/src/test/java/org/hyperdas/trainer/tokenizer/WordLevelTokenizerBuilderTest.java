package org.hyperdas.trainer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.trainer.knowledge.KnowledgeCorpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The word-level tokenizer built from the embedded RAVEL data, loaded by DJL (the Rust tokenizers
 * library): every sentence and instruction round-trips without an unknown token, the Java
 * pre-tokenizer splits exactly as the Rust one, and multi-word names are several tokens.
 */
class WordLevelTokenizerBuilderTest {
    @TempDir
    static Path dir;

    private static List<RavelDataset> datasets;
    private static List<String> texts;
    private static WordLevelTokenizerBuilder.Built built;
    private static HfTokenizer tokenizer;

    @BeforeAll
    static void build() throws Exception {
        datasets = List.of(RavelLoader.loadEmbedded("city"), RavelLoader.loadEmbedded("physical_object"));
        KnowledgeCorpus corpus = KnowledgeCorpus.of(datasets);
        texts = new ArrayList<>();
        corpus.vocabularyTexts().forEach(texts::add);
        WordLevelTokenizerBuilder b = new WordLevelTokenizerBuilder();
        b.addAll(texts);
        built = b.build();
        built.write(dir);
        tokenizer = HfTokenizer.open(dir.resolve("tokenizer.json"));
    }

    @Test
    void everyTemplateEntityAndValueRoundTripsThroughDjl() {
        assertTrue(texts.size() > 15_000, "texts: " + texts.size());
        HfTokenizer.Encoded[] enc = tokenizer.tokenizeBatch(texts, true);
        for (int i = 0; i < texts.size(); i++) {
            long[] ids = enc[i].ids();
            assertEquals(WordLevelTokenizerBuilder.BOS_ID, ids[0], texts.get(i));
            for (int j = 1; j < ids.length; j++) {
                assertTrue(ids[j] != WordLevelTokenizerBuilder.UNK_ID, "unknown token in: " + texts.get(i));
            }
            assertEquals(texts.get(i), tokenizer.decode(ids, true), "round trip");
            // The Java pre-tokenizer (which built the vocabulary) splits exactly as the Rust one.
            List<String> pieces = enc[i].tokens().subList(1, ids.length);
            assertEquals(WordLevelTokenizerBuilder.preTokenize(texts.get(i)), pieces, texts.get(i));
        }
    }

    @Test
    void multiWordEntityNamesAreSeveralTokens() {
        int multi = 0;
        for (RavelDataset ds : datasets) {
            for (Entity e : ds.entities()) {
                int words = e.name().trim().split("\\s+").length;
                long[] ids = tokenizer.encode("The city of " + e.name(), false);
                long[] prefix = tokenizer.encode("The city of", false);
                int entityTokens = ids.length - prefix.length;
                assertTrue(entityTokens >= words, e.name() + ": " + entityTokens + " tokens for " + words + " words");
                if (words > 1) {
                    multi++;
                }
            }
        }
        assertTrue(multi > 20, "multi-word names in the embedded data: " + multi);
        assertEquals(List.of("ĠAddis", "ĠAbaba"), tokenizer.tokenize(" Addis Ababa", false).tokens());
    }

    @Test
    void specialTokensAndConfig() throws Exception {
        assertEquals(1, tokenizer.bosId().orElse(-1));
        assertEquals(2, tokenizer.eosId().orElse(-1));
        assertEquals(built.vocabSize(), tokenizer.vocabSize());
        assertEquals("<unk>", tokenizer.token(0));
        assertTrue(Files.readString(dir.resolve("tokenizer_config.json")).contains("\"eos_token\":\"</s>\""));
        // Unknown words become <unk>; text with a multi-byte character decodes back.
        assertArrayEquals(new long[] {1, 0}, tokenizer.encode("Zyxwvut"));
        assertTrue(texts.stream().anyMatch(t -> !t.chars().allMatch(c -> c < 128)), "non-ASCII text in the data");
    }

    @Test
    void theSameCorpusGivesTheSameFile() {
        WordLevelTokenizerBuilder again = new WordLevelTokenizerBuilder();
        again.addAll(texts);
        assertEquals(built.tokenizerJson(), again.build().tokenizerJson());
        // GPT-2's byte-level alphabet: a leading space is "Ġ", UTF-8 bytes of "á" (C3 A1) are "Ã¡".
        assertEquals(List.of("Q", ":", "ĠWhich", "Ġcountry", "Ġis", "ĠBogot\u00c3\u00a1", "Ġin", "?", "ĠA", ":"),
                WordLevelTokenizerBuilder.preTokenize("Q: Which country is Bogot\u00e1 in? A:"));
    }
}
