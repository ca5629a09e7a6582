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

    @Test
    void matmulReportsAPeak() {
        Cli.Result r = Cli.run("bench", "matmul", "--size", "64", "--threads", "1", "--repeat", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("matmul 64 x 64 x 64 float32, 1 thread(s): best "), r.out());
        assertEquals(2, Cli.run("bench", "matmul", "--size", "0").code());
    }

    /** stories260K: 5 layers, hidden 64, 8 / 4 heads (head_dim 8), MLP 172, vocab 512; batch 2. */
    @Test
    void hyperDasStepCountsTheFlopsOfItsShapes() {
        java.nio.file.Path model = org.hyperdas.runtime.testing.SharedData.require("models/stories260K");
        Cli.Result r = Cli.run("bench", "hyperdas-step", "--model", model.toString(), "--hypernet-layers", "1",
                "--batch-size", "2", "--steps", "1", "--warmup", "0", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "batch 2: base (\\d+), source (\\d+), instruction (\\d+), label (\\d+) tokens").matcher(r.out());
        assertTrue(m.find(), r.out());
        double lb = Double.parseDouble(m.group(1));
        double ls = Double.parseDouble(m.group(2));
        double li = Double.parseDouble(m.group(3));
        double ll = Double.parseDouble(m.group(4));
        java.util.regex.Matcher layer = java.util.regex.Pattern.compile("layer (\\d+), k").matcher(r.out());
        assertTrue(layer.find(), r.out());
        int l = Integer.parseInt(layer.group(1));
        double h = 64;
        double qd = 64;
        double kvd = 32;
        double pb = h * qd + 2 * h * kvd + qd * h + 3 * h * 172;
        double n = 5;
        double b = 2;
        double memory = (n + 1) * b * (lb + ls);
        double expected = 2 * pb * n * b * (lb + ls) + 4 * n * b * (lb * lb + ls * ls) * qd
                + 4 * pb * (n - l) * b * lb + 12 * (n - l) * b * lb * lb * qd + 4 * 512 * h * b * ll
                + 6 * (pb + 4 * h * qd) * b * li + 4 * 2 * h * kvd * memory + 12 * b * li * li * qd + 12 * li * memory * qd;
        String flops = String.format(java.util.Locale.ROOT, "FLOPs/step %.3f GFLOP", expected / 1e9);
        assertTrue(r.out().contains(flops), flops + " in\n" + r.out());
        assertTrue(r.out().contains("steps/s") && r.out().contains("% of the matmul peak"), r.out());
    }
}
