package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;
import org.junit.jupiter.api.Test;

/**
 * {@link HypernetEmbedding#FROZEN} against the reference's trainable copy on a tiny random target:
 * the same parameters but the embedding, the same model at initialisation (the copy starts as the
 * target's matrix), and one AdamW step that moves every other parameter exactly as the trainable
 * model's step does while the target's embedding stays a constant of the graph.
 */
class HypernetEmbeddingTest {
    private static final LlamaConfig TARGET = HyperDasFixtures.target();
    private static final HyperDasConfig TRAINABLE = HyperDasFixtures.config(TARGET);
    private static final HyperDasConfig FROZEN = TRAINABLE.withHypernetEmbedding(HypernetEmbedding.FROZEN);
    private static final String COPY = HyperDasParameters.HYPERNET + HyperDasParameters.EMBEDDING;
    private static final Map<String, HostTensor> TARGET32 = HyperDasFixtures.targetWeights(TARGET, DType.FLOAT32);

    private static HyperDasGraphs graphs(HyperDasConfig config) {
        return new HyperDasGraphs(TARGET, LlamaWeights.inline(TARGET32), config, DType.FLOAT32);
    }

    @Test
    void referenceTrainsTheCopyAndOptionValuesParse() {
        assertEquals(HypernetEmbedding.TRAINABLE, HyperDasConfig.reference(TARGET).hypernetEmbedding());
        assertEquals(HypernetEmbedding.TRAINABLE, HypernetEmbedding.parse(null));
        assertEquals(HypernetEmbedding.FROZEN, HypernetEmbedding.parse("frozen"));
        BadInputException e = assertThrows(BadInputException.class, () -> HypernetEmbedding.parse("fixed"));
        assertTrue(e.getMessage().contains("--hypernet-embedding") && e.getMessage().contains("trainable or frozen"),
                e.getMessage());
    }

    @Test
    void frozenListsEveryParameterButTheEmbeddingWithTheSameShapesAndInitialValues() {
        Map<String, long[]> trainable = HyperDasParameters.shapes(TARGET, TRAINABLE);
        Map<String, long[]> frozen = HyperDasParameters.shapes(TARGET, FROZEN);
        assertTrue(trainable.containsKey(COPY));
        List<String> expected = new ArrayList<>(trainable.keySet());
        expected.remove(COPY);
        assertEquals(expected, List.copyOf(frozen.keySet()));
        frozen.forEach((name, shape) -> assertArrayEquals(trainable.get(name), shape, name));

        Map<String, double[]> initTrainable = HyperDasParameters.initial(TARGET, TRAINABLE,
                HyperDasParameters.reader(TARGET32));
        Map<String, double[]> initFrozen = HyperDasParameters.initial(TARGET, FROZEN,
                HyperDasParameters.reader(TARGET32));
        assertEquals(expected, List.copyOf(initFrozen.keySet()));
        initFrozen.forEach((name, v) -> assertArrayEquals(initTrainable.get(name), v, 0.0, name));
    }

    @Test
    void frozenGraphsReadTheTargetsOneEmbeddingInitializer() {
        for (boolean training : new boolean[] {true, false}) {
            Graph g = new Graph("frozen");
            graphs(FROZEN).build(g, SelectionMode.SOFT, training, false);
            assertEquals(HyperDasParameters.shapes(TARGET, FROZEN).keySet().stream().sorted().toList(),
                    g.parameters().stream().map(v -> v.name()).sorted().toList());
            assertEquals(1, g.initializers().stream()
                    .filter(i -> i.value().name().equals(HyperDasParameters.EMBEDDING)).count());
            assertFalse(g.parameters().stream().anyMatch(v -> v.name().equals(COPY)));
        }
        assertEquals(List.copyOf(HyperDasParameters.shapes(TARGET, FROZEN).keySet()).stream().sorted().toList(),
                graphs(FROZEN).training().parameterNames().stream().sorted().toList());
    }

    @Test
    void atInitialisationTheFrozenModelComputesWhatTheTrainableOneDoes() throws Exception {
        Map<String, HostTensor> params = initialTensors(TRAINABLE);
        for (SelectionMode mode : new SelectionMode[] {SelectionMode.SOFT, SelectionMode.ONE_TO_ONE}) {
            Map<String, HostTensor> a = evaluate(graphs(TRAINABLE).evaluation(mode), params);
            Map<String, HostTensor> b = evaluate(graphs(FROZEN).evaluation(mode), params);
            for (String out : List.of(HyperDasGraphs.LABEL_LOGITS, HyperDasGraphs.SELECTION, HyperDasGraphs.SUBSPACE)) {
                double diff = HyperDasFixtures.maxAbsDiff(a.get(out).toDoubles(), b.get(out).toDoubles());
                assertTrue(diff <= 1e-6, mode + " " + out + " differs by " + diff);
            }
        }
    }

