package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.export.InferenceInputs;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.graphs.intervention.DasRotation;
import org.hyperdas.graphs.intervention.Interchange;
import org.hyperdas.graphs.intervention.InterventionGraph;
import org.hyperdas.graphs.llama.LlamaGraphs;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.hyperdas.tests.reference.ReferenceLlama;
import org.hyperdas.trainer.InterventionRunner;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.hyperdas.HyperDasExport;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.junit.jupiter.api.Test;

/**
 * The exported graphs compute the logits only at the fed logit_positions (spec version 2), and
 * those equal, within 1e-5, the logits that a full-sequence graph (what version 1 exported: the
 * same builders with the final norm and the LM head at every position, run in process) gives at
 * the same positions: for target.onnx (also against the plain-Java {@link ReferenceLlama}), each
 * HyperDAS mode's intervened graph, and the mdas and patching intervened graphs. The batch holds
 * pairs of different lengths (right padding); each row asks for its own positions, out of order,
 * repeated, and a padded one.
 */
class ExportedLogitsAtPositionsTest {
    private static final double TOLERANCE = 1e-5;
    /** The plain-Java float64 reference against float32 ONNX Runtime (as the Llama graph tests allow). */
    private static final double REFERENCE_TOLERANCE = 1e-4;
    private static final int PAIRS = 6;

    /** Test pairs of the hyperdas run, of more than one base length. */
    private static List<Pair> pairs(ExportFixture.Runs runs) throws Exception {
        List<Outcome> outcomes = PredictionFile.read(runs.hyperdasRun().resolve("hyperdas-soft")
                .resolve(RunFolder.PREDICTIONS));
        List<Pair> out = new ArrayList<>();
        for (int i = 0; i < outcomes.size() && out.size() < PAIRS; i += Math.max(1, outcomes.size() / PAIRS)) {
            out.add(outcomes.get(i).pair());
        }
        return out;
    }

    /** Per row: its last real token, BOS, the one before the last, the last padded position, the last again. */
    private static long[][] positions(PairBatch batch) {
        int seq = batch.baseIds().dim(1);
        long[][] p = new long[batch.size()][];
        for (int b = 0; b < p.length; b++) {
            int last = PairBatch.length(batch.baseMask(), b) - 1;
            p[b] = new long[] {last, 0, Math.max(0, last - 1), seq - 1, last};
        }
        return p;
    }

    /** max |atPositions[b, i, :] - full[b, positions[b][i], :]|; checks the [batch, positions, vocab] shape. */
    private static double maxDiff(ExportedModel.FloatTensor atPositions, float[] full, int seq, long[][] positions) {
        int vocab = (int) atPositions.shape()[2];
        assertArrayEquals(new long[] {positions.length, positions[0].length, vocab}, atPositions.shape());
        double worst = 0;
        for (int b = 0; b < positions.length; b++) {
            for (int i = 0; i < positions[b].length; i++) {
                int row = (int) ((long) b * seq + positions[b][i]) * vocab;
                for (int v = 0; v < vocab; v++) {
                    worst = Math.max(worst, Math.abs(atPositions.get(b, i, v) - full[row + v]));
                }
            }
        }
        return worst;
    }

    /** The full logits [batch, seq, vocab] of an in-process graph, fed the inputs it declares from {@code feeds}. */
    private static float[] fullLogits(TargetModel target, Graph g, Map<String, OnnxTensor> feeds, String output)
            throws Exception {
        try (OrtSession s = target.session(g)) {
            Map<String, OnnxTensor> in = new HashMap<>(feeds);
            in.keySet().retainAll(s.getInputNames());
            try (OrtSession.Result r = s.run(in)) {
                return Tensors.toFloatArray((OnnxTensor) r.get(output).orElseThrow());
            }
        }
    }

    private static void assertClose(double diff, double tolerance, String what) {
        System.out.printf("%s: max |logits at positions - full-sequence logits there| %.3e%n", what, diff);
        assertTrue(diff <= tolerance, what + ": " + diff);
    }

