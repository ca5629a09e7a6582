package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.trainer.das.DasMethod;
import org.hyperdas.trainer.das.DasTrainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DAS / MDAS through {@link TrainLoop}'s checkpoints on a random tiny Llama: a run stopped after a
 * checkpoint and resumed ends with exactly the subspace of an uninterrupted run (MDAS's two
 * samplers are replayed to the resumed step), and a checkpoint of other settings is refused.
 */
class DasResumeTest {
    private static final int STEPS = 9;

    @TempDir
    static Path dir;
    private static TargetModel target;
    private static List<Pair> cause;
    private static List<Pair> isolate;

    @BeforeAll
    static void setUp() throws Exception {
        Path folder = TinyWordModel.write(dir.resolve("tiny"), 7, 2, 32);
        target = TargetModel.open(folder, OrtEngine.cpu().withIntraOpThreads(1));
        PairOptions options = PairOptions.defaults(3).withLimits(12, 4).withAttributes(List.of("Country"));
        PairSet pairs = new PairSource(null, null, List.of("city"), List.of("Country"), options)
                .load(List.of(PairSplit.TRAIN, PairSplit.TEST_ENTITY), System.err);
        PairSet train = new PairSet(pairs.split("train"));
        cause = train.select("train", "city", "Country", PairKind.CAUSE);
        isolate = train.select("train", "city", "Country", PairKind.ISOLATE);
    }

    @AfterAll
    static void tearDown() {
        target.close();
    }

    private static float[] train(long seed, RunControl control) throws Exception {
        MethodOptions o = new MethodOptions(1, 4, STEPS, 5, 16, 1e-2, 2, seed);
        try (DasTrainer trainer = new DasTrainer(target, DasTrainer.Options.from(o, true))) {
            return trainer.train("city", "Country", cause, isolate, control, System.err).vectors();
        }
    }

    private static Path checkpoint(Path folder) {
        return folder.resolve("checkpoints/" + DasMethod.key("city", "Country") + ".safetensors");
    }

    @Test
    void aResumedRunEndsWithTheSubspaceOfAnUninterruptedOne() throws Exception {
        float[] whole = train(3, RunControl.none());
        Path folder = dir.resolve("stopped");
        float[] partial = train(3, new RunControl(folder, 2, false, 1, 4));
        assertTrue(Files.isRegularFile(checkpoint(folder)));
        assertFalse(Arrays.equals(whole, partial), "4 of " + STEPS + " steps should not give the final subspace");
        float[] resumed = train(3, new RunControl(folder, 2, true, 1, 0));
        assertArrayEquals(whole, resumed);
        float[] again = train(3, new RunControl(folder, 2, true, 1, 0));
        assertArrayEquals(whole, again, "resuming a finished attribute keeps its subspace");
    }

    @Test
    void aCheckpointOfAnotherSeedIsRefused() throws Exception {
        Path folder = dir.resolve("other");
        train(3, new RunControl(folder, 2, false, 0, 2));
        BadInputException e = assertThrows(BadInputException.class,
                () -> train(4, new RunControl(folder, 2, true, 0, 0)));
        assertTrue(e.getMessage().contains("seed"), e.getMessage());
        assertEquals(checkpoint(folder).toString(), e.getMessage().substring(0, checkpoint(folder).toString().length()));
    }
}
