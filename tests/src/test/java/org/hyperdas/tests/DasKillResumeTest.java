package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hyperdas.cli.HyperdasRun;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.testing.SharedData;
import org.hyperdas.runtime.train.TrainStep;
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

    private static long checkpointStep(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return Long.parseLong(f.metadata().get(TrainStep.STEP_KEY));
        }
    }

    @Test
    void aKilledRunResumesAttributeByAttributeAndEndsBitIdentical(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        Path killed = dir.resolve("killed");
        Path second = killed.resolve("checkpoints/city.Continent.safetensors");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HyperdasRun.class.getName()));
        cmd.addAll(trainArgs(model, killed));
        Path log = dir.resolve("child.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process child = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (!(Files.isRegularFile(second) && checkpointStep(second) >= CHECKPOINT_EVERY)) {
                assertTrue(child.isAlive(), "the child ended before its checkpoint in the second attribute:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
                assertTrue(System.nanoTime() < deadline, "no checkpoint within 240 s");
                Thread.sleep(5);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no cleanup
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        long savedAt = checkpointStep(second);
        assertTrue(Files.notExists(killed.resolve(RunFolder.PREDICTIONS)), "the killed run must not have finished");

        Cli.Result resumed = Cli.run(concat(trainArgs(model, killed), "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        String config = Files.readString(killed.resolve(RunFolder.CONFIG));
        assertTrue(config.contains("\"resumed_at\" : " + savedAt), "Continent resumed at the kill's last checkpoint, "
                + savedAt + ":\n" + config);
        assertTrue(config.contains("\"resumed_at\" : 150"), "Country was finished before the kill:\n" + config);

        Path reference = dir.resolve("reference");
        Cli.Result uninterrupted = Cli.run(trainArgs(model, reference).toArray(String[]::new));
        assertEquals(0, uninterrupted.code(), uninterrupted.err());
        try (SafetensorsFile a = SafetensorsFile.open(reference.resolve(RunFolder.PARAMETERS));
                SafetensorsFile b = SafetensorsFile.open(killed.resolve(RunFolder.PARAMETERS))) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String name : a.tensors().keySet()) {
                assertArrayEquals(a.floatArray(name), b.floatArray(name), name);
            }
        }
        assertArrayEquals(Files.readAllBytes(reference.resolve(RunFolder.PREDICTIONS)),
                Files.readAllBytes(killed.resolve(RunFolder.PREDICTIONS)), "predictions");
        System.out.printf("mdas killed after step %d of its second attribute, resumed: bit-identical%n", savedAt);
    }

    private static String[] concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
