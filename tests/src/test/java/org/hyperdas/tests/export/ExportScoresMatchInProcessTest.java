package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.batch.LongTensor;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scorer;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.graphs.intervention.InterventionGraph;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.hyperdas.trainer.InterventionRunner;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.das.DasMethod;
import org.hyperdas.trainer.export.ExportManifest;
import org.hyperdas.trainer.export.ExportedModel;
import org.hyperdas.trainer.export.Exporter;
import org.hyperdas.trainer.export.InferenceInputs;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.junit.jupiter.api.Test;

/**
 * Every test pair of the tiny runs, run through the exported graphs alone (the loader, full
 * teacher-forced logits, argmax at the label positions, first 3 label tokens right), gives exactly
 * the predictions and correctness the in-process evaluation wrote to predictions.arrow, hence the
 * same scores, for the three HyperDAS modes, MDAS and patching. The pairs are batched as the in-process
 * evaluation batched them (same order, same padding). The largest label-logit difference to the
 * in-process evaluation graph is printed.
 */
class ExportScoresMatchInProcessTest {

    /** The in-process evaluation's batches of one split: sorted by text length, cut in batch-size chunks. */
    private static List<List<Pair>> batchesAsInProcess(List<Pair> pairs, int batchSize) {
        Integer[] order = new Integer[pairs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> Batcher.teacherForcedText(pairs.get(i)).length())
                .thenComparingInt(i -> pairs.get(i).sourcePrompt().length()));
        List<List<Pair>> out = new ArrayList<>();
        for (int start = 0; start < order.length; start += batchSize) {
            List<Pair> chunk = new ArrayList<>();
            for (int i = start; i < Math.min(order.length, start + batchSize); i++) {
                chunk.add(pairs.get(order[i]));
            }
            out.add(chunk);
        }
        return out;
    }

    private static Map<String, List<Pair>> bySplit(List<Outcome> outcomes) {
        Map<String, List<Pair>> m = new LinkedHashMap<>();
        outcomes.forEach(o -> m.computeIfAbsent(o.pair().split(), s -> new ArrayList<>()).add(o.pair()));
        return m;
    }

    static long[][] rows(LongTensor t) {
        long[][] out = new long[t.dim(0)][];
        for (int r = 0; r < out.length; r++) {
            out[r] = t.row(r);
        }
        return out;
    }

    static InferenceInputs inputs(PairBatch b) {
        return new InferenceInputs(rows(b.baseIds()), rows(b.baseMask()), rows(b.baseInterventionMask()),
                rows(b.sourceIds()), rows(b.sourceMask()), rows(b.sourceInterventionMask()), rows(b.instructionIds()),
                rows(b.instructionMask()), longs(b.baseEntityLast()), longs(b.sourceEntityLast()));
    }

    private static long[] longs(LongTensor t) {
        long[] out = new long[t.dim(0)];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.get(i);
        }
        return out;
    }

    /** Outcomes from full logits [B, Tb, V] of one batch, scored like the in-process graph. */
    private static List<Outcome> outcomes(PairBatch batch, ExportedModel.FloatTensor logits, HfTokenizer tok) {
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            int n = PairBatch.length(batch.labelMask(), i);
            long[] predicted = new long[n];
            boolean correct = true;
            for (int j = 0; j < n; j++) {
                predicted[j] = logits.argmax(i, batch.labelPositions().get(i, j));
                if (j < InterventionGraph.SCORED_LABEL_TOKENS && predicted[j] != batch.labelIds().get(i, j)) {
                    correct = false;
                }
            }
            out.add(new Outcome(batch.pairs().get(i), tok.decode(predicted), correct));
        }
        return out;
    }

    /** max |exported logits at the label positions - in-process label logits [B, L, V]| over real labels. */
    private static double maxDiff(PairBatch batch, ExportedModel.FloatTensor logits, float[] labelLogits) {
        int l = batch.labelIds().dim(1);
        int v = (int) logits.shape()[2];
        double worst = 0;
        for (int i = 0; i < batch.size(); i++) {
            for (int j = 0; j < PairBatch.length(batch.labelMask(), i); j++) {
                long pos = batch.labelPositions().get(i, j);
                for (int t = 0; t < v; t++) {
                    worst = Math.max(worst, Math.abs(logits.get(i, pos, t) - labelLogits[(i * l + j) * v + t]));
                }
            }
        }
        return worst;
    }

    /** Asserts each pair's prediction and correctness; returns the exported outcomes in the file's order. */
    private static List<Outcome> assertSameOutcomes(List<Outcome> expected, List<Outcome> actual, String what) {
        Map<Pair, Outcome> byPair = new LinkedHashMap<>();
        actual.forEach(o -> byPair.put(o.pair(), o));
        int correct = 0;
        List<Outcome> ordered = new ArrayList<>();
        for (Outcome e : expected) {
            Outcome a = byPair.get(e.pair());
            ordered.add(a);
            assertTrue(a != null, what + ": no exported outcome for " + e.pair());
            assertEquals(e.predicted(), a.predicted(), what + ": prediction of " + e.pair().instruction());
            assertEquals(e.correct(), a.correct(), what + ": correctness of " + e.pair().instruction());
            correct += a.correct() ? 1 : 0;
        }
        assertEquals(expected.size(), actual.size(), what);
        System.out.printf("%s: %d pairs, exported predictions identical to in-process (%d correct)%n", what,
                expected.size(), correct);
        return ordered;
    }

    private static void assertSameScores(Path run, List<Outcome> recomputed, ExportManifest manifest) {
        RunFolder.Run r = RunFolder.read(run);
        Scores scores = Scorer.score(r.method(), recomputed);
        assertEquals(RunFolder.scoresJson(r.scores()), RunFolder.scoresJson(scores), r.method() + " scores");
        for (Scores.SplitScores s : scores.splits()) {
            ExportManifest.Cid c = manifest.scores().get(r.method()).get(s.split());
            assertEquals(nullable(s.overall().cause()), c.cause(), r.method() + " " + s.split());
            assertEquals(nullable(s.overall().isolate()), c.isolate(), r.method() + " " + s.split());
            assertEquals(nullable(s.overall().disentangle()), c.disentangle(), r.method() + " " + s.split());
        }
    }

    private static Double nullable(double v) {
        return Double.isNaN(v) ? null : v;
    }

    @Test
    void hyperdasExportReproducesEveryPredictionOfTheThreeModes() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Path paramsFile = runs.hyperdasRun().resolve("hyperdas-soft").resolve(RunFolder.PARAMETERS);
        try (ExportedModel exported = ExportedModel.open(runs.hyperdasExport(), OrtEngine.cpu());
                TargetModel target = TargetModel.open(runs.model(), OrtEngine.cpu());
                WeightStore params = WeightStore.open(paramsFile)) {
            ExportManifest m = exported.manifest();
            HfTokenizer tok = exported.tokenizer();
            HyperDasConfig config = Exporter.hyperDasConfig(target.config(), m.layer(), m.k(), params, paramsFile);
            HyperDasGraphs graphs = new HyperDasGraphs(target.config(), target.weights(), config, DType.FLOAT32);
            Map<String, long[]> shapes = HyperDasParameters.shapes(target.config(), config);
            int batchSize = RunFolder.read(runs.hyperdasRun().resolve("hyperdas-soft")).config()
                    .get("eval_batch_size").asInt();
            for (Map.Entry<SelectionMode, String> e : HyperDasMethod.LABELS.entrySet()) {
                String mode = Exporter.MODES.get(e.getKey());
                Path run = runs.hyperdasRun().resolve(e.getValue());
                List<Outcome> expected = PredictionFile.read(run.resolve(RunFolder.PREDICTIONS));
                List<Outcome> actual = new ArrayList<>();
                double worst = 0;
                try (OrtSession inProcess = target.session(graphs.evaluation(e.getKey()))) {
                    for (List<Pair> split : bySplit(expected).values()) {
                        for (List<Pair> chunk : batchesAsInProcess(split, batchSize)) {
                            PairBatch batch = target.batcher(batchSize).batch(chunk);
                            ExportedModel.FloatTensor logits = exported.hyperdas(mode, inputs(batch)).logits();
                            actual.addAll(outcomes(batch, logits, tok));
                            worst = Math.max(worst, maxDiff(batch, logits,
                                    inProcessLabelLogits(inProcess, batch, params, shapes)));
                        }
                    }
                }
                System.out.printf("hyperdas %s: max |exported - in-process| label logit %.3e%n", mode, worst);
                assertSameScores(run, assertSameOutcomes(expected, actual, "hyperdas " + mode), m);
            }
        }
    }

    private static float[] inProcessLabelLogits(OrtSession session, PairBatch batch, WeightStore params,
            Map<String, long[]> shapes) throws Exception {
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> f = HyperDasMethod.feeds(batch, false, created);
            for (Map.Entry<String, long[]> p : shapes.entrySet()) {
                OnnxTensor t = Tensors.tensor(Tensors.floatsOf(params.floatArray(p.getKey())), p.getValue());
                created.add(t);
                f.put(p.getKey(), t);
            }
            try (OrtSession.Result r = session.run(f, java.util.Set.of(HyperDasGraphs.LABEL_LOGITS))) {
                return Tensors.toFloatArray((OnnxTensor) r.get(HyperDasGraphs.LABEL_LOGITS).orElseThrow());
            }
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    @Test
    void patchingExportReproducesEveryPrediction() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Path run = runs.patchingRun();
        try (ExportedModel exported = ExportedModel.open(runs.patchingExport(), OrtEngine.cpu());
                TargetModel target = TargetModel.open(runs.model(), OrtEngine.cpu());
                InterventionRunner inProcess = InterventionRunner.open(target, InterventionRunner.Kind.PATCHING,
                        exported.manifest().layer(), true)) {
            int batchSize = RunFolder.read(run).config().get("eval_batch_size").asInt();
            List<Outcome> expected = PredictionFile.read(run.resolve(RunFolder.PREDICTIONS));
            List<Outcome> actual = new ArrayList<>();
            double worst = 0;
            for (List<Pair> split : bySplit(expected).values()) {
                for (List<Pair> chunk : batchesAsInProcess(split, batchSize)) {
                    PairBatch batch = target.batcher(batchSize).batch(chunk);
                    ExportedModel.FloatTensor logits = exported.fixedSite(-1, inputs(batch));
                    actual.addAll(outcomes(batch, logits, exported.tokenizer()));
                    worst = Math.max(worst, maxDiff(batch, logits, inProcess.run(batch, null, 0).labelLogits()));
                }
            }
            System.out.printf("patching: max |exported - in-process| label logit %.3e%n", worst);
            assertSameScores(run, assertSameOutcomes(expected, actual, "patching"), exported.manifest());
        }
    }

    @Test
    void mdasExportReproducesEveryPrediction() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Path run = runs.mdasRun();
        try (ExportedModel exported = ExportedModel.open(runs.mdasExport(), OrtEngine.cpu());
                TargetModel target = TargetModel.open(runs.model(), OrtEngine.cpu());
                WeightStore params = WeightStore.open(run.resolve(RunFolder.PARAMETERS))) {
            ExportManifest m = exported.manifest();
            HfTokenizer tok = exported.tokenizer();
            int batchSize = RunFolder.read(run).config().get("eval_batch_size").asInt();
            List<Outcome> expected = PredictionFile.read(run.resolve(RunFolder.PREDICTIONS));
            List<Outcome> actual = new ArrayList<>();
            double worst = 0;
            try (InterventionRunner inProcess = InterventionRunner.open(target, InterventionRunner.Kind.ROTATION,
                    m.layer(), true)) {
                for (List<Pair> split : bySplit(expected).values()) {
                    Map<String, List<Pair>> byAttribute = new LinkedHashMap<>();
                    split.forEach(p -> byAttribute.computeIfAbsent(DasMethod.key(p.entityType(), p.attribute()),
                            k -> new ArrayList<>()).add(p));
                    for (Map.Entry<String, List<Pair>> group : byAttribute.entrySet()) {
                        int attribute = m.attributes().indexOf(group.getKey());
                        float[] rotation = params.floatArray(group.getKey() + ".rotation");
                        for (List<Pair> chunk : batchesAsInProcess(group.getValue(), batchSize)) {
                            PairBatch batch = target.batcher(batchSize).batch(chunk);
                            ExportedModel.FloatTensor logits = exported.fixedSite(attribute, inputs(batch));
                            actual.addAll(outcomes(batch, logits, tok));
                            InterventionRunner.BatchResult r = inProcess.run(batch, Tensors.floatsOf(rotation), m.k());
                            worst = Math.max(worst, maxDiff(batch, logits, r.labelLogits()));
                        }
                    }
                }
            }
            System.out.printf("mdas: max |exported - in-process| label logit %.3e%n", worst);
            assertSameScores(run, assertSameOutcomes(expected, actual, "mdas"), m);
        }
    }
}
