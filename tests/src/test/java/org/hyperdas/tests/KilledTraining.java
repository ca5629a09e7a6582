package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hyperdas.cli.HyperdasRun;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.train.TrainStep;

/**
 * Runs {@code hyperdas-run} in a child JVM and kills it with SIGKILL once a checkpoint has been
 * written, so kill/resume tests exercise a process that gets no chance to clean up.
 */
final class KilledTraining {
    private static final long DEADLINE_SECONDS = 240;

    private KilledTraining() {}

    /**
     * Starts {@code args} in a child process (output in {@code dir/child.log}), waits until
     * {@code checkpoint} records a step of at least {@code minStep}, kills the child forcibly and
     * returns the step that checkpoint holds afterwards.
     *
     * @param awaited what the child is waiting for, for the failure message when it ends first
     */
    static long killAfterCheckpoint(Path dir, List<String> args, Path checkpoint, long minStep, String awaited)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HyperdasRun.class.getName()));
        cmd.addAll(args);
        Path log = dir.resolve("child.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process child = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            while (!(Files.isRegularFile(checkpoint) && checkpointStep(checkpoint) >= minStep)) {
                assertTrue(child.isAlive(), "the child ended before " + awaited + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
                assertTrue(System.nanoTime() < deadline, "no checkpoint within " + DEADLINE_SECONDS + " s");
                Thread.sleep(5);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no cleanup
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        return checkpointStep(checkpoint);
    }

    /** The training step a checkpoint file records in its metadata. */
    static long checkpointStep(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return Long.parseLong(f.metadata().get(TrainStep.STEP_KEY));
        }
    }

    /**
     * Asserts both parameter files hold the same tensor names with bit-identical values; returns
     * how many tensors were compared.
     */
    static int assertSameParameters(Path expected, Path actual) {
        try (SafetensorsFile a = SafetensorsFile.open(expected);
                SafetensorsFile b = SafetensorsFile.open(actual)) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String name : a.tensors().keySet()) {
                assertArrayEquals(a.floatArray(name), b.floatArray(name), name);
            }
            return a.tensors().size();
        }
    }

    /** {@code args} followed by {@code more}, as a command line. */
    static String[] concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
