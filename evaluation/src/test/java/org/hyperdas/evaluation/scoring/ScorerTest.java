package org.hyperdas.evaluation.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.junit.jupiter.api.Test;

/** Scores through Tribuo equal a direct count on a hand-made set of outcomes. */
class ScorerTest {
    static Pair pair(String split, String type, String attribute, PairKind kind, int i) {
        String base = "e" + i;
        return new Pair(type, attribute, kind == PairKind.CAUSE ? attribute : "Other", "", kind, split,
                "%s is in", base, "%s lies in", "s" + i, Pair.instruction(base, "s" + i, attribute),
                "b" + i, "c" + i, kind == PairKind.CAUSE ? "c" + i : "b" + i, true);
    }

    /** A hand-made set: per (split, type, attribute, kind) a known number right out of a known total. */
    static List<Outcome> handMade() {
        List<Outcome> out = new ArrayList<>();
        // split, type, attribute, cause right, cause total, isolate right, isolate total
        Object[][] table = {
            {"test_entity", "city", "Country", 3, 4, 1, 2},
            {"test_entity", "city", "Continent", 0, 5, 5, 5},
            {"test_entity", "physical_object", "Color", 2, 2, 0, 3},
            {"test_context", "city", "Country", 1, 1, 1, 4},
        };
        int n = 0;
        for (Object[] r : table) {
            for (int kind = 0; kind < 2; kind++) {
                int right = (int) r[3 + 2 * kind];
                int total = (int) r[4 + 2 * kind];
                for (int i = 0; i < total; i++) {
                    Pair p = pair((String) r[0], (String) r[1], (String) r[2],
                            kind == 0 ? PairKind.CAUSE : PairKind.ISOLATE, n++);
                    boolean ok = i < right;
                    out.add(new Outcome(p, ok ? p.expectedLabel() : "wrong", ok));
                }
            }
        }
        return out;
    }

    @Test
    void tribuoAccuracyEqualsADirectCount() {
        Random random = new Random(1);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + random.nextInt(300);
            List<Boolean> flags = new ArrayList<>();
            int right = 0;
            for (int i = 0; i < n; i++) {
                boolean c = random.nextDouble() < trial / 20.0;
                flags.add(c);
                right += c ? 1 : 0;
            }
            Accuracy a = Scorer.accuracy(flags);
            assertEquals(right, a.correct());
            assertEquals(n, a.total());
            assertEquals((double) right / n, a.value(), 1e-15);
        }
        assertTrue(Double.isNaN(Scorer.accuracy(List.of()).value()));
        assertEquals(1.0, Scorer.accuracy(List.of(true, true)).value());
        assertEquals(0.0, Scorer.accuracy(List.of(false)).value());
    }

    @Test
    void scoresGroupAndAverageAsRavelSays() {
        Scores s = Scorer.score("das", handMade());
        assertEquals("das", s.method());
        assertEquals(List.of("test_entity", "test_context"), s.splits().stream().map(Scores.SplitScores::split).toList());
        Scores.SplitScores entity = s.split("test_entity").orElseThrow();
        Scores.TypeScores city = entity.entityType("city").orElseThrow();
        Scores.AttributeScores country = city.attribute("Country").orElseThrow();
        assertEquals(new Accuracy(3, 4), country.cause());
        assertEquals(new Accuracy(1, 2), country.isolate());
        assertEquals(0.625, country.cid().disentangle(), 1e-12);
        Scores.AttributeScores continent = city.attribute("Continent").orElseThrow();
        assertEquals(0.0, continent.cid().cause());
        assertEquals(1.0, continent.cid().isolate());
        // city = mean over Country and Continent
        assertEquals((0.75 + 0.0) / 2, city.cid().cause(), 1e-12);
        assertEquals((0.5 + 1.0) / 2, city.cid().isolate(), 1e-12);
        assertEquals((0.625 + 0.5) / 2, city.cid().disentangle(), 1e-12);
        Scores.TypeScores object = entity.entityType("physical_object").orElseThrow();
        assertEquals(1.0, object.cid().cause());
        assertEquals(0.0, object.cid().isolate());
        // overall = mean over the entity types
        assertEquals((0.375 + 1.0) / 2, entity.overall().cause(), 1e-12);
        assertEquals((0.75 + 0.0) / 2, entity.overall().isolate(), 1e-12);
        assertEquals((0.5625 + 0.5) / 2, entity.overall().disentangle(), 1e-12);
        Scores.SplitScores context = s.split("test_context").orElseThrow();
        assertEquals(1.0, context.overall().cause());
        assertEquals(0.25, context.overall().isolate());
    }
}
