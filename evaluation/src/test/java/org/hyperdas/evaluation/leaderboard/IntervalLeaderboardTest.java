package org.hyperdas.evaluation.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scorer;
import org.hyperdas.evaluation.stats.Interval;
import org.hyperdas.evaluation.stats.Intervals;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Means over seeds, the one-seed bootstrap, paired differences and the files' layout. */
class IntervalLeaderboardTest {
    /** 20 cause + 20 isolate pairs of one city attribute on test_entity; the first {@code right} of each right. */
    private static Path run(Path dir, String method, long seed, int right) throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        for (PairKind kind : PairKind.values()) {
            for (int i = 0; i < 20; i++) {
                String e = "e" + seed + "_" + i;
                Pair p = new Pair("city", "Country", "Country", "", kind, "test_entity", "%s x", e, "%s y", "s",
                        e + " ; s - Country", "b", "c", kind == PairKind.CAUSE ? "c" : "b", true);
                outcomes.add(new Outcome(p, "?", i < right));
            }
        }
        Path folder = dir.resolve("seed-" + seed).resolve(method);
        RunFolder.write(folder, Map.of("method", method, "model", "m", "layer", 1, "seed", seed),
                new SafetensorsWriter(), outcomes, Scorer.score(method, outcomes));
        return folder;
    }

    @Test
    void threeSeedsGiveTIntervalsAndAPairedDifference(@TempDir Path dir) throws Exception {
        List<Path> runs = new ArrayList<>();
        int[] mdas = {10, 12, 14};
        for (int s = 0; s < 3; s++) {
            runs.add(run(dir, "mdas", s, mdas[s]));
            runs.add(run(dir, "hyperdas-soft", s, mdas[s] + 2));
        }
        IntervalLeaderboard board = IntervalLeaderboard.fromFolders(runs, IntervalLeaderboard.DEFAULT_REFERENCE);
        IntervalLeaderboard.Section s = board.sections().get(0);
        assertEquals("test_entity", s.split());
        assertEquals(List.of("mdas", "hyperdas-soft"), s.rows().stream().map(IntervalLeaderboard.Row::method).toList());
        Interval mdasD = s.rows().get(0).intervals().overall().disentangle();
        assertEquals(Intervals.tInterval(new double[] {0.5, 0.6, 0.7}), mdasD);
        // hyperdas is right on the same pairs as mdas and 2 more of every 20 in every seed: +10 points;
        // a paired replicate can only see a gain (how many of those 2 pairs it draws), never a loss
        Interval diff = s.differences().get(0).intervals().overall().disentangle();
        assertEquals(0.1, diff.estimate(), 1e-12);
        assertTrue(diff.low() > 0 && diff.low() < 0.1 && diff.high() > 0.1 && diff.high() < 0.2, diff.toString());
        String md = IntervalLeaderboardWriter.markdown(board);
        assertTrue(md.contains("| mdas | 0,1,2 | 60.0 [35.2, 84.8] | 60.0 [35.2, 84.8] | 60.0 [35.2, 84.8] |"), md);
        assertTrue(md.contains("hyperdas-soft − mdas, average Disentangle: +10.0 ["),
                md);
        assertTrue(md.contains("]: above 0 at 95%."), md);
        assertTrue(md.contains(IntervalLeaderboardWriter.METHOD_NOTE));
        String csv = IntervalLeaderboardWriter.csv(board);
        assertTrue(csv.contains("test_entity,mdas,\"0,1,2\",average,disentangle,60.00,35.16,84.84,false\n"), csv);
        assertTrue(csv.contains("test_entity:difference,hyperdas-soft − mdas,\"0,1,2\",city,disentangle,10.00,"), csv);
    }

    @Test
    void oneSeedBootstrapsOverPairs(@TempDir Path dir) throws Exception {
        IntervalLeaderboard board = IntervalLeaderboard.fromFolders(List.of(run(dir, "das", 0, 10)), "mdas");
        Interval d = board.sections().get(0).rows().get(0).intervals().overall().disentangle();
        assertEquals(0.5, d.estimate());
        assertTrue(d.low() < 0.5 && d.high() > 0.5 && d.low() > 0.2 && d.high() < 0.8, d.toString());
        assertTrue(board.sections().get(0).differences().isEmpty());
    }

    @Test
    void refusesTwoRunsOfOneMethodAndSeed(@TempDir Path dir) throws Exception {
        Path a = run(dir.resolve("a"), "das", 0, 10);
        Path b = run(dir.resolve("b"), "das", 0, 11);
        BadInputException e = assertThrows(BadInputException.class,
                () -> IntervalLeaderboard.fromFolders(List.of(a, b), "mdas"));
        assertTrue(e.getMessage().contains("seed 0"), e.getMessage());
    }
}
