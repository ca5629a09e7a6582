package org.hyperdas.evaluation.pairs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.PrepareData;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairBuilderTest {
    private static RavelDataset cityCache;
    private RavelDataset city;

    /** The release's city data (tests that need it skip when ../shared is absent). */
    @BeforeEach
    void load(TestInfo info) {
        if (info.getTestMethod().orElseThrow().getName().startsWith("embedded")) {
            return;
        }
        if (cityCache == null) {
            cityCache = RavelLoader.load(SharedData.require("ravel/data"), "city");
        }
        city = cityCache;
    }

    @Test
    void cityPairsFollowTheProtocol() {
        PairBuilder b = new PairBuilder(city, PairOptions.defaults(7));
        Map<String, Template> templates = new HashMap<>();
        city.templates().forEach(t -> templates.put(t.text(), t));
        System.out.println("city pairs, seed 7 (split: cause / isolate):");
        for (PairSplit split : PairOptions.DEFAULT_SPLITS) {
            int cause = 0;
            int isolate = 0;
            Set<String> seen = new HashSet<>();
            for (Pair p : b.buildAll(split)) {
                assertNotEquals(p.baseLabel(), p.counterfactualLabel(), p.toString());
                Entity base = city.entity(p.baseEntity());
                Entity source = city.entity(p.sourceEntity());
                assertEquals(split.entitySplit(), base.split());
                assertEquals(split.entitySplit(), source.split());
                Template bt = templates.get(p.baseTemplate());
                Template st = templates.get(p.sourceTemplate());
                assertEquals(split.templateSplit(), bt.split());
                assertEquals(split.templateSplit(), st.split());
                assertEquals(p.baseAttribute(), bt.attribute());
                assertEquals(p.sourceAttribute(), st.attribute());
                assertEquals(base.value(p.baseAttribute()), p.baseLabel());
                assertEquals(source.value(p.baseAttribute()), p.counterfactualLabel());
                assertEquals(p.baseEntity() + " ; " + p.sourceEntity() + " - " + p.attribute(), p.instruction());
                assertEquals(split.label(), p.split());
                assertTrue(p.knowsIt());
                if (p.kind() == PairKind.CAUSE) {
                    cause++;
                    assertEquals(p.attribute(), p.baseAttribute());
                    assertEquals(p.counterfactualLabel(), p.expectedLabel());
                } else {
                    isolate++;
                    assertNotEquals(p.attribute(), p.baseAttribute());
                    assertEquals(p.baseLabel(), p.expectedLabel());
                }
                assertTrue(seen.add(p.kind() + "|" + p.attribute() + "|" + p.baseTemplate() + "|" + p.baseEntity()),
                        "bases are drawn without replacement");
            }
            System.out.printf("  %-13s %6d / %6d%n", split, cause, isolate);
            assertEquals(6 * 4000 * (split.isTraining() ? 1 : 0) + 6 * 1000 * (split.isTraining() ? 0 : 1), cause);
            assertEquals(cause, isolate);
        }
    }

    @Test
    void sourcesBalanceLabels() {
        PairBuilder b = new PairBuilder(city, PairOptions.defaults(3).withAttributes(List.of("Country")));
        List<Pair> cause = b.build(PairSplit.TRAIN, "Country", PairKind.CAUSE).pairs();
        Map<String, Integer> labels = new HashMap<>();
        cause.forEach(p -> labels.merge(p.expectedLabel(), 1, Integer::sum));
        double top = labels.values().stream().mapToInt(Integer::intValue).max().orElseThrow() / (double) cause.size();
        long us = city.entities(org.hyperdas.evaluation.ravel.Split.TRAIN).stream()
                .filter(e -> "United States".equals(e.value("Country"))).count();
        double usShare = us / (double) city.entities(org.hyperdas.evaluation.ravel.Split.TRAIN).size();
        System.out.printf("Country cause labels: %d distinct, top share %.3f (United States among entities %.3f)%n",
                labels.size(), top, usShare);
        assertTrue(usShare > 0.08);
        assertTrue(top < 0.03, "top label share " + top);
        assertTrue(labels.size() > 100);
    }

    @Test
    void samplerNeverReturnsTheExcludedLabel() {
        List<Entity> pool = city.entities(org.hyperdas.evaluation.ravel.Split.TRAIN);
        PairBuilder.Sampler s = new PairBuilder.Sampler(pool, "Continent", 1.0);
        SplittableRandom r = new SplittableRandom(1);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 60000; i++) {
            Entity e = s.sample(r, "Asia");
            assertNotEquals("Asia", e.value("Continent"));
            counts.merge(e.value("Continent"), 1, Integer::sum);
        }
        // Five other continents, each with weight n/(1+n) ~ 1: close to uniform.
        assertEquals(5, counts.size());
        counts.values().forEach(c -> assertTrue(Math.abs(c - 12000) < 600, counts.toString()));
        List<Entity> one = pool.stream().filter(e -> "Europe".equals(e.value("Continent"))).toList();
        assertEquals(null, new PairBuilder.Sampler(one, "Continent", 1.0).sample(r, "Europe"));
    }

    @Test
    void chunksDependOnlyOnSeedAndNames() {
        PairBuilder all = new PairBuilder(city, PairOptions.defaults(5).withLimits(300, 100));
        PairBuilder one = new PairBuilder(city, PairOptions.defaults(5).withLimits(300, 100)
                .withAttributes(List.of("Language")));
        List<Pair> fromAll = all.buildAll(PairSplit.TEST_CONTEXT).stream()
                .filter(p -> p.attribute().equals("Language") && p.kind() == PairKind.ISOLATE).toList();
        List<Pair> fromOne = one.buildAll(PairSplit.TEST_CONTEXT).stream()
                .filter(p -> p.kind() == PairKind.ISOLATE).toList();
        assertEquals(100, fromAll.size());
        assertEquals(fromAll, fromOne);
        PairBuilder other = new PairBuilder(city, PairOptions.defaults(6).withLimits(300, 100));
        assertNotEquals(all.build(PairSplit.TRAIN, "Country", PairKind.CAUSE).pairs(),
                other.build(PairSplit.TRAIN, "Country", PairKind.CAUSE).pairs());
    }

    @Test
    void sameSeedGivesByteEqualFiles(@TempDir Path tmp) throws IOException {
        Path ravel = SharedData.require("ravel/data");
        PairOptions opt = PairOptions.defaults(42).withLimits(1500, 400);
        PrepareData.Result a = PrepareData.run(ravel, tmp.resolve("a"), List.of("city"), opt, System.out);
        PrepareData.Result b = PrepareData.run(ravel, tmp.resolve("b"), List.of("city"), opt, null);
        PrepareData.Result c = PrepareData.run(ravel, tmp.resolve("c"), List.of("city"), opt.withSeed(43), null);
        System.out.print(a.table());
        assertEquals(3, a.files().size());
        for (int i = 0; i < a.files().size(); i++) {
            byte[] x = Files.readAllBytes(a.files().get(i));
            assertArrayEquals(x, Files.readAllBytes(b.files().get(i)), a.files().get(i).getFileName().toString());
            assertFalse(java.util.Arrays.equals(x, Files.readAllBytes(c.files().get(i))));
        }
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a/counts.tsv")), Files.readAllBytes(tmp.resolve("b/counts.tsv")));
        assertEquals(a.counts(), b.counts());
        assertEquals(6 * 1500, a.counts().count("city", "train", PairKind.CAUSE));
        assertEquals(6 * 400, a.counts().count("city", "test_context", PairKind.ISOLATE));
        assertTrue(a.table().contains("city         Country    train"), a.table());
    }

    @Test
    void embeddedDatasetBuildsEverySplit(@TempDir Path tmp) throws IOException {
        PrepareData.Result r = PrepareData.run(null, tmp, null, 1, null);
        System.out.print(r.table());
        assertEquals(6, r.files().size());
        for (String type : RavelLoader.EMBEDDED_TYPES) {
            for (PairSplit s : PairOptions.DEFAULT_SPLITS) {
                for (PairKind k : PairKind.values()) {
                    long n = r.counts().count(type, s.label(), k);
                    assertTrue(n > 100, type + " " + s + " " + k + ": " + n);
                }
                assertTrue(Files.isRegularFile(tmp.resolve(PrepareData.fileName(type, s))));
            }
        }
        assertNotNull(r.table());
        PrepareData.Result again = PrepareData.run(null, tmp.resolve("again"), null, 1, null);
        for (int i = 0; i < r.files().size(); i++) {
            assertArrayEquals(Files.readAllBytes(r.files().get(i)), Files.readAllBytes(again.files().get(i)));
        }
    }
}
