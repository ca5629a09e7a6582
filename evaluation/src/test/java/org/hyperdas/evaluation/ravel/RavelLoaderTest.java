package org.hyperdas.evaluation.ravel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;

class RavelLoaderTest {
    /** Entities in the release file, templates, attributes; from RAVEL.md and the files. */
    private record Expected(String type, int entities, int skipped, int templates, List<String> attributes) {}

    private static final List<Expected> RELEASE = List.of(
            new Expected("city", 3552, 0, 273,
                    List.of("Country", "Continent", "Latitude", "Longitude", "Language", "Timezone")),
            new Expected("nobel_prize_winner", 928, 2, 301,
                    List.of("Field", "Award Year", "Birth Year", "Country of Birth", "Gender")),
            new Expected("verb", 986, 0, 359, List.of("Definition", "Singular", "Past Tense", "Pronunciation")),
            new Expected("physical_object", 563, 0, 165, List.of("Category", "Color", "Size", "Texture")),
            new Expected("occupation", 799, 0, 92, List.of("Duty", "Gender Bias", "Industry", "Work Location")));

    @Test
    void releaseCountsMatchRavelMd() {
        Path dir = SharedData.require("ravel/data");
        assertEquals(RavelLoader.RAVEL_TYPES, RavelLoader.entityTypes(dir));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
        for (Expected x : RELEASE) {
            RavelDataset ds = RavelLoader.load(dir, x.type(), ps);
            assertEquals(x.entities(), ds.entities().size() + ds.skippedEntities().size(), x.type());
            assertEquals(x.skipped(), ds.skippedEntities().size(), x.type());
            assertEquals(x.templates(), ds.templates().size(), x.type());
            assertEquals(x.attributes(), ds.attributes(), x.type());
            System.out.println(ds.summary());
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("city: 3552 entities (1787 train / 818 val / 947 test), 6 attributes, 273 templates"),
                text);
        assertTrue(text.contains("nobel_prize_winner: skipped 2 entities whose every attribute value is empty"), text);
        assertTrue(text.contains("attribute 'Gender Bias' has prompts but no values"), text);
    }

    @Test
    void quirksSurvive() {
        Path dir = SharedData.require("ravel/data");
        RavelDataset city = RavelLoader.load(dir, "city");
        // Leading spaces are kept, JSON fragments are text.
        assertTrue(city.templates().stream().anyMatch(t -> t.text().startsWith(" ")));
        assertTrue(city.templates().stream().anyMatch(t -> t.text().contains("{\"city\": \"%s\"")));
        // Negative integer coordinates are plain strings.
        assertTrue(city.entities().stream().anyMatch(e -> e.value("Latitude").startsWith("-")));
        assertEquals(Map.of("Continent", "Europe", "Country", "Denmark", "Language", "Danish", "Latitude", "57",
                "Longitude", "10", "Timezone", "Europe/Copenhagen"), city.entity("Aalborg").values());

        RavelDataset nobel = RavelLoader.load(dir, "nobel_prize_winner");
        assertEquals(List.of("Michael Houghton", "Satoshi &"), nobel.skippedEntities());
        assertNull(nobel.entity("Michael Houghton"));
        // Non-ASCII names.
        assertTrue(nobel.entities().stream().anyMatch(e -> !e.name().chars().allMatch(c -> c < 128)));

        RavelDataset verb = RavelLoader.load(dir, "verb");
        assertEquals("/əˈbændən/", verb.entity("abandon").value("Pronunciation"));

        RavelDataset objects = RavelLoader.load(dir, "physical_object");
        assertTrue(objects.entities().stream().anyMatch(e -> "non-living things".equals(e.value("Category"))));
        assertTrue(objects.entities().stream().anyMatch(e -> "non-living thing".equals(e.value("Category"))));

        RavelDataset occ = RavelLoader.load(dir, "occupation");
        assertEquals(List.of("Duty", "Industry", "Work Location"), occ.attributesWithValues());
        assertEquals(8, occ.templates("Gender Bias").size());
        assertFalse(occ.wikipediaPrompts().isEmpty());
        assertTrue(occ.wikipediaPrompts().stream().anyMatch(WikiPromptFits::any));
    }

    private static final class WikiPromptFits {
        static boolean any(WikiPrompt p) {
            return p.fitsAnyEntity() || p.entity() != null;
        }
    }

    @Test
    void embeddedDatasetIsComplete() {
        RavelDataset city = RavelLoader.loadEmbedded("city");
        RavelDataset obj = RavelLoader.loadEmbedded("physical_object");
        assertTrue(city.entities().size() >= 150, "cities: " + city.entities().size());
        assertTrue(obj.entities().size() >= 100, "objects: " + obj.entities().size());
        assertEquals(List.of("Country", "Continent", "Language", "Timezone"), city.attributesWithValues());
        assertEquals(List.of("Category", "Color", "Size", "Texture"), obj.attributesWithValues());
        for (RavelDataset ds : List.of(city, obj)) {
            for (String a : ds.attributes()) {
                assertTrue(ds.templates(a).size() >= 8, ds.entityType() + " " + a + ": " + ds.templates(a).size());
                for (Split s : Split.values()) {
                    assertFalse(ds.templates(a, s).isEmpty(), ds.entityType() + " " + a + " has no " + s + " template");
                }
            }
            for (Split s : Split.values()) {
                assertTrue(ds.entities(s).size() >= 10, ds.entityType() + " " + s);
            }
            for (var e : ds.entities()) {
                assertEquals(ds.attributes().size(), e.values().size(), e.name());
            }
            assertTrue(ds.skippedEntities().isEmpty());
            assertFalse(ds.wikipediaPrompts().isEmpty());
            System.out.println("embedded " + ds.summary());
        }
        assertNotNull(city.entity("São Paulo"));
        assertEquals("Brazil", city.entity("São Paulo").value("Country"));
        assertEquals("Europe/Paris", city.entity("Paris").value("Timezone"));
        assertEquals("animal", obj.entity("rabbit").value("Category"));
    }
}
