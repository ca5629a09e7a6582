package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.export.ExportManifest;
import org.hyperdas.export.ExportVerifier;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.export.InferenceInputs;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.hyperdas.trainer.InterventionRunner;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.das.DasMethod;
import org.hyperdas.trainer.hyperdas.HyperDasExport;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.junit.jupiter.api.Test;

/**
 * Every test pair of the tiny runs, run through the exported graphs alone (the loader, the
 * teacher-forced logits at the label positions, their argmax, first 3 label tokens right), gives exactly
 * the predictions and correctness the in-process evaluation wrote to predictions.arrow, hence the
 * same scores, for the three HyperDAS modes, MDAS and patching ({@link ExportVerifier}, which batches
 * the pairs as the in-process evaluation batched them: same order, same padding). The exported
 * logits at the label positions equal the in-process evaluation graph's; the largest difference is
 * printed.
 */
class ExportScoresMatchInProcessTest {

    private static Map<String, List<Pair>> bySplit(List<Outcome> outcomes) {
        Map<String, List<Pair>> m = new LinkedHashMap<>();
        outcomes.forEach(o -> m.computeIfAbsent(o.pair().split(), s -> new ArrayList<>()).add(o.pair()));
        return m;
    }

    /**
     * max |exported logits at the label positions [B, L, V] - in-process label logits [B, L, V]|
     * over real labels.
     */
    private static double maxDiff(PairBatch batch, ExportedModel.FloatTensor logits, float[] labelLogits) {
        int l = batch.labelIds().dim(1);
        int v = (int) logits.shape()[2];
        assertEquals(l, logits.shape()[1], "one logit row per label position");
        double worst = 0;
        for (int i = 0; i < batch.size(); i++) {
            for (int j = 0; j < PairBatch.length(batch.labelMask(), i); j++) {
                for (int t = 0; t < v; t++) {
                    worst = Math.max(worst, Math.abs(logits.get(i, j, t) - labelLogits[(i * l + j) * v + t]));
                }
            }
        }
        return worst;
    }

    /**
     * The verifier's report on the run: every prediction and correctness flag of predictions.arrow,
     * and every split's scores, identical; the run's scores are the ones in the manifest.
     */
    private static void assertVerified(ExportedModel exported, Path run, int expectedPairs, String what) {
        ExportVerifier.Report report;
        try {
            report = ExportVerifier.verify(exported, run, System.out);
        } catch (Exception e) {
            throw new AssertionError(what, e);
        }
        assertTrue(report.identical(), what + ": " + report);
        assertEquals(expectedPairs, report.pairs(), what);
        int correct = 0;
        for (ExportVerifier.SplitCheck s : report.splits()) {
            ExportManifest.Cid c = exported.manifest().scores().get(s.run()).get(s.split());
            assertEquals(nullable(s.inProcess().cause()), c.cause(), what + " " + s.split());
            assertEquals(nullable(s.inProcess().isolate()), c.isolate(), what + " " + s.split());
            assertEquals(nullable(s.inProcess().disentangle()), c.disentangle(), what + " " + s.split());
            correct += s.correctExported();
        }
        System.out.printf("%s: %d pairs, exported predictions identical to in-process (%d correct)%n", what,
                report.pairs(), correct);
    }

    private static Double nullable(double v) {
        return Double.isNaN(v) ? null : v;
    }

    @Test
    void hyperdasExportReproducesEveryPredictionOfTheThreeModes() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        try (HyperDasReadBack read = HyperDasReadBack.open(runs)) {
            ExportedModel exported = read.exported();
            TargetModel target = read.target();
            WeightStore params = read.params();
            Map<String, long[]> shapes = HyperDasParameters.shapes(target.config(), read.config());
            int batchSize = RunFolder.read(runs.hyperdasRun().resolve("hyperdas-soft")).config()
                    .get("eval_batch_size").asInt();
            int pairs = 0;
            for (Map.Entry<SelectionMode, String> e : HyperDasMethod.LABELS.entrySet()) {
                String mode = HyperDasExport.MODES.get(e.getKey());
                if (mode == null) {
                    continue; // groundtruth is not exported
                }
                List<Outcome> expected = PredictionFile.read(runs.hyperdasRun().resolve(e.getValue())
                        .resolve(RunFolder.PREDICTIONS));
                pairs += expected.size();
                double worst = 0;
                try (OrtSession inProcess = target.session(read.graphs().evaluation(e.getKey()))) {
                    for (List<Pair> split : bySplit(expected).values()) {
                        for (List<Pair> chunk : ExportVerifier.batches(split, batchSize)) {
                            PairBatch batch = target.batcher(batchSize).batch(chunk);
                            ExportedModel.FloatTensor logits = exported.hyperdas(mode, InferenceInputs.of(batch),
                                    ExportVerifier.labelPositions(batch))
                                    .logits();
                            worst = Math.max(worst, maxDiff(batch, logits,
                                    inProcessLabelLogits(inProcess, batch, params, shapes)));
                        }
                    }
                }
                System.out.printf("hyperdas %s: max |exported - in-process| label logit %.3e%n", mode, worst);
            }
            assertVerified(exported, runs.hyperdasRun(), pairs, "hyperdas");
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
            double worst = 0;
            for (List<Pair> split : bySplit(expected).values()) {
                for (List<Pair> chunk : ExportVerifier.batches(split, batchSize)) {
                    PairBatch batch = target.batcher(batchSize).batch(chunk);
                    ExportedModel.FloatTensor logits = exported.fixedSite(-1, InferenceInputs.of(batch),
                            ExportVerifier.labelPositions(batch));
                    worst = Math.max(worst, maxDiff(batch, logits, inProcess.run(batch, null, 0).labelLogits()));
                }
            }
            System.out.printf("patching: max |exported - in-process| label logit %.3e%n", worst);
            assertVerified(exported, run, expected.size(), "patching");
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
            int batchSize = RunFolder.read(run).config().get("eval_batch_size").asInt();
            List<Outcome> expected = PredictionFile.read(run.resolve(RunFolder.PREDICTIONS));
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
                        for (List<Pair> chunk : ExportVerifier.batches(group.getValue(), batchSize)) {
                            PairBatch batch = target.batcher(batchSize).batch(chunk);
                            ExportedModel.FloatTensor logits = exported.fixedSite(attribute,
                                    InferenceInputs.of(batch), ExportVerifier.labelPositions(batch));
                            InterventionRunner.BatchResult r = inProcess.run(batch, Tensors.floatsOf(rotation), m.k());
                            worst = Math.max(worst, maxDiff(batch, logits, r.labelLogits()));
                        }
                    }
                }
            }
            System.out.printf("mdas: max |exported - in-process| label logit %.3e%n", worst);
            assertVerified(exported, run, expected.size(), "mdas");
        }
    }
}
