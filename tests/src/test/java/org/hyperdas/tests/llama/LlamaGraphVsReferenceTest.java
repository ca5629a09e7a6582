package org.hyperdas.tests.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.llama.GenerationOptions;
import org.hyperdas.graphs.llama.Generator;
import org.hyperdas.graphs.llama.LlamaGraphs;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.tests.reference.ReferenceLlama;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX graph built by LlamaBuilder (weights read in place from a written safetensors folder)
 * against the plain-Java ReferenceLlama, on random tiny models covering every config feature, with
 * left-, right- and un-padded rows in one batch. Only real (mask 1) positions are compared: padding
 * positions hold garbage by definition.
 */
class LlamaGraphVsReferenceTest {
    private static final double TOLERANCE = 1e-4;
    private static final long[][] IDS = {
        {0, 0, 0, 1, 17, 42, 8, 91, 33, 5},
        {1, 60, 61, 62, 2, 9, 12, 0, 0, 0},
        {1, 3, 95, 40, 40, 40, 7, 81, 64, 22}};
    private static final long[][] MASK = {
        {0, 0, 0, 1, 1, 1, 1, 1, 1, 1},
        {1, 1, 1, 1, 1, 1, 1, 0, 0, 0},
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};

    record Case(String name, ReferenceLlama.Model model) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> models() {
        LlamaConfig withBiases = ReferenceLlama.randomTiny(0, true, true, true).config().toBuilder()
                .attentionBias(true).mlpBias(true).numHiddenLayers(3).build();
        return Stream.of(
                new Case("GQA 8/2, untied, llama3 scaling", ReferenceLlama.randomTiny(1, true, true, true)),
                new Case("MHA 8/8, tied, no scaling", ReferenceLlama.randomTiny(2, false, false, false)),
                new Case("GQA 8/2, tied, llama3 scaling", ReferenceLlama.randomTiny(3, true, false, true)),
                new Case("3 layers with attention and MLP biases", ReferenceLlama.random(withBiases, 4)));
    }

    private static long[] flat(long[][] rows) {
        return Stream.of(rows).flatMapToLong(Arrays::stream).toArray();
    }

    /** Max |graph - reference| over real positions; {@code graph} is [batch, seq, width] row-major. */
    private static double maxDiffAtRealPositions(double[] graph, float[][][] reference) {
        double worst = 0;
        int seq = reference[0].length;
        int width = reference[0][0].length;
        for (int b = 0; b < reference.length; b++) {
            for (int t = 0; t < seq; t++) {
                if (MASK[b][t] == 0) {
                    continue;
                }
                for (int i = 0; i < width; i++) {
                    worst = Math.max(worst, Math.abs(graph[(b * seq + t) * width + i] - reference[b][t][i]));
                }
            }
        }
        return worst;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void logitsAndHiddenStatesMatchTheReference(Case c, @TempDir Path dir) throws Exception {
        Path folder = c.model().writeTo(dir.resolve("model"));
        ReferenceLlama reference = c.model().reference();
        ReferenceLlama.Output expected = reference.forward(IDS, MASK);
        try (HfModel model = HfModel.open(folder)) {
            LlamaConfig config = model.config();
            LlamaWeights weights = LlamaWeights.external(model.weights());
            Map<String, HostTensor> feeds = Map.of(
                    LlamaHooks.INPUT_IDS, HostTensor.ofLongs(flat(IDS), IDS.length, IDS[0].length),
                    LlamaHooks.ATTENTION_MASK, HostTensor.ofLongs(flat(MASK), MASK.length, MASK[0].length));
            Map<String, HostTensor> out;
            try (GraphRunner r = GraphRunner.open(LlamaGraphs.hiddenStates(config, weights), folder)) {
                out = r.run(feeds);
            }
            double logitsDiff = maxDiffAtRealPositions(out.get(LlamaHooks.LOGITS).toDoubles(), expected.logits());
            double hiddenDiff = 0;
            for (int layer = 0; layer <= config.numHiddenLayers(); layer++) {
                hiddenDiff = Math.max(hiddenDiff, maxDiffAtRealPositions(
                        out.get(LlamaHooks.residual(layer)).toDoubles(), expected.hiddenStates()[layer]));
            }
            double normedDiff = maxDiffAtRealPositions(out.get(LlamaHooks.LN_FINAL).toDoubles(), expected.finalNormed());
            System.out.printf("%-40s logits %.2e, hidden states %.2e, ln_final %.2e (max abs diff)%n", c,
                    logitsDiff, hiddenDiff, normedDiff);
            assertTrue(logitsDiff < TOLERANCE, c + ": logits differ by " + logitsDiff);
            assertTrue(hiddenDiff < TOLERANCE, c + ": hidden states differ by " + hiddenDiff);
            assertTrue(normedDiff < TOLERANCE, c + ": ln_final differs by " + normedDiff);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void greedyGenerationMatchesTheReference(Case c, @TempDir Path dir) throws Exception {
        Path folder = c.model().writeTo(dir.resolve("model"));
        ReferenceLlama reference = c.model().reference();
        long[] prompt = {1, 17, 42};
        long[] expected = reference.greedy(prompt, 12);
        try (HfModel model = HfModel.open(folder); Generator gen = Generator.open(model, OrtEngine.cpu())) {
            long[] generated = gen.generate(List.of(prompt), GenerationOptions.greedy(12).withStopTokens(Set.of()),
                    null).tokens().get(0);
            long[] actual = new long[prompt.length + generated.length];
            System.arraycopy(prompt, 0, actual, 0, prompt.length);
            System.arraycopy(generated, 0, actual, prompt.length, generated.length);
            assertArrayEquals(expected, actual, c.toString());
        }
    }
}
