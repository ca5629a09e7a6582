package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hyperdas-run bench train-step} on a tiny batch, run in-process. */
class BenchCliTest {
    @Test
    void trainStepReportsThroughputAndProfile(@TempDir Path dir) throws Exception {
        Path profile = dir.resolve("profiles/step.json");
        Cli.Result r = Cli.run("bench", "train-step", "--layers", "2", "--steps", "2", "--warmup", "1", "--repeat", "2",
                "--batch", "2", "--seq", "4", "--threads", "1", "--profile", profile.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(2, j.get("layers").asInt());
        assertEquals("zero-copy", j.get("mode").asText());
        assertEquals(2, j.get("seconds_per_repeat").size());
        assertTrue(j.get("best_steps_per_s").asDouble() > 0);
        // 6 x (2 blocks + LM head) x 8 tokens + 12 x 2 x 2 x 16 x 256
        double expected = 6.0 * (2 * 686_080 + 65_536) * 8 + 12.0 * 2 * 2 * 16 * 256;
        assertEquals(expected / 1e9, j.get("gflop_per_step").asDouble(), 1e-12);
        assertTrue(Files.size(profile) > 0);
        assertTrue(j.get("ops").size() > 10, "time per op type from the profile");
    }

    @Test
    void textOutputAndBadFlags() {
        Cli.Result r = Cli.run("bench", "train-step", "--layers", "1", "--steps", "1", "--warmup", "0", "--repeat", "1",
                "--batch", "1", "--seq", "4", "--mode", "allocate");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("allocate") && r.out().contains("GFLOP/s"), r.out());
        Cli.Result bad = Cli.run("bench", "train-step", "--layers", "1", "--mode", "pinned");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--mode: expected zero-copy or allocate"), bad.err());
        assertEquals(2, Cli.run("bench", "train-step", "--layers", "0").code());
        assertTrue(Cli.run("--help").out().contains("bench"));
    }
}