    @Test
    void targetLogitsAtPositionsEqualTheFullForwardsThere() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        try (ExportedModel exported = ExportedModel.open(runs.hyperdasExport(), OrtEngine.cpu());
                TargetModel target = TargetModel.open(runs.model(), OrtEngine.cpu())) {
            PairBatch batch = target.batcher(PAIRS).batch(pairs(runs));
            InferenceInputs x = InferenceInputs.of(batch);
            long[][] positions = positions(batch);
            ExportedModel.FloatTensor logits = exported.targetLogits(x.baseIds(), x.baseMask(), positions);
            int seq = batch.baseIds().dim(1);
            List<OnnxTensor> created = new ArrayList<>();
            try {
                Map<String, OnnxTensor> feeds = Map.of(
                        LlamaHooks.INPUT_IDS, track(created, batch.baseIds().data(), batch.size(), seq),
                        LlamaHooks.ATTENTION_MASK, track(created, batch.baseMask().data(), batch.size(), seq));
                float[] full = fullLogits(target, LlamaGraphs.forward(target.config(), target.weights()), feeds,
                        LlamaHooks.LOGITS);
                assertClose(maxDiff(logits, full, seq, positions), TOLERANCE, "target");
            } finally {
                created.forEach(OnnxTensor::close);
            }

            // The plain-Java forward, at the real positions (each row's padding is its own garbage).
            float[][][] reference = ReferenceLlama.load(runs.model()).forward(x.baseIds(), x.baseMask()).logits();
            double worst = 0;
            for (int b = 0; b < positions.length; b++) {
                for (int i = 0; i < positions[b].length; i++) {
                    if (x.baseMask()[b][(int) positions[b][i]] == 1) {
                        float[] want = reference[b][(int) positions[b][i]];
                        for (int v = 0; v < want.length; v++) {
                            worst = Math.max(worst, Math.abs(logits.get(b, i, v) - want[v]));
                        }
                    }
                }
            }
            assertClose(worst, REFERENCE_TOLERANCE, "target vs plain-Java reference");

            long[][] outside = positions(batch);
            outside[0][0] = seq;
            assertThrows(IllegalArgumentException.class, () -> exported.targetLogits(x.baseIds(), x.baseMask(),
                    outside));
        }
    }

    private static OnnxTensor track(List<OnnxTensor> created, LongBuffer data, long... shape)
            throws Exception {
        OnnxTensor t = Tensors.tensor(data, shape);
        created.add(t);
        return t;
    }

    @Test
    void hyperdasLogitsAtPositionsEqualTheFullSequenceGraphsThereInEveryMode() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        try (HyperDasReadBack read = HyperDasReadBack.open(runs)) {
            ExportedModel exported = read.exported();
            TargetModel target = read.target();
            WeightStore params = read.params();
            PairBatch batch = target.batcher(PAIRS).batch(pairs(runs));
            long[][] positions = positions(batch);
            List<OnnxTensor> created = new ArrayList<>();
            try {
                Map<String, OnnxTensor> feeds = HyperDasMethod.feeds(batch, false, created);
                for (Map.Entry<String, long[]> p : HyperDasParameters.shapes(target.config(), read.config()).entrySet()) {
                    OnnxTensor t = Tensors.tensor(Tensors.floatsOf(params.floatArray(p.getKey())), p.getValue());
                    created.add(t);
                    feeds.put(p.getKey(), t);
                }
                for (Map.Entry<SelectionMode, String> e : HyperDasExport.MODES.entrySet()) {
                    float[] full = fullLogits(target, read.graphs().evaluation(e.getKey(), true), feeds,
                            HyperDasGraphs.LOGITS);
                    ExportedModel.FloatTensor logits = exported.hyperdas(e.getValue(), InferenceInputs.of(batch),
                            positions).logits();
                    assertClose(maxDiff(logits, full, batch.baseIds().dim(1), positions), TOLERANCE,
                            "hyperdas " + e.getValue());
                }
            } finally {
                created.forEach(OnnxTensor::close);
            }
        }
    }

    @Test
    void mdasAndPatchingLogitsAtPositionsEqualTheFullSequenceGraphsThere() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        try (ExportedModel mdas = ExportedModel.open(runs.mdasExport(), OrtEngine.cpu());
                ExportedModel patching = ExportedModel.open(runs.patchingExport(), OrtEngine.cpu());
                TargetModel target = TargetModel.open(runs.model(), OrtEngine.cpu());
                WeightStore params = WeightStore.open(runs.mdasRun().resolve(RunFolder.PARAMETERS))) {
            PairBatch batch = target.batcher(PAIRS).batch(pairs(runs));
            long[][] positions = positions(batch);
            int seq = batch.baseIds().dim(1);
            int layer = mdas.manifest().layer();
            List<OnnxTensor> created = new ArrayList<>();
            try {
                Map<String, OnnxTensor> feeds = InterventionRunner.feeds(batch, true, created);
                Graph patched = new Graph("patching_full");
                patched.output(LlamaHooks.LOGITS, InterventionGraph.create(patched, target.config(),
                        target.weights(), layer).finishFullLogits(Interchange.FULL));
                assertClose(maxDiff(patching.fixedSite(-1, InferenceInputs.of(batch), positions),
                        fullLogits(target, patched, feeds, LlamaHooks.LOGITS), seq, positions), TOLERANCE, "patching");

                for (int attribute = 0; attribute < mdas.manifest().attributes().size(); attribute++) {
                    String name = mdas.manifest().attributes().get(attribute);
                    Graph rotated = new Graph("mdas_full");
                    InterventionGraph ig = InterventionGraph.create(rotated, target.config(), target.weights(), layer);
                    rotated.output(LlamaHooks.LOGITS, ig.finishFullLogits(DasRotation.of(
                            DasRotation.input(rotated, target.hiddenSize(), DType.FLOAT32))));
                    Map<String, OnnxTensor> withRotation = new HashMap<>(feeds);
                    OnnxTensor r = Tensors.tensor(Tensors.floatsOf(params.floatArray(name + ".rotation")),
                            target.hiddenSize(), mdas.manifest().k());
                    created.add(r);
                    withRotation.put(DasRotation.ROTATION, r);
                    assertClose(maxDiff(mdas.fixedSite(attribute, InferenceInputs.of(batch), positions),
                            fullLogits(target, rotated, withRotation, LlamaHooks.LOGITS), seq, positions), TOLERANCE,
                            "mdas " + name);
                }
            } finally {
                created.forEach(OnnxTensor::close);
            }
        }
    }
}
