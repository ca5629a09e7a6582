package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.leaderboard.Leaderboard;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.trainer.hyperdas.GroundTruthSelection;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.hyperdas.trainer.hyperdas.HyperDasTrained;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HyperDAS through the run pipeline on a random tiny Llama with a word-level RAVEL vocabulary:
 * a short run writes the five hyperdas-* run folders the leaderboard reads; the same seed gives
 * the same parameters; a run stopped at a checkpoint and resumed ends with exactly the
 * parameters of an uninterrupted run.
 */
class HyperDasRunTest {
    @TempDir
    static Path dir;
    private static TargetModel target;
    private static Experiment experiment;

    @BeforeAll
    static void setUp() throws Exception {
        Path folder = TinyWordModel.write(dir.resolve("tiny"), 7, 2, 32);
        target = TargetModel.open(folder, OrtEngine.cpu().withIntraOpThreads(1));
        PairOptions options = PairOptions.defaults(3).withLimits(12, 4).withAttributes(List.of("Country", "Continent"));
        Experiment.Setup setup = new Experiment.Setup(
                new PairSource(null, null, List.of("city"), List.of("Country", "Continent"), options),
                List.of(PairSplit.TEST_ENTITY, PairSplit.TEST_CONTEXT), false, 16);
        experiment = Experiment.prepare(target, setup, System.err);
    }

    @AfterAll
    static void tearDown() {
        target.close();
    }

    private static MethodOptions options(long seed) {
        return new MethodOptions(1, 4, 0, 8, 16, 1e-3, 0, seed);
    }

    private static final HyperDasMethod METHOD = new HyperDasMethod(new HyperDasMethod.Settings(1, 1, null, null,
            null, null, null));

    private static RunControl control(Path folder, boolean resume, long stopAfter) {
        return new RunControl(folder, 2, resume, 2, stopAfter);
    }

    private static Map<String, float[]> fit(RunControl control, long seed) throws Exception {
        try (HyperDasTrained t = METHOD.fit(target, experiment.train(), options(seed), control, System.err)) {
            return t.parameters();
        }
    }

    private static void assertSame(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((name, v) -> assertArrayEquals(v, b.get(name), name));
    }

