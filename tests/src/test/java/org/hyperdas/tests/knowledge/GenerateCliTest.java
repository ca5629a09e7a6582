package org.hyperdas.tests.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;

/** {@code hyperdas-run generate} on the real stories260K model (skipped without ../shared). */
class GenerateCliTest {
    @Test
    void greedyContinuesThePromptAsTheModelsReadmeSays() {
        Path model = SharedData.require("models/stories260K");
        KnowledgeCli.Result r = KnowledgeCli.run("generate", "--model", model.toString(), "--prompt",
                "Once upon a time, there was", "--max-new-tokens", "8", "--greedy");
        assertEquals(0, r.code(), r.err());
        // The model's README: greedy from BOS gives "Once upon a time, there was a little girl named Lily. ..."
        assertTrue(r.out().startsWith("Once upon a time, there was a little girl named Lily"), r.out());
        assertTrue(r.err().contains("8 tokens (max new tokens)"), r.err());
        KnowledgeCli.Result quiet = KnowledgeCli.run("generate", "--model", model.toString(), "--prompt",
                "Once upon a time, there was", "--max-new-tokens", "8", "--no-prompt");
        assertEquals(r.out().substring("Once upon a time, there was".length()), quiet.out());
    }

    @Test
    void samplingIsReproducibleWithASeed() {
        Path model = SharedData.require("models/stories260K");
        String[] args = {"generate", "--model", model.toString(), "--prompt", "Once upon a time", "--temperature",
            "1.0", "--top-p", "0.9", "--seed", "42", "--max-new-tokens", "20"};
        KnowledgeCli.Result a = KnowledgeCli.run(args);
        KnowledgeCli.Result b = KnowledgeCli.run(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        assertTrue(a.out().startsWith("Once upon a time"), a.out());
    }

    @Test
    void badFlagsExitWithTwo() {
        Path model = SharedData.require("models/stories260K");
        String[][] cases = {
            {"generate", "--model", model.toString(), "--prompt", "x", "--greedy", "--temperature", "0.7"},
            {"generate", "--model", model.toString(), "--prompt", "x", "--temperature", "-1"},
            {"generate", "--model", model.toString(), "--prompt", "x", "--temperature", "1", "--top-p", "0"},
            {"generate", "--model", model.toString(), "--prompt", "x", "--max-new-tokens", "-3"},
            {"generate", "--model", model.resolve("missing").toString(), "--prompt", "x"},
            {"generate", "--model", model.toString()},
        };
        for (String[] c : cases) {
            KnowledgeCli.Result r = KnowledgeCli.run(c);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
        }
    }
}
