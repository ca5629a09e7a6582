package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * {@code train --seeds}: one run folder per seed, each the same as {@code train --seed S} gives,
 * and one leaderboard with intervals over the seeds.
 */
class SeedsCliTest {
    static List<String> tinyMdas(Path model, Path out) {
        return new ArrayList<>(List.of("train", "--method", "mdas", "--model", model.toString(),
                "--no-knowledge-filter", "--entity-types", "city", "--attributes", "Country", "--train-per-kind", "8",
                "--eval-per-kind", "3", "--steps", "6", "--batch-size", "4", "--k", "2", "--layer", "1",
                "--threads", "1", "--out", out.toString()));
    }

    @Test
    void everySeedTrainsAsItsOwnRunAndTheBoardHasIntervals(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        List<String> args = tinyMdas(model, dir.resolve("seeds"));
        args.addAll(List.of("--seeds", "3,5"));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        for (String seed : List.of("seed-3", "seed-5")) {
            assertTrue(Files.isRegularFile(dir.resolve("seeds").resolve(seed).resolve(RunFolder.SCORES)), seed);
        }
        String md = Files.readString(dir.resolve("seeds/leaderboard.md"));
        assertTrue(md.contains("| mdas | 3,5 | "), md);
        assertTrue(md.contains("Student's t-interval"), md);
        assertTrue(r.out().contains("RAVEL leaderboard with 95% intervals"), r.out());

        List<String> single = tinyMdas(model, dir.resolve("single"));
        single.addAll(List.of("--seed", "5"));
        Cli.Result s = Cli.run(single.toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("single").resolve(RunFolder.PREDICTIONS)),
                Files.readAllBytes(dir.resolve("seeds/seed-5").resolve(RunFolder.PREDICTIONS)));
        assertArrayEquals(Files.readAllBytes(dir.resolve("single").resolve(RunFolder.PARAMETERS)),
                Files.readAllBytes(dir.resolve("seeds/seed-5").resolve(RunFolder.PARAMETERS)));
    }

    @Test
    void seedAndSeedsTogetherAreRefused(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        List<String> args = tinyMdas(model, dir.resolve("x"));
        args.addAll(List.of("--seeds", "0,1", "--seed", "2"));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--seed and --seeds"), r.err());
    }
}
