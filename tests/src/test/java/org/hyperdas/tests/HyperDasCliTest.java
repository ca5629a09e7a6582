package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} with the default method (hyperdas) end to end on stories260K (which knows no RAVEL
 * facts, so the knowledge filter is off and the scores mean nothing): a few steps write the three
 * hyperdas-* run folders, the checkpoint, the MDAS baseline's run folder at the same layer and k,
 * and one leaderboard of all four; {@code leaderboard} orders the three HyperDAS rows; without a
 * model or a cached knowledge model (default or --cache) it exits with 2.
 */
class HyperDasCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void trainsThreeModesAndTheLeaderboardReadsThem(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        Path out = dir.resolve("hd");
        Cli.Result r = Cli.run("train", "--model", model.toString(), "--no-knowledge-filter", "--entity-types", "city",
                "--attributes", "Country", "--train-per-kind", "8", "--eval-per-kind", "4", "--epochs", "1",
                "--batch-size", "4", "--k", "4", "--hypernet-layers", "1", "--layer", "1",
                "--progress-every", "2", "--steps", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        // TrainCommand's rule for a small CPU target without --threads and with a baseline: on 2 or
        // more cores the baseline trains beside HyperDAS, HyperDAS on cores - cores / 2 ONNX Runtime
        // threads and the baseline on cores / 2; on 1 core they run one after the other, both on
        // ONNX Runtime's default of every core.
        int cores = Runtime.getRuntime().availableProcessors();
        boolean beside = cores >= 2;
        int hyperdasThreads = beside ? cores - cores / 2 : Math.max(1, cores);
        int baselineThreads = beside ? Math.max(1, cores / 2) : Math.max(1, cores);
        for (String label : List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one", "mdas")) {
            JsonNode config = JSON.readTree(out.resolve(label).resolve(RunFolder.CONFIG).toFile());
            int expected = label.equals("mdas") ? baselineThreads : hyperdasThreads;
            assertEquals("cpu", config.path("device").asText(), label + ": " + config);
            assertEquals(expected, config.path("intra_op_threads").asInt(-1),
                    label + " on " + cores + " core(s), ONNX Runtime threads: " + config);
        }
        for (String label : List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one", "mdas")) {
            assertTrue(r.out().contains("\n| " + label + " |"), "leaderboard row " + label + ":\n" + r.out());
            for (String f : RunFolder.FILES) {
                assertTrue(Files.isRegularFile(out.resolve(label).resolve(f)), label + " " + f);
            }
        }
        String mdasConfig = Files.readString(out.resolve("mdas").resolve(RunFolder.CONFIG));
        assertTrue(mdasConfig.contains("\"layer\" : 1") && mdasConfig.contains("\"k\" : 4")
                && mdasConfig.contains("\"steps\" : 3"), "the baseline runs at HyperDAS's layer and k:\n" + mdasConfig);
        for (String f : List.of("leaderboard.md", "leaderboard.csv", "leaderboard.html")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertTrue(Files.readString(out.resolve("leaderboard.html")).contains("href=\"hyperdas-soft/selection-1.png\""));
        assertTrue(Files.isRegularFile(out.resolve("types/city/checkpoint.safetensors")), "per-type scope by default");
        assertTrue(Files.notExists(out.resolve("layer-probe.json")), "--layer 1 is taken as given, no probe");

        Cli.Result again = Cli.run("train", "--model", model.toString(), "--no-knowledge-filter", "--entity-types",
                "city", "--attributes", "Country", "--train-per-kind", "8", "--eval-per-kind", "4", "--epochs", "1",
                "--batch-size", "4", "--k", "4", "--hypernet-layers", "1", "--layer", "1", "--threads", "1",
                "--resume", "--baselines", "none", "--out", out.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("# hyperdas-soft: Cause / Isolate / Disentangle (%)"), again.out());
        String config = Files.readString(out.resolve("hyperdas-soft").resolve(RunFolder.CONFIG));
        assertTrue(config.contains("\"resumed_at\" : 4"), config);
        assertEquals(1, JSON.readTree(config).path("intra_op_threads").asInt(-1), "--threads 1 wins over the split:\n"
                + config);

        Cli.Result merged = Cli.run("export", "--run", out.toString(), "--out", dir.resolve("x1").toString());
        assertEquals(2, merged.code(), merged.err());
        assertTrue(merged.err().contains("types/city/hyperdas-soft"), merged.err());
        Cli.Result perType = Cli.run("export", "--run", out.resolve("types/city").toString(), "--out",
                dir.resolve("x2").toString());
        assertEquals(0, perType.code(), perType.err());

        Path board = dir.resolve("board");
        Cli.Result l = Cli.run("leaderboard", "--out", board.toString(), "--runs",
                out.resolve("hyperdas-one-to-one").toString(), out.resolve("hyperdas-soft").toString(),
                out.resolve("hyperdas-one-to-many").toString());
        assertEquals(0, l.code(), l.err());
        int soft = l.out().indexOf("\n| hyperdas-soft |");
        int many = l.out().indexOf("\n| hyperdas-one-to-many |");
        int one = l.out().indexOf("\n| hyperdas-one-to-one |");
        assertTrue(soft > 0 && soft < many && many < one, l.out());
        String html = Files.readString(board.resolve("leaderboard.html"));
        assertTrue(html.contains("href=\"../hd/hyperdas-soft/selection-1.png\""), html);
    }

    /**
     * Without --layer, hyperdas on a small target probes the layers: the run folder records every
     * candidate's Disentangle and the choice (the best of them), and HyperDAS and its MDAS baseline
     * both run at the chosen layer.
     */
    @Test
    void autoLayerRecordsTheProbeAndRunsEveryMethodAtItsChoice(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        Path out = dir.resolve("auto");
        Cli.Result r = Cli.run("train", "--model", model.toString(), "--no-knowledge-filter", "--entity-types", "city",
                "--attributes", "Country", "--train-per-kind", "8", "--eval-per-kind", "4", "--epochs", "1",
                "--batch-size", "4", "--k", "4", "--hypernet-layers", "1", "--progress-every", "0", "--steps", "3",
                "--threads", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode probe = JSON.readTree(out.resolve("layer-probe.json").toFile());
        int layers = JSON.readTree(model.resolve("config.json").toFile()).path("num_hidden_layers").asInt();
        JsonNode byLayer = probe.path("disentangle_by_layer");
        assertEquals(layers, byLayer.size(), "candidates 0..layers-1: " + probe);
        int best = -1;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < layers; l++) {
            double v = byLayer.path(Integer.toString(l)).asDouble(Double.NaN);
            assertTrue(v >= 0 && v <= 1, probe.toString());
            if (v > bestValue) {
                bestValue = v;
                best = l;
            }
        }
        assertEquals(best, probe.path("layer").asInt(), "the probe picks the best Disentangle: " + probe);
        for (String label : List.of("hyperdas-soft", "mdas")) {
            JsonNode config = JSON.readTree(out.resolve(label).resolve(RunFolder.CONFIG).toFile());
            assertEquals(best, config.path("layer").asInt(), label);
        }
    }

    @Test
    void withoutAModelItAsksForPretraining(@TempDir Path dir) {
        try {
            System.setProperty("hyperdas.cache", dir.resolve("cache").toString());
            Cli.Result r = Cli.run("train", "--no-pretrain", "--out", dir.resolve("x").toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("hyperdas-run pretrain"), r.err());
        } finally {
            System.clearProperty("hyperdas.cache");
        }
        Path cache = dir.resolve("other-cache");
        Cli.Result cached = Cli.run("train", "--no-pretrain", "--cache", cache.toString(), "--out",
                dir.resolve("z").toString());
        assertEquals(2, cached.code(), cached.err());
        assertTrue(cached.err().contains(cache.resolve("knowledge-model").toString()), cached.err());
        Cli.Result baseline = Cli.run("train", "--method", "mdas", "--baselines", "das", "--model", dir.toString(),
                "--out", dir.resolve("w").toString());
        assertEquals(2, baseline.code(), baseline.err());
        assertTrue(baseline.err().contains("--baselines applies to --method hyperdas only"), baseline.err());
        Cli.Result steps = Cli.run("train", "--steps", "3", "--baselines", "none", "--model", dir.toString(), "--out",
                dir.resolve("y").toString());
        assertEquals(2, steps.code(), steps.err());
        assertTrue(steps.err().contains("--epochs"), steps.err());
    }
}
