package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train}, {@code sweep} and {@code leaderboard} end to end on stories260K (a real model that
 * knows no RAVEL facts, so the knowledge filter is off and the scores mean nothing; the files,
 * their layout and the errors are what is checked), with a handful of pairs.
 */
class DasCliTest {
    private static List<String> common(Path model) {
        return List.of("--model", model.toString(), "--no-knowledge-filter", "--entity-types", "city",
                "--attributes", "Country", "--train-per-kind", "12", "--eval-per-kind", "6", "--steps", "3",
                "--batch-size", "4", "--k", "4", "--threads", "1");
    }

    private static Cli.Result run(List<String> head, List<String> tail) {
        List<String> args = new ArrayList<>(head);
        args.addAll(tail);
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void trainSweepAndLeaderboard(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        List<Path> runs = new ArrayList<>();
        for (String method : List.of("mdas", "patching", "das")) {
            Path out = dir.resolve(method);
            Cli.Result r = run(List.of("train", "--method", method, "--layer", "1", "--out", out.toString()),
                    common(model));
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().startsWith("# " + method + ": Cause / Isolate / Disentangle (%)"), r.out());
            assertTrue(r.out().contains("## test_entity") && r.out().contains("## test_context"), r.out());
            for (String f : RunFolder.FILES) {
                assertTrue(Files.isRegularFile(out.resolve(f)), method + " " + f);
            }
            runs.add(out);
        }

        Path sweep = dir.resolve("sweep");
        Cli.Result s = run(List.of("sweep", "--method", "das", "--layers", "0..1", "--out", sweep.toString()),
                common(model));
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().startsWith("# Layer sweep: das"), s.out());
        assertTrue(s.out().contains("## val_entity: Disentangle by layer"), s.out());
        byte[] png = Files.readAllBytes(sweep.resolve("disentangle-by-layer.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG");
        List<String> csv = Files.readAllLines(sweep.resolve("sweep.csv"));
        assertEquals("layer,split,entity_type,attribute,cause,isolate,disentangle", csv.get(0));
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("0,val_entity,city,Country,")), csv.toString());
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("1,val_context,city,Country,")), csv.toString());
        assertTrue(Files.isRegularFile(sweep.resolve("layer-1").resolve(RunFolder.SCORES)));

        Path board = dir.resolve("board");
        List<String> args = new ArrayList<>(List.of("leaderboard", "--out", board.toString(), "--runs"));
        runs.forEach(p -> args.add(p.toString()));
        Cli.Result l = Cli.run(args.toArray(String[]::new));
        assertEquals(0, l.code(), l.err());
        String md = l.out();
        int patching = md.indexOf("\n| patching |");
        int das = md.indexOf("\n| das |");
        int mdas = md.indexOf("\n| mdas |");
        assertTrue(patching > 0 && patching < das && das < mdas, md);
        assertTrue(md.contains("## Published reference numbers"), md);
        for (String f : List.of("leaderboard.md", "leaderboard.csv", "leaderboard.html")) {
            assertTrue(Files.isRegularFile(board.resolve(f)), f);
        }
        assertEquals(md, Files.readString(board.resolve("leaderboard.md")));

        Files.delete(runs.get(1).resolve(RunFolder.SCORES));
        Cli.Result broken = Cli.run("leaderboard", "--out", board.toString(), "--runs", runs.get(0).toString(),
                runs.get(1).toString());
        assertEquals(2, broken.code());
        assertTrue(broken.err().contains(runs.get(1).toString()) && broken.err().contains("missing scores.json"),
                broken.err());
    }

    @Test
    void badInputsExitWithTwo(@TempDir Path dir) {
        try {
            System.setProperty("hyperdas.cache", dir.resolve("cache").toString());
            Cli.Result noModel = Cli.run("train", "--no-pretrain", "--method", "das", "--out", dir.resolve("x").toString());
            assertEquals(2, noModel.code(), noModel.err());
            assertTrue(noModel.err().contains("hyperdas-run pretrain"), noModel.err());
        } finally {
            System.clearProperty("hyperdas.cache");
        }
        Cli.Result method = Cli.run("train", "--method", "hypernet", "--model", dir.toString(), "--out",
                dir.resolve("x").toString());
        assertEquals(2, method.code(), method.err());
        assertTrue(method.err().contains("method 'hypernet': expected one of [patching, das, mdas, hyperdas]"), method.err());
        Cli.Result layers = Cli.run("leaderboard", "--runs", dir.resolve("none").toString());
        assertEquals(2, layers.code(), layers.err());
    }
}
