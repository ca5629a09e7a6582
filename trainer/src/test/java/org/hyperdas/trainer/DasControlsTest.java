package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.graphs.intervention.OrthogonalSubspace;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.trainer.das.DasMethod;
import org.hyperdas.trainer.das.DasTrainer;
import org.hyperdas.trainer.das.PatchingMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controls of the acceptance list, through the real runners and trainer on a random tiny Llama
 * with a word-level RAVEL vocabulary: base == source changes no logit for any method; k = 0 changes
 * nothing; patching the last entity token at layer 0 moves the answer to what the model says for
 * the source entity on most cause pairs; a trained R is orthonormal; the same seed gives the same
 * R bytes.
 */
class DasControlsTest {
    @TempDir
    static Path dir;
    private static TargetModel target;
    private static PairSet pairs;

    @BeforeAll
    static void setUp() throws Exception {
        Path folder = TinyWordModel.write(dir.resolve("tiny"), 7, 2, 32);
        target = TargetModel.open(folder, OrtEngine.cpu());
        PairOptions options = PairOptions.defaults(3).withLimits(48, 24).withAttributes(List.of("Country", "Continent"));
        pairs = new PairSource(null, null, List.of("city"), List.of("Country", "Continent"), options)
                .load(List.of(PairSplit.TRAIN, PairSplit.TEST_ENTITY), System.err);
    }

    @AfterAll
    static void tearDown() {
        target.close();
    }