    @Test
    void runWritesTheFiveModesForTheLeaderboard() throws Exception {
        Path out = dir.resolve("run");
        List<Experiment.Run> runs = experiment.runAll(METHOD, options(5), control(out, false, 0), out,
                System.err);
        assertEquals(List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one", "hyperdas-global-argmax",
                "hyperdas-groundtruth"), runs.stream().map(r -> r.scores().method()).toList());
        for (Experiment.Run r : runs) {
            for (String f : RunFolder.FILES) {
                assertTrue(Files.isRegularFile(r.folder().resolve(f)), r.folder() + " " + f);
            }
            assertEquals(out.resolve(r.scores().method()), r.folder());
            assertTrue(r.scores().split("test_entity").isPresent() && r.scores().split("test_context").isPresent());
            byte[] png = Files.readAllBytes(r.folder().resolve("selection-1.png"));
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a selection heatmap");
        }
        assertTrue(Files.isRegularFile(out.resolve("checkpoint.safetensors")));
        Leaderboard board = Leaderboard.fromFolders(runs.stream().map(Experiment.Run::folder).toList());
        List<String> labels = board.sections().get(0).rows().stream().map(Leaderboard.Row::label).toList();
        assertTrue(labels.containsAll(List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one",
                "hyperdas-global-argmax", "hyperdas-groundtruth")),
                labels.toString());
    }

    @Test
    void sameSeedSameParametersAndResumeMatchesAnUninterruptedRun() throws Exception {
        Map<String, float[]> a = fit(control(null, false, 0), 11);
        Map<String, float[]> b = fit(control(null, false, 0), 11);
        assertSame(a, b);

        Path ckpt = dir.resolve("resume/" + HyperDasMethod.CHECKPOINT);
        Map<String, float[]> partial = fit(control(ckpt.getParent(), false, 2), 11);
        assertTrue(Files.isRegularFile(ckpt));
        boolean differs = false;
        for (String name : a.keySet()) {
            differs |= !java.util.Arrays.equals(a.get(name), partial.get(name));
        }
        assertFalse(!differs, "a run stopped after 2 steps should not already hold the final parameters");
        Map<String, float[]> resumed = fit(control(ckpt.getParent(), true, 0), 11);
        assertSame(a, resumed);
    }

    /**
     * A frozen-embedding run: no hypernetwork embedding among its parameters, the setting in its
     * details, and a run resumed from its checkpoint ends with the uninterrupted run's parameters.
     */
    @Test
    void frozenEmbeddingRunResumesToTheUninterruptedRunsParameters() throws Exception {
        HyperDasMethod frozen = METHOD.withHypernetEmbedding(HypernetEmbedding.FROZEN);
        Map<String, float[]> a;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (HyperDasTrained t = frozen.fit(target, experiment.train(), options(13), control(null, false, 0),
                new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8))) {
            a = t.parameters();
            assertTrue(log.toString(java.nio.charset.StandardCharsets.UTF_8)
                    .contains("hypernetwork 1 layers (embedding frozen), "), log.toString());
            assertEquals("frozen", ((Map<?, ?>) t.details().get("hyperdas")).get(HyperDasMethod.HYPERNET_EMBEDDING));
            assertEquals(HypernetEmbedding.FROZEN, t.config().hypernetEmbedding());
        }
        assertFalse(a.containsKey(HyperDasParameters.HYPERNET + HyperDasParameters.EMBEDDING), a.keySet().toString());
        assertTrue(a.containsKey(HyperDasParameters.HYPERNET + "model.norm.weight"));
        Path ckpt = dir.resolve("frozen-resume/" + HyperDasMethod.CHECKPOINT);
        try (HyperDasTrained t = frozen.fit(target, experiment.train(), options(13), control(ckpt.getParent(), false,
                2), System.err)) {
            assertTrue(Files.isRegularFile(ckpt));
        }
        try (HyperDasTrained t = frozen.fit(target, experiment.train(), options(13), control(ckpt.getParent(), true,
                0), System.err)) {
            assertSame(a, t.parameters());
        }
        // The reference's model does not resume a frozen run's checkpoint.
        org.hyperdas.runtime.BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.hyperdas.runtime.BadInputException.class, () -> fit(control(ckpt.getParent(), true, 0), 13));
        assertTrue(e.getMessage().contains(HyperDasMethod.CHECKPOINT), e.getMessage());
    }

    @Test
    void groundTruthSelectionMovesTheSourceEntitysLastTokenIntoTheBaseEntitysOnly() {
        List<org.hyperdas.evaluation.pairs.Pair> pairs = experiment.train().pairs().subList(0, 6);
        org.hyperdas.evaluation.batch.PairBatch batch = target.batcher(6).batch(pairs);
        float[] w = GroundTruthSelection.of(batch);
        long[] shape = GroundTruthSelection.shape(batch);
        int rows = (int) shape[1];
        int tb = (int) shape[2];
        assertArrayEquals(new long[] {6, batch.sourceIds().dim(1) + 1, batch.baseIds().dim(1)}, shape);
        for (int b = 0; b < 6; b++) {
            int base = (int) batch.baseEntityLast().get(b);
            int source = (int) batch.sourceEntityLast().get(b);
            // The entity tokens are real, intervenable tokens of both prompts.
            assertEquals(1, batch.baseInterventionMask().get(b, base));
            assertEquals(1, batch.sourceInterventionMask().get(b, source));
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < tb; j++) {
                    boolean self = i == rows - 1;
                    float expected = j == base ? (i == source ? 1 : 0) : (self ? 1 : 0);
                    assertEquals(expected, w[(b * rows + i) * tb + j], "example " + b + " row " + i + " column " + j);
                }
            }
        }
    }

    @Test
    void ablatedModelsTrainWithTheirFedTemperatureAndCoin() throws Exception {
        org.hyperdas.graphs.hyperdas.Ablations ablations = org.hyperdas.graphs.hyperdas.Ablations.parse(
                List.of("no-base-cross", "random-order"), "mask");
        try (HyperDasTrained t = METHOD.withAblations(ablations).fit(target, experiment.train(), options(3),
                control(null, false, 0), System.err)) {
            Map<String, float[]> p = t.parameters();
            assertTrue(p.keySet().stream().anyMatch(n -> n.contains(".mask.mlp.down_proj")), p.keySet().toString());
            assertFalse(p.keySet().stream().anyMatch(n -> n.contains("base_cross_attn") || n.contains("householder.")));
            assertEquals(List.of("no-base-cross", "random-order", "subspace-mask"),
                    ((Map<?, ?>) t.details().get("hyperdas")).get("ablations"));
            for (float[] v : p.values()) {
                for (float x : v) {
                    assertTrue(Float.isFinite(x));
                }
            }
            assertEquals(experiment.train().pairs().size() > 0, !t.evaluate(experiment.train().pairs()).isEmpty());
        }
    }
}
