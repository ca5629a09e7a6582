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
 * {@code train} with the default method (hyperdas) end to end on stories260K (which knows no RAVEL
 * facts, so the knowledge filter is off and the scores mean nothing): a few steps write the three
 * hyperdas-* run folders and the checkpoint; {@code leaderboard} shows the three rows after the
 * baselines' places; without a model or a cached knowledge model it exits with 2.
 */
class HyperDasCliTest {
    @Test
    void trainsThreeModesAndTheLeaderboardReadsThem(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        Path out = dir.resolve("hd");
        Cli.Result r = Cli.run("train", "--model", model.toString(), "--no-knowledge-filter", "--entity-types", "city",
                "--attributes", "Country", "--train-per-kind", "8", "--eval-per-kind", "4", "--epochs", "1",
                "--batch-size", "4", "--k", "4", "--hypernet-layers", "1", "--layer", "1", "--threads", "1",
                "--progress-every", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String label : List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one")) {
            assertTrue(r.out().contains("# " + label + ": Cause / Isolate / Disentangle (%)"), r.out());
            for (String f : RunFolder.FILES) {
                assertTrue(Files.isRegularFile(out.resolve(label).resolve(f)), label + " " + f);
            }
        }
        assertTrue(Files.isRegularFile(out.resolve("checkpoint.safetensors")));

        Cli.Result again = Cli.run("train", "--model", model.toString(), "--no-knowledge-filter", "--entity-types",
                "city", "--attributes", "Country", "--train-per-kind", "8", "--eval-per-kind", "4", "--epochs", "1",
                "--batch-size", "4", "--k", "4", "--hypernet-layers", "1", "--layer", "1", "--threads", "1",
                "--resume", "--out", out.toString());
        assertEquals(0, again.code(), again.err());
        String config = Files.readString(out.resolve("hyperdas-soft").resolve(RunFolder.CONFIG));
        assertTrue(config.contains("\"resumed_at\" : 4"), config);

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
        Cli.Result steps = Cli.run("train", "--steps", "3", "--model", dir.toString(), "--out",
                dir.resolve("y").toString());
        assertEquals(2, steps.code(), steps.err());
        assertTrue(steps.err().contains("--epochs"), steps.err());
    }
}
