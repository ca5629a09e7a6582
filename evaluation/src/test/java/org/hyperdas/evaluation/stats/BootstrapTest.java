package org.hyperdas.evaluation.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.Scorer;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.evaluation.stats.SplitIntervals.CidInterval;
import org.junit.jupiter.api.Test;

/** Observed scores equal the Scorer's, paired differences line up, and 95% bootstrap intervals cover 95%. */
class BootstrapTest {
    private static final String[] ATTRIBUTES = {"Country", "Continent"};

    /** n pairs per (type, attribute, kind); correct with probability p[attribute][kind]. */
    static List<Outcome> synthetic(SplittableRandom rng, int n, double[][] p) {
        List<Outcome> out = new ArrayList<>();
        for (String type : List.of("city", "physical_object")) {
            for (int a = 0; a < ATTRIBUTES.length; a++) {
                for (PairKind kind : PairKind.values()) {
                    for (int i = 0; i < n; i++) {
                        String e = type + a + kind + i;
                        Pair pair = new Pair(type, ATTRIBUTES[a], ATTRIBUTES[a], "", kind, "test_entity", "%s x", e,
                                "%s y", "s", e + " ; s - " + ATTRIBUTES[a], "b", "c", "c", true);
                        out.add(new Outcome(pair, "?", rng.nextDouble() < p[a][kind.ordinal()]));
                    }
                }
            }
        }
        return out;
    }

    private static final double[][] P = {{0.7, 0.55}, {0.8, 0.6}};

    @Test
    void identityDrawGivesTheScorersNumbers() {
        List<Outcome> outcomes = synthetic(new SplittableRandom(1), 37, P);
        ScoredPairs pairs = ScoredPairs.bySplit(outcomes).get("test_entity");
        ScoredPairs.SplitCid observed = pairs.score(pairs.identityDraw());
        Scores.SplitScores expected = Scorer.score("m", outcomes).split("test_entity").orElseThrow();
        assertEquals(expected.overall(), observed.overall());
        for (Scores.TypeScores t : expected.entityTypes()) {
            assertEquals(t.cid(), observed.byType().get(t.entityType()));
        }
        SplitIntervals i = Bootstrap.overPairs(pairs, 200, 3);
        assertEquals(expected.overall().disentangle(), i.overall().disentangle().estimate());
        assertTrue(i.overall().disentangle().low() < i.overall().disentangle().high());
    }

    @Test
    void bootstrapIntervalCoversTheTrueDisentangleAbout95Percent() {
        // true Disentangle of each type: mean over attributes of (cause + isolate) / 2
        double truth = ((P[0][0] + P[0][1]) / 2 + (P[1][0] + P[1][1]) / 2) / 2;
        SplittableRandom rng = new SplittableRandom(11);
        int trials = 600;
        int covered = 0;
        long start = System.nanoTime();
        for (int t = 0; t < trials; t++) {
            ScoredPairs pairs = ScoredPairs.bySplit(synthetic(rng, 60, P)).get("test_entity");
            Interval d = Bootstrap.overPairs(pairs, 300, rng.nextLong()).byType().get("city").disentangle();
            covered += d.low() <= truth && truth <= d.high() ? 1 : 0;
        }
        double coverage = (double) covered / trials;
        assertTrue(coverage >= 0.92 && coverage <= 0.98, "coverage " + coverage);
        assertTrue(System.nanoTime() - start < 60e9, "took too long");
    }

    @Test
    void pairedDifferenceOfARunWithItselfIsZero() {
        List<ScoredPairs> seeds = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            seeds.add(ScoredPairs.bySplit(synthetic(new SplittableRandom(s), 20, P)).get("test_entity"));
        }
        CidInterval d = Bootstrap.pairedDifference(seeds, seeds, 100, 5).overall();
        for (int c = 0; c < 3; c++) {
            assertEquals(new Interval(0, 0, 0), d.component(c));
        }
    }

    @Test
    void pairedDifferenceSeesAShiftThatUnpairedNoiseWouldHide() {
        SplittableRandom rng = new SplittableRandom(4);
        List<Outcome> a = synthetic(rng, 200, P);
        // B: the same pairs, wrong on every 10th pair A got right (a 3-point drop on average)
        List<Outcome> b = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            Outcome o = a.get(i);
            b.add(new Outcome(o.pair(), o.predicted(), o.correct() && i % 10 != 0));
        }
        Interval d = Bootstrap.pairedDifference(List.of(ScoredPairs.bySplit(a).get("test_entity")),
                List.of(ScoredPairs.bySplit(b).get("test_entity")), 500, 9).overall().disentangle();
        assertTrue(d.estimate() > 0.05 && d.estimate() < 0.09, d.toString());
        assertTrue(d.excludesZeroAbove(), d.toString());
    }

    @Test
    void pairedDifferenceRefusesDifferentPairs() {
        ScoredPairs x = ScoredPairs.bySplit(synthetic(new SplittableRandom(1), 5, P)).get("test_entity");
        ScoredPairs y = ScoredPairs.bySplit(synthetic(new SplittableRandom(1), 6, P)).get("test_entity");
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.pairedDifference(List.of(x), List.of(y), 10, 1));
    }

    @Test
    void acrossSeedsIsTheTIntervalOfTheSeedScores() {
        List<ScoredPairs.SplitCid> seeds = new ArrayList<>();
        for (double d : new double[] {0.5, 0.6, 0.7}) {
            Scores.Cid c = new Scores.Cid(d, d, d);
            seeds.add(new ScoredPairs.SplitCid(java.util.Map.of("city", c), c));
        }
        SplitIntervals i = Bootstrap.acrossSeeds("test_entity", seeds);
        assertEquals(Intervals.tInterval(new double[] {0.5, 0.6, 0.7}), i.overall().disentangle());
        assertEquals(Intervals.tInterval(new double[] {0.5, 0.6, 0.7}), i.byType().get("city").cause());
    }

    @Test
    void aTIntervalAcrossSeedsStaysWithinTheScoresRange() {
        List<ScoredPairs.SplitCid> seeds = new ArrayList<>();
        for (double d : new double[] {0.90, 0.96, 1.0}) {
            Scores.Cid c = new Scores.Cid(d, d, d);
            seeds.add(new ScoredPairs.SplitCid(java.util.Map.of("city", c), c));
        }
        Interval raw = Intervals.tInterval(new double[] {0.90, 0.96, 1.0});
        assertTrue(raw.high() > 1, "the plain t-interval leaves 0..1 here: " + raw);
        Interval shown = Bootstrap.acrossSeeds("test_entity", seeds).overall().isolate();
        assertEquals(raw.estimate(), shown.estimate());
        assertEquals(raw.low(), shown.low());
        assertEquals(1.0, shown.high());
    }
}