    @Test
    void oneStepMovesEveryOtherParameterAsTheTrainableStepDoes() throws Exception {
        Map<String, float[]> init = HyperDasParameters.initialFloats(TARGET, TRAINABLE,
                HyperDasParameters.reader(TARGET32));
        Map<String, float[]> frozenInit = new LinkedHashMap<>(init);
        frozenInit.remove(COPY);
        Stepped trainable = oneStep(graphs(TRAINABLE).training(), init);
        Stepped frozen = oneStep(graphs(FROZEN).training(), frozenInit);
        System.out.printf("HyperDAS one step, trainable vs frozen embedding: loss %.7f vs %.7f, grad norm %.5f vs"
                + " %.5f%n", trainable.loss(), frozen.loss(), trainable.gradNorm(), frozen.gradNorm());
        // Same model at init: same loss and, but for the embedding's, the same gradients. The clip
        // rescales them by different factors (the norms differ by the embedding's gradient), which
        // AdamW's first step, g / (|g| + eps) per element, does not see beyond eps.
        assertEquals(trainable.loss(), frozen.loss(), 1e-6);
        assertTrue(frozen.gradNorm() < trainable.gradNorm(), "the embedding's gradient is not in the frozen norm");
        assertFalse(frozen.params().containsKey(COPY));
        assertTrue(HyperDasFixtures.maxAbsDiff(toDoubles(init.get(COPY)), toDoubles(trainable.params().get(COPY))) > 0,
                "the trainable copy did not move");
        assertEquals(frozenInit.keySet(), frozen.params().keySet());
        for (Map.Entry<String, float[]> e : frozen.params().entrySet()) {
            double[] after = toDoubles(e.getValue());
            assertTrue(HyperDasFixtures.maxAbsDiff(toDoubles(frozenInit.get(e.getKey())), after) > 0,
                    e.getKey() + " did not move");
            double diff = HyperDasFixtures.maxAbsDiff(toDoubles(trainable.params().get(e.getKey())), after);
            assertTrue(diff <= 1e-6, e.getKey() + " moved differently from the trainable step's: " + diff);
        }
    }

    private record Stepped(double loss, double gradNorm, Map<String, float[]> params) {
    }

    private static Stepped oneStep(TrainingGraph training, Map<String, float[]> init) throws Exception {
        List<OnnxTensor> owned = new ArrayList<>();
        try (TrainStep step = training.open(OrtEngine.cpu(), init)) {
            Map<String, OnnxTensor> batch = HyperDasFixtures.int64Feeds(owned);
            OnnxTensor sparsity = Tensors.tensor(Tensors.floatsOf(0.5f));
            OnnxTensor lrScale = Tensors.tensor(Tensors.floatsOf(1f));
            owned.add(sparsity);
            owned.add(lrScale);
            batch.put(FeedSchema.SPARSITY_WEIGHT.name(), sparsity);
            batch.put("lr_scale", lrScale);
            StepResult r = step.step(batch);
            Map<String, float[]> params = new LinkedHashMap<>();
            for (String name : training.parameterNames()) {
                params.put(name, step.floats(name));
            }
            return new Stepped(r.get(TrainingGraph.LOSS), r.get(TrainingGraph.GRAD_NORM), params);
        } finally {
            for (OnnxTensor t : owned) {
                t.close();
            }
        }
    }

    private static Map<String, HostTensor> initialTensors(HyperDasConfig config) {
        Map<String, long[]> shapes = HyperDasParameters.shapes(TARGET, config);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        HyperDasParameters.initialFloats(TARGET, config, HyperDasParameters.reader(TARGET32))
                .forEach((name, v) -> out.put(name, HostTensor.ofFloats(v, shapes.get(name))));
        return out;
    }

    private static Map<String, HostTensor> evaluate(Graph g, Map<String, HostTensor> params) throws Exception {
        try (GraphRunner r = GraphRunner.open(g)) {
            return r.run(HyperDasFixtures.inputsOf(g, HyperDasFixtures.merged(HyperDasFixtures.batch(), params)));
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
