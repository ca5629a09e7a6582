package org.hyperdas.tests.hyperdas;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.tests.reference.ReferenceLlama;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HyperDAS graphs over a target read in place from a written safetensors folder (external data),
 * the way a real run loads it: an all-SELF selection reproduces the plain-Java reference's logits,
 * and the training step runs on a session given the external-data folder.
 */
class HyperDasExternalTargetTest {
    private static final long[][] BASE = {{1, 17, 42, 8, 91, 33, 5}, {1, 60, 61, 62, 9, 0, 0}};
    private static final long[][] BASE_MASK = {{1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0}};
    private static final long[][] BASE_IV = {{1, 1, 1, 1, 0, 0, 0}, {1, 1, 1, 0, 0, 0, 0}};
    private static final long[][] SOURCE = {{1, 20, 21, 22, 23}, {1, 30, 31, 0, 0}};
    private static final long[][] SOURCE_MASK = {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}};
    private static final long[][] SOURCE_IV = {{1, 1, 1, 0, 0}, {1, 1, 0, 0, 0}};
    private static final long[][] INSTRUCTION = {{1, 50, 51, 52}, {1, 53, 54, 0}};
    private static final long[][] INSTRUCTION_MASK = {{1, 1, 1, 1}, {1, 1, 1, 0}};
    private static final long[][] LABELS = {{33, 5}, {9, 0}};
    private static final long[][] LABEL_MASK = {{1, 1}, {1, 0}};
    private static final long[][] LABEL_POSITIONS = {{4, 5}, {3, 0}};

    private static HostTensor longs(long[][] rows) {
        return HostTensor.ofLongs(Stream.of(rows).flatMapToLong(Arrays::stream).toArray(), rows.length,
                rows[0].length);
    }

    private static Map<String, HostTensor> batch() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put(FeedSchema.BASE_IDS.name(), longs(BASE));
        m.put(FeedSchema.BASE_MASK.name(), longs(BASE_MASK));
        m.put(FeedSchema.BASE_INTERVENTION_MASK.name(), longs(BASE_IV));
        m.put(FeedSchema.SOURCE_IDS.name(), longs(SOURCE));
        m.put(FeedSchema.SOURCE_MASK.name(), longs(SOURCE_MASK));
        m.put(FeedSchema.SOURCE_INTERVENTION_MASK.name(), longs(SOURCE_IV));
        m.put(FeedSchema.INSTRUCTION_IDS.name(), longs(INSTRUCTION));
        m.put(FeedSchema.INSTRUCTION_MASK.name(), longs(INSTRUCTION_MASK));
        m.put(FeedSchema.LABEL_IDS.name(), longs(LABELS));
        m.put(FeedSchema.LABEL_MASK.name(), longs(LABEL_MASK));
        m.put(FeedSchema.LABEL_POSITIONS.name(), longs(LABEL_POSITIONS));
        return m;
    }

    @Test
    void allSelfReproducesTheReferenceAndTrainingRunsOnExternalWeights(@TempDir Path dir) throws Exception {
        ReferenceLlama.Model tiny = ReferenceLlama.randomTiny(5, true, true, true);
        Path folder = tiny.writeTo(dir.resolve("model"));
        float[][][] expected = tiny.reference().forward(BASE, BASE_MASK).logits();
        try (HfModel model = HfModel.open(folder)) {
            LlamaConfig target = model.config();
            HyperDasConfig config = HyperDasConfig.reference(target).withLearningRates(1e-3, 3e-2)
                    .withLossWeights(3.5, 2.5).withLayer(1).withSubspaceDim(8).withHypernetLayers(1).withSelectionHeads(4).withHouseholderIntermediate(32);
            LlamaWeights weights = LlamaWeights.external(model.weights());
            Path dataFolder = weights.externalDataFolder().orElseThrow();
            HyperDasGraphs graphs = new HyperDasGraphs(target, weights, config, DType.FLOAT32);
            Map<String, float[]> initial = HyperDasParameters.initialFloats(target, config,
                    HyperDasParameters.reader(model.weights()));
            Map<String, long[]> shapes = HyperDasParameters.shapes(target, config);

            int b = BASE.length;
            int s = SOURCE[0].length;
            int t = BASE[0].length;
            float[] self = new float[b * (s + 1) * t];
            for (int e = 0; e < b; e++) {
                Arrays.fill(self, (e * (s + 1) + s) * t, (e * (s + 1) + s + 1) * t, 1f);
            }
            Map<String, HostTensor> feeds = new HashMap<>(batch());
            initial.forEach((name, v) -> feeds.put(name, HostTensor.ofFloats(v, shapes.get(name))));
            feeds.put(FeedSchema.SELECTION_INPUT.name(), HostTensor.ofFloats(self, b, s + 1, t));
            Graph eval = graphs.evaluation(SelectionMode.GIVEN, true);
            double[] logits;
            try (GraphRunner r = GraphRunner.open(eval, dataFolder)) {
                logits = r.run(only(eval, feeds)).get(HyperDasGraphs.LOGITS).toDoubles();
            }
            int vocab = target.vocabSize();
            double worst = 0;
            for (int e = 0; e < b; e++) {
                for (int p = 0; p < t; p++) {
                    if (BASE_MASK[e][p] == 0) {
                        continue;
                    }
                    for (int v = 0; v < vocab; v++) {
                        worst = Math.max(worst, Math.abs(logits[(e * t + p) * vocab + v] - expected[e][p][v]));
                    }
                }
            }
            System.out.printf("HyperDAS over external safetensors: all-SELF logits vs plain-Java reference %.2e%n",
                    worst);
            assertTrue(worst < 1e-4, "all-SELF logits differ from the reference by " + worst);

            TrainingGraph training = graphs.training();
            OrtEngine engine = OrtEngine.cpu();
            List<OnnxTensor> owned = new ArrayList<>();
            try (OrtSession session = engine.session(training.model(), dataFolder);
                    TrainStep step = new TrainStep(session, training.stepSpec(initial))) {
                Map<String, OnnxTensor> inputs = new HashMap<>();
                for (Map.Entry<String, HostTensor> e : batch().entrySet()) {
                    inputs.put(e.getKey(), keep(owned, Tensors.tensor(Tensors.longsOf(e.getValue().toLongs()),
                            e.getValue().shape())));
                }
                inputs.put(FeedSchema.IS_CAUSE.name(), keep(owned, Tensors.tensor(Tensors.longsOf(1, 0), 2)));
                inputs.put(FeedSchema.SPARSITY_WEIGHT.name(), keep(owned, Tensors.tensor(Tensors.floatsOf(0.15f))));
                inputs.put(training.lrScaleInput(), keep(owned, Tensors.tensor(Tensors.floatsOf(1f))));
                for (int i = 0; i < 3; i++) {
                    StepResult r = step.step(inputs);
                    System.out.printf("HyperDAS external-target training step %d: loss %.4f, grad norm %.4f%n",
                            r.step(), r.get(TrainingGraph.LOSS), r.get(TrainingGraph.GRAD_NORM));
                    assertTrue(Double.isFinite(r.get(TrainingGraph.LOSS)) && r.get(TrainingGraph.GRAD_NORM) > 0);
                }
            } finally {
                for (OnnxTensor o : owned) {
                    o.close();
                }
            }
        }
    }

    private static OnnxTensor keep(List<OnnxTensor> owned, OnnxTensor t) {
        owned.add(t);
        return t;
    }

    private static Map<String, HostTensor> only(Graph g, Map<String, HostTensor> feeds) {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        for (Value in : g.inputs()) {
            m.put(in.name(), feeds.get(in.name()));
        }
        return m;
    }
}
