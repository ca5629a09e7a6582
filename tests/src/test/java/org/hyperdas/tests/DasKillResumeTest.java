package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * An MDAS training process killed with SIGKILL in its second attribute: {@code train --method mdas
 * --resume} keeps the finished attribute's subspace, continues the other from its last checkpoint
 * (replaying its two samplers), and ends with parameters and predictions bit-identical to an
 * uninterrupted run's.
 */
class DasKillResumeTest {
    private static final int CHECKPOINT_EVERY = 5;

    private static List<String> trainArgs(Path model, Path out) {
        return List.of("train", "--method", "mdas", "--model", model.toString(), "--no-knowledge-filter",
                "--entity-types", "city", "--attributes", "Country,Continent", "--train-per-kind", "32",
                "--eval-per-kind", "2", "--steps", "150", "--batch-size", "4", "--k", "4", "--layer", "1",
                "--threads", "1", "--checkpoint-every", Integer.toString(CHECKPOINT_EVERY), "--out", out.toString());
    }

    @Test
    void aKilledRunResumesAttributeByAttributeAndEndsBitIdentical(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        Path killed = dir.resolve("killed");
        Path second = killed.resolve("checkpoints/city.Continent.safetensors");
        long savedAt = KilledTraining.killAfterCheckpoint(dir, trainArgs(model, killed), second, CHECKPOINT_EVERY,
                "its checkpoint in the second attribute");
        assertTrue(Files.notExists(killed.resolve(RunFolder.PREDICTIONS)), "the killed run must not have finished");

        Cli.Result resumed = Cli.run(KilledTraining.concat(trainArgs(model, killed), "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        String config = Files.readString(killed.resolve(RunFolder.CONFIG));
        assertTrue(config.contains("\"resumed_at\" : " + savedAt), "Continent resumed at the kill's last checkpoint, "
                + savedAt + ":\n" + config);
        assertTrue(config.contains("\"resumed_at\" : 150"), "Country was finished before the kill:\n" + config);

        Path reference = dir.resolve("reference");
        Cli.Result uninterrupted = Cli.run(trainArgs(model, reference).toArray(String[]::new));
        assertEquals(0, uninterrupted.code(), uninterrupted.err());
        KilledTraining.assertSameParameters(reference.resolve(RunFolder.PARAMETERS),
                killed.resolve(RunFolder.PARAMETERS));
        assertArrayEquals(Files.readAllBytes(reference.resolve(RunFolder.PREDICTIONS)),
                Files.readAllBytes(killed.resolve(RunFolder.PREDICTIONS)), "predictions");
        System.out.printf("mdas killed after step %d of its second attribute, resumed: bit-identical%n", savedAt);
    }
}
