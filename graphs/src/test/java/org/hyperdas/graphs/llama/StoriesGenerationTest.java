package org.hyperdas.graphs.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation from the real stories260K model (weights read in place from its safetensors). */
class StoriesGenerationTest {
    /** README.md of the model: greedy from BOS alone, BOS included. */
    private static final long[] FIRST_16 = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};
    private static final String SENTENCE =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";
    private static HfModel model;
    private static Generator cached;

    @BeforeAll
    static void open() throws Exception {
        model = HfModel.open(SharedData.require("models/stories260K"));
        cached = Generator.open(model, OrtEngine.cpu());
    }

    @AfterAll
    static void close() throws Exception {
        if (cached != null) {
            cached.close();
        }
        if (model != null) {
            model.close();
        }
    }

    private static long[] withBos(long[] generated) {
        long[] out = new long[generated.length + 1];
        out[0] = 1;
        System.arraycopy(generated, 0, out, 1, generated.length);
        return out;
    }

    private static List<long[]> bosOnly(int batch) {
        return Collections.nCopies(batch, new long[] {1});
    }

    @Test
    void greedyFromBosReproducesTheReadme() throws Exception {
        List<Long> streamed = new ArrayList<>();
        Generator.Result r = cached.generate(bosOnly(1), GenerationOptions.greedy(40),
                (row, token) -> streamed.add(token));
        long[] ids = withBos(r.tokens().get(0));
        assertArrayEquals(FIRST_16, Arrays.copyOf(ids, 16));
        String text = model.tokenizer().decode(ids, true);
        assertTrue(text.startsWith(SENTENCE), text);
        assertEquals(Arrays.stream(r.tokens().get(0)).boxed().toList(), streamed);
        assertEquals(40, r.steps());
    }

    /** A Hugging Face cache snapshot: every file a symlink into ../../blobs. */
    @Test
    void huggingFaceCacheLayoutWithSymlinkedFilesWorks(@TempDir Path cache) throws Exception {
        Path blobs = Files.createDirectories(cache.resolve("models--karpathy--stories260K/blobs"));
        Path snapshot = Files.createDirectories(cache.resolve("models--karpathy--stories260K/snapshots/abc123"));
        for (String name : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            Path blob = blobs.resolve("sha-" + name.hashCode());
            Files.copy(model.folder().resolve(name), blob);
            Files.createSymbolicLink(snapshot.resolve(name), Path.of("../../blobs").resolve(blob.getFileName()));
        }
        try (HfModel linked = HfModel.open(snapshot); Generator gen = Generator.open(linked, OrtEngine.cpu())) {
            long[] ids = withBos(gen.generate(bosOnly(1), GenerationOptions.greedy(15), null).tokens().get(0));
            assertArrayEquals(FIRST_16, ids);
        }
    }

    @Test
    void recomputingEveryStepGivesTheSameTokensAsTheCache() throws Exception {
        try (Generator recompute = Generator.open(model.config(), LlamaWeights.external(model.weights()),
                OrtEngine.cpu(), Generator.Mode.RECOMPUTE, Map.of())) {
            List<long[]> prompts = List.of(new long[] {1}, model.tokenizer().encode("The cat sat"));
            Generator.Result a = cached.generate(prompts, GenerationOptions.greedy(30), null);
            Generator.Result b = recompute.generate(prompts, GenerationOptions.greedy(30), null);
            for (int row = 0; row < prompts.size(); row++) {
                assertArrayEquals(b.tokens().get(row), a.tokens().get(row), "row " + row);
            }
        }
    }

    @Test
    void bf16ShardedCopyGivesTheSameFirst40Tokens() throws Exception {
        Path folder = SharedData.require("models/stories260K-bf16-sharded");
        try (HfModel bf16 = HfModel.open(folder); Generator gen = Generator.open(bf16, OrtEngine.cpu())) {
            long[] expected = cached.generate(bosOnly(1), GenerationOptions.greedy(39), null).tokens().get(0);
            long[] actual = gen.generate(bosOnly(1), GenerationOptions.greedy(39), null).tokens().get(0);
            assertArrayEquals(withBos(expected), withBos(actual));
            assertEquals(40, withBos(actual).length);
        }
    }

    @Test
    void leftPaddedBatchGeneratesWhatEachPromptGeneratesAlone() throws Exception {
        List<long[]> prompts = List.of(model.tokenizer().encode("Once upon a time, there was a big dog"),
                new long[] {1}, model.tokenizer().encode("Tom and"));
        GenerationOptions options = GenerationOptions.greedy(25);
        Generator.Result batched = cached.generate(prompts, options, null);
        for (int row = 0; row < prompts.size(); row++) {
            long[] alone = cached.generate(List.of(prompts.get(row)), options, null).tokens().get(0);
            assertArrayEquals(alone, batched.tokens().get(row), "row " + row);
        }
    }

    @Test
    void samplingIsSeededAndTinyTopPIsGreedy() throws Exception {
        GenerationOptions sampled = GenerationOptions.sampled(30, 1.0, 0.9, 42);
        long[] a = cached.generate(bosOnly(1), sampled, null).tokens().get(0);
        long[] b = cached.generate(bosOnly(1), sampled, null).tokens().get(0);
        assertArrayEquals(a, b);
        long[] otherSeed = cached.generate(bosOnly(1), GenerationOptions.sampled(30, 1.0, 0.9, 43), null)
                .tokens().get(0);
        assertFalse(Arrays.equals(a, otherSeed));
        long[] greedy = cached.generate(bosOnly(1), GenerationOptions.greedy(30), null).tokens().get(0);
        long[] nucleusOfOne = cached.generate(bosOnly(1), GenerationOptions.sampled(30, 1.0, 1e-9, 7), null)
                .tokens().get(0);
        assertArrayEquals(greedy, nucleusOfOne);
        // Rows of one batch draw different samples.
        Generator.Result two = cached.generate(bosOnly(2), GenerationOptions.sampled(30, 1.5, 1.0, 5), null);
        assertNotEquals(Arrays.toString(two.tokens().get(0)), Arrays.toString(two.tokens().get(1)));
    }

    @Test
    void eachRowStopsAtItsStopToken() throws Exception {
        // Greedy from BOS emits 403 407 261 ...; stopping at 407 ends after two tokens.
        GenerationOptions options = GenerationOptions.greedy(20).withStopTokens(Set.of(407L));
        Generator.Result r = cached.generate(List.of(new long[] {1}, model.tokenizer().encode("Tom and")), options,
                null);
        assertArrayEquals(new long[] {403, 407}, r.tokens().get(0));
        assertTrue(r.stopped()[0]);
        long[] other = r.tokens().get(1);
        assertTrue(other.length == 20 || other[other.length - 1] == 407);
    }

    /**
     * Not a timed assertion: prints greedy throughput for the report, with one intra-op thread and
     * with all cores (for a model this small, ONNX Runtime's thread-pool synchronisation costs more
     * than a second thread gains).
     */
    @Test
    void printGreedyTokensPerSecond() throws Exception {
        int newTokens = 200;
        GenerationOptions options = GenerationOptions.greedy(newTokens).withStopTokens(Set.of());
        int cores = Runtime.getRuntime().availableProcessors();
        for (int threads : new int[] {1, cores}) {
            try (Generator gen = Generator.open(model.config(), LlamaWeights.external(model.weights()),
                    OrtEngine.cpu().withIntraOpThreads(threads), Generator.Mode.KV_CACHE, Map.of())) {
                gen.generate(bosOnly(1), GenerationOptions.greedy(10), null); // warm-up
                for (int batch : new int[] {1, 16}) {
                    Generator.Result r = gen.generate(bosOnly(batch), options, null);
                    assertEquals((long) batch * newTokens, r.generatedTokens());
                    System.out.printf("stories260K greedy, KV cache, %d thread(s), batch %2d: %d tokens in %.2f s"
                            + " = %.0f tokens/s%n", threads, batch, r.generatedTokens(), r.nanos() / 1e9,
                            r.tokensPerSecond());
                }
            }
        }
    }
}