    private static MethodOptions options(int layer, int k, int steps, long seed) {
        return new MethodOptions(layer, k, steps, 8, 16, 1e-2, 2, seed);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static Pair withSourceEqualToBase(Pair p) {
        return new Pair(p.entityType(), p.attribute(), p.baseAttribute(), p.baseAttribute(), p.kind(), p.split(),
                p.baseTemplate(), p.baseEntity(), p.baseTemplate(), p.baseEntity(), p.instruction(), p.baseLabel(),
                p.counterfactualLabel(), p.expectedLabel(), true);
    }

    @Test
    void baseEqualsSourceAndKZeroChangeNoLogitForAnyMethod() throws Exception {
        PairSet train = new PairSet(pairs.split("train"));
        List<Pair> test = pairs.split("test_entity").subList(0, 24);
        List<Pair> same = test.stream().map(DasControlsTest::withSourceEqualToBase).toList();
        PairBatch sameBatch = target.batcher(24).batch(same);
        PairBatch realBatch = target.batcher(24).batch(test);
        for (int layer : new int[] {0, 1}) {
            float[] plain;
            float[] plainReal;
            try (InterventionRunner r = InterventionRunner.open(target, InterventionRunner.Kind.PLAIN, 0, true)) {
                plain = r.run(sameBatch, null, 0).labelLogits();
                plainReal = r.run(realBatch, null, 0).labelLogits();
            }
            try (InterventionRunner r = InterventionRunner.open(target, InterventionRunner.Kind.PATCHING, layer, true)) {
                assertTrue(maxAbsDiff(plain, r.run(sameBatch, null, 0).labelLogits()) < 1e-6, "patching, L" + layer);
                assertTrue(maxAbsDiff(plainReal, r.run(realBatch, null, 0).labelLogits()) > 1e-3,
                        "patching another source changes something, L" + layer);
            }
            try (InterventionRunner r = InterventionRunner.open(target, InterventionRunner.Kind.ROTATION, layer, true)) {
                for (boolean multiTask : new boolean[] {false, true}) {
                    DasTrainer.Result trained;
                    try (DasTrainer t = new DasTrainer(target,
                            DasTrainer.Options.from(options(layer, 6, 4, 1), multiTask))) {
                        trained = t.train("city", "Country",
                                train.select("train", "city", "Country", PairKind.CAUSE),
                                train.select("train", "city", "Country", PairKind.ISOLATE), System.err);
                    }
                    var buffer = org.hyperdas.runtime.ort.Tensors.floatsOf(trained.rotation());
                    float[] logits = r.run(sameBatch, buffer, trained.k()).labelLogits();
                    assertTrue(maxAbsDiff(plain, logits) < 1e-6, (multiTask ? "mdas" : "das") + ", L" + layer);
                }
                float[] k0 = r.run(realBatch, org.hyperdas.runtime.ort.Tensors.floats(0), 0).labelLogits();
                assertTrue(maxAbsDiff(plainReal, k0) < 1e-6, "k = 0, L" + layer);
            }
        }
    }

    @Test
    void patchingTheEntityMovesTheAnswerToTheSourcesForMostCausePairs() throws Exception {
        List<Pair> cause = pairs.split("test_entity").stream().filter(p -> p.kind() == PairKind.CAUSE).toList();
        List<Pair> verify = cause.stream().map(KnowledgeFilter::verifyPair).toList();
        PairBatch patchedBatch = target.batcher(cause.size()).batch(cause);
        PairBatch verifyBatch = target.batcher(cause.size()).batch(verify);
        InterventionRunner.BatchResult patched;
        InterventionRunner.BatchResult own;
        try (InterventionRunner r = InterventionRunner.open(target, InterventionRunner.Kind.PATCHING, 0, false)) {
            patched = r.run(patchedBatch, null, 0);
        }
        try (InterventionRunner r = InterventionRunner.open(target, InterventionRunner.Kind.PLAIN, 0, false)) {
            own = r.run(verifyBatch, null, 0);
        }
        int moved = 0;
        int oneWord = 0;
        for (int i = 0; i < cause.size(); i++) {
            int n = Math.min(3, PairBatch.length(patchedBatch.labelMask(), i));
            long[] a = Arrays.copyOfRange(patched.predictions(), i * patched.labels(), i * patched.labels() + n);
            long[] b = Arrays.copyOfRange(own.predictions(), i * own.labels(), i * own.labels() + n);
            moved += Arrays.equals(a, b) ? 1 : 0;
            Pair p = cause.get(i);
            oneWord += !p.baseEntity().contains(" ") && !p.sourceEntity().contains(" ") ? 1 : 0;
        }
        double rate = moved / (double) cause.size();
        System.out.printf("patching at layer 0, last entity token: the answer moved to the source's on %d of %d cause"
                + " pairs (%.1f%%); %d pairs have one-word entities on both sides%n", moved, cause.size(), 100 * rate,
                oneWord);
        // At layer 0 the residual is the token embedding: for one-word entities the patch IS the source entity.
        assertTrue(moved >= oneWord, moved + " moved, " + oneWord + " one-word pairs");
        assertTrue(rate > 0.5, "rate " + rate);
    }

    @Test
    void trainedRotationIsOrthonormalAndTheSameSeedGivesTheSameBytes() throws Exception {
        Experiment.Setup setup = new Experiment.Setup(
                new PairSource(null, null, List.of("city"), List.of("Country"),
                        PairOptions.defaults(3).withLimits(48, 8).withAttributes(List.of("Country"))),
                List.of(PairSplit.TEST_ENTITY), false, 16);
        Experiment experiment = Experiment.prepare(target, setup, System.err);
        MethodOptions o = options(1, 8, 25, 42);
        List<byte[]> bytes = new ArrayList<>();
        for (String run : List.of("a", "b")) {
            Experiment.Run r = experiment.run(DasMethod.mdas(), o, dir.resolve("runs/" + run), System.err);
            bytes.add(Files.readAllBytes(r.folder().resolve(RunFolder.PARAMETERS)));
            @SuppressWarnings("unchecked")
            var details = (java.util.Map<String, Object>) ((java.util.Map<String, Object>) r.config().get("training"))
                    .get("attributes");
            @SuppressWarnings("unchecked")
            double error = (double) ((java.util.Map<String, Object>) details.get("city.Country"))
                    .get("orthonormality_error");
            assertTrue(error < 1e-5, "|R^T R - I| = " + error);
        }
        assertArrayEquals(bytes.get(0), bytes.get(1), "same seed, same parameters.safetensors bytes");
        Experiment.Run other = experiment.run(DasMethod.mdas(), o.withSeed(43), dir.resolve("runs/c"), System.err);
        assertFalse(Arrays.equals(bytes.get(0), Files.readAllBytes(other.folder().resolve(RunFolder.PARAMETERS))),
                "another seed, other parameters");

        try (DasTrainer t = new DasTrainer(target, DasTrainer.Options.from(o, false))) {
            DasTrainer.Result r = t.train("city", "Country",
                    experiment.train().select("train", "city", "Country", PairKind.CAUSE), List.of(), System.err);
            assertEquals(8, r.k());
            double error = OrthogonalSubspace.orthonormalityError(r.rotation(), target.hiddenSize(), r.k());
            System.out.printf("trained R (k 8, 25 steps): |R^T R - I| = %.2e; loss %.4f -> %.4f%n", error,
                    r.firstLoss(), r.lastLoss());
            assertTrue(error < 1e-5, "|R^T R - I| = " + error);
            assertFalse(Arrays.equals(OrthogonalSubspace.rotationFloats(
                    OrthogonalSubspace.initialVectors(0, 8, target.hiddenSize()), 8, target.hiddenSize()), r.rotation()));
        }
        // patching has no parameters but still a complete run folder
        Experiment.Run p = experiment.run(new PatchingMethod(), o, dir.resolve("runs/patching"), System.err);
        assertEquals("patching", RunFolder.read(p.folder()).method());
    }
}
