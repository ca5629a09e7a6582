package org.hyperdas.evaluation.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.ravel.Split;
import org.hyperdas.evaluation.ravel.WikiPrompt;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReferencePairsTest {
    private static RavelDataset city;

    @BeforeAll
    static void load() {
        Path dir = SharedData.require("ravel/data");
        city = RavelLoader.load(dir, "city");
    }

    private static PairOptions reference(long seed) {
        return PairOptions.defaults(seed).withLimits(300, 120).withMix(PairMix.REFERENCE);
    }

    @Test
    void pairsFollowTheReferenceDraw() {
        PairBuilder builder = new PairBuilder(city, reference(7));
        List<String> attributes = city.attributesWithValues();
        for (PairSplit split : List.of(PairSplit.TRAIN, PairSplit.TEST_CONTEXT)) {
            List<Pair> pairs = builder.buildAll(split);
            long cause = pairs.stream().filter(p -> p.kind() == PairKind.CAUSE).count();
            int limit = reference(7).limit(split);
            assertEquals((long) limit * attributes.size(), cause);
            assertEquals(2L * limit * attributes.size(), pairs.size());
            Set<String> templates = city.templates(split.templateSplit()).stream().map(t -> t.text())
                    .collect(Collectors.toSet());
            Set<String> passages = city.wikipediaPrompts().stream().filter(w -> w.split() == split.templateSplit())
                    .map(WikiPrompt::template).collect(Collectors.toSet());
            int wikipedia = 0;
            for (Pair p : pairs) {
                assertNotEquals(p.baseLabel(), p.counterfactualLabel(), p.toString());
                assertEquals(city.entity(p.baseEntity()).value(p.baseAttribute()), p.baseLabel());
                assertEquals(city.entity(p.sourceEntity()).value(p.baseAttribute()), p.counterfactualLabel());
                assertEquals(p.kind() == PairKind.CAUSE ? p.counterfactualLabel() : p.baseLabel(), p.expectedLabel());
                assertEquals(p.kind() == PairKind.CAUSE, p.baseAttribute().equals(p.attribute()));
                assertEquals(p.baseEntity() + " ; " + p.sourceEntity() + " - " + p.attribute(), p.instruction());
                assertEquals(split.entitySplit(), city.entity(p.baseEntity()).split());
                assertEquals(split.entitySplit(), city.entity(p.sourceEntity()).split());
                assertTrue(templates.contains(p.baseTemplate()));
                if (p.sourceAttribute().equals(ReferencePairs.WIKIPEDIA)) {
                    wikipedia++;
                    assertTrue(passages.contains(p.sourceTemplate()), p.sourceTemplate());
                    WikiPrompt w = city.wikipediaPrompts().stream().filter(x -> x.template().equals(p.sourceTemplate()))
                            .findFirst().orElseThrow();
                    assertTrue(w.fitsAnyEntity() || w.entity().equals(p.sourceEntity()), p.toString());
                } else {
                    assertTrue(templates.contains(p.sourceTemplate()), p.sourceTemplate());
                }
            }
            assertTrue(wikipedia > 0, "no Wikipedia source prompts in " + split);
            // Isolate pairs of one instruction attribute: balanced over the attributes their base asks.
            for (String a : attributes) {
                Map<String, Long> byBase = pairs.stream().filter(p -> p.kind() == PairKind.ISOLATE
                        && p.attribute().equals(a)).collect(Collectors.groupingBy(Pair::baseAttribute,
                        Collectors.counting()));
                assertEquals(attributes.size() - 1, byBase.size());
                long min = byBase.values().stream().mapToLong(Long::longValue).min().orElseThrow();
                long max = byBase.values().stream().mapToLong(Long::longValue).max().orElseThrow();
                assertTrue(max - min <= 1, byBase.toString());
            }
        }
    }

    /** The source prompt is a uniformly chosen attribute's template, or a passage as one more choice. */
    @Test
    void sourceAttributesAreUniform() {
        List<Pair> pairs = new PairBuilder(city, PairOptions.defaults(3).withLimits(2000, 0)
                .withMix(PairMix.REFERENCE).withAttributes(List.of("Country"))).buildAll(PairSplit.TRAIN);
        Map<String, Integer> counts = new HashMap<>();
        pairs.forEach(p -> counts.merge(p.sourceAttribute(), 1, Integer::sum));
        assertEquals(city.attributes().size() + 1, counts.size(), counts.toString());
        // Templates: each attribute about equally often (Wikipedia only for entities with passages).
        int n = counts.entrySet().stream().filter(e -> !e.getKey().equals(ReferencePairs.WIKIPEDIA))
                .mapToInt(Map.Entry::getValue).sum();
        double expected = (double) n / city.attributes().size();
        counts.forEach((a, c) -> {
            if (!a.equals(ReferencePairs.WIKIPEDIA)) {
                assertTrue(Math.abs(c - expected) < 5 * Math.sqrt(expected), a + ": " + counts);
            }
        });
    }

    @Test
    void sameSeedSamePairsOtherSeedOthers() {
        List<Pair> a = new PairBuilder(city, reference(1)).buildAll(PairSplit.TEST_ENTITY);
        List<Pair> b = new PairBuilder(city, reference(1)).buildAll(PairSplit.TEST_ENTITY);
        List<Pair> c = new PairBuilder(city, reference(2)).buildAll(PairSplit.TEST_ENTITY);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(Split.TEST, PairSplit.TEST_ENTITY.entitySplit());
    }
}
