package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A HyperDAS training process killed with SIGKILL loses only the steps since its last checkpoint:
 * {@code train --resume} continues from the checkpoint the killed process left (complete, since
 * checkpoints are written to a temp file and moved into place), and ends with parameters
 * bit-identical to an uninterrupted run's.
 */
class HyperDasKillResumeTest {
    private static final int CHECKPOINT_EVERY = 3;

    private static List<String> trainArgs(Path model, Path out) {
        return List.of("train", "--model", model.toString(), "--no-knowledge-filter", "--entity-types", "city",
                "--attributes", "Country", "--train-per-kind", "64", "--eval-per-kind", "2", "--epochs", "3",
                "--batch-size", "4", "--k", "4", "--hypernet-layers", "1", "--layer", "1", "--threads", "1",
                "--baselines", "none", "--progress-every", "0", "--checkpoint-every", Integer.toString(CHECKPOINT_EVERY),
                "--out", out.toString());
    }

    @Test
    void aKilledRunResumesFromItsLastCheckpointAndEndsBitIdentical(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");

        Path killed = dir.resolve("killed");
        Path checkpoint = killed.resolve("types/city/checkpoint.safetensors");
        long savedAt = KilledTraining.killAfterCheckpoint(dir, trainArgs(model, killed), checkpoint, CHECKPOINT_EVERY,
                "its first checkpoint");
        assertTrue(Files.notExists(killed.resolve("hyperdas-soft")), "the killed run must not have finished");

        Cli.Result resumed = Cli.run(KilledTraining.concat(trainArgs(model, killed), "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        String config = Files.readString(killed.resolve("hyperdas-soft").resolve(RunFolder.CONFIG));
        assertTrue(config.contains("\"resumed_at\" : " + savedAt), "resumed at the kill's last checkpoint, "
                + savedAt + ":\n" + config);

        Path reference = dir.resolve("reference");
        Cli.Result uninterrupted = Cli.run(trainArgs(model, reference).toArray(String[]::new));
        assertEquals(0, uninterrupted.code(), uninterrupted.err());
        int tensors = KilledTraining.assertSameParameters(reference.resolve("hyperdas-soft").resolve(RunFolder.PARAMETERS),
                killed.resolve("hyperdas-soft").resolve(RunFolder.PARAMETERS));
        System.out.printf("killed after checkpoint step %d, resumed: %d parameter tensors bit-identical to the"
                + " uninterrupted run%n", savedAt, tensors);
    }
}
