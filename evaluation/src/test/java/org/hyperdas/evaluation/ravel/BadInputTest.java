package org.hyperdas.evaluation.ravel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken RAVEL folders: each gives one clear message naming file, field and expectation. */
class BadInputTest {
    @TempDir
    Path dir;

    @BeforeEach
    void writeGoodFolder() throws IOException {
        write("ravel_toy_entity_attributes.json", """
                {"Paris": {"Country": "France", "Continent": "Europe"},
                 "Lima": {"Country": "Peru", "Continent": "South America"},
                 "Kraków": {"Country": "Poland", "Continent": "Europe"},
                 "Nowhere": {"Country": "", "Continent": ""}}
                """);
        write("ravel_toy_attribute_to_prompts.json", """
                {"Country": [" %s is in the country of", "{\\"city\\": \\"%s\\", \\"country\\": \\""],
                 "Continent": ["%s is on the continent of"],
                 "Mayor": ["The mayor of %s is"]}
                """);
        write("ravel_toy_prompt_to_split.json", """
                {" %s is in the country of": "train", "{\\"city\\": \\"%s\\", \\"country\\": \\"": "test",
                 "%s is on the continent of": "val", "The mayor of %s is": "train"}
                """);
        write("ravel_toy_entity_to_split.json", """
                {"Paris": "train", "Lima": "test", "Kraków": "val", "Nowhere": "train"}
                """);
        write("wikipedia_toy_entity_prompts.json", """
                {"%s was founded in": {"split": "train", "entity": null},
                 "The river in %s is": {"split": "test", "entity": "Paris"}}
                """);
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    @Test
    void goodFolderLoadsWithItsQuirks() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RavelDataset ds = RavelLoader.load(dir, "toy", new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(List.of("toy"), RavelLoader.entityTypes(dir));
        assertEquals(3, ds.entities().size());
        assertEquals(List.of("Nowhere"), ds.skippedEntities());
        assertEquals(List.of("Country", "Continent", "Mayor"), ds.attributes());
        assertEquals(List.of("Country", "Continent"), ds.attributesWithValues());
        assertEquals(" %s is in the country of", ds.templates("Country").get(0).text());
        assertEquals("{\"city\": \"Kraków\", \"country\": \"", ds.templates("Country").get(1).fill("Kraków"));
        assertEquals(Split.VAL, ds.entity("Kraków").split());
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("skipped 1 entity whose every attribute value is empty: Nowhere"), text);
        assertTrue(text.contains("attribute 'Mayor' has prompts but no values"), text);
    }

    @Test
    void missingFile() throws IOException {
        Files.delete(dir.resolve("ravel_toy_prompt_to_split.json"));
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertTrue(e.getMessage().startsWith(dir.resolve("ravel_toy_prompt_to_split.json") + ": no such file"),
                e.getMessage());
        assertTrue(e.getMessage().contains("ravel_toy_entity_to_split.json"), e.getMessage());
    }

    @Test
    void missingFolder() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> RavelLoader.entityTypes(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("no such folder"), e.getMessage());
    }

    @Test
    void malformedJsonNamesLineAndColumn() throws IOException {
        write("ravel_toy_entity_to_split.json", "{\"Paris\": \"train\",\n \"Lima\" \"test\"}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertTrue(e.getMessage().startsWith(dir.resolve("ravel_toy_entity_to_split.json") + ": malformed JSON at line 2, column "),
                e.getMessage());
        assertTrue(e.getMessage().contains("expected {entity:"), e.getMessage());
    }

    @Test
    void truncatedJson() throws IOException {
        write("ravel_toy_entity_attributes.json", "{\"Paris\": {\"Country\": \"France\"");
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertTrue(e.getMessage().contains("ravel_toy_entity_attributes.json: malformed JSON at line 1, column"),
                e.getMessage());
    }

    @Test
    void templateWithoutSlot() throws IOException {
        write("ravel_toy_attribute_to_prompts.json", """
                {"Country": [" %s is in the country of", "The country is"], "Continent": ["%s is on"]}
                """);
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertEquals(dir.resolve("ravel_toy_attribute_to_prompts.json")
                + ": field 'Country[1]': expected a template with exactly one %s, found 0 in \"The country is\"",
                e.getMessage());
    }

    @Test
    void templateWithTwoSlots() throws IOException {
        write("ravel_toy_attribute_to_prompts.json", """
                {"Country": [" %s is in the country of"], "Continent": ["%s and %s are on"]}
                """);
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertTrue(e.getMessage().contains("field 'Continent[0]': expected a template with exactly one %s, found 2"),
                e.getMessage());
    }

    @Test
    void entityInSplitFileButNotInAttributeFile() throws IOException {
        write("ravel_toy_entity_to_split.json", """
                {"Paris": "train", "Lima": "test", "Kraków": "val", "Nowhere": "train", "Atlantis": "test"}
                """);
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertEquals(dir.resolve("ravel_toy_entity_to_split.json") + ": field 'Atlantis': expected an entity listed in "
                + "ravel_toy_entity_attributes.json, found an entity that file does not have", e.getMessage());
    }

    @Test
    void entityWithoutSplit() throws IOException {
        write("ravel_toy_entity_to_split.json", "{\"Paris\": \"train\", \"Lima\": \"test\"}");
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertTrue(e.getMessage().contains("field 'Kraków': expected a split"), e.getMessage());
    }

    @Test
    void badSplitLabelAndTemplateWithoutSplit() throws IOException {
        write("ravel_toy_entity_to_split.json",
                "{\"Paris\": \"training\", \"Lima\": \"test\", \"Kraków\": \"val\", \"Nowhere\": \"train\"}");
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertTrue(e.getMessage().contains("field 'Paris': expected \"train\", \"val\" or \"test\", found \"training\""),
                e.getMessage());
        writeGoodFolder();
        write("ravel_toy_prompt_to_split.json", "{\" %s is in the country of\": \"train\"}");
        e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertTrue(e.getMessage().contains("expected a split (\"train\" | \"val\" | \"test\") for this template of "
                + "attribute 'Country'"), e.getMessage());
    }

    @Test
    void wrongShape() throws IOException {
        write("ravel_toy_entity_attributes.json", "[1, 2]");
        BadInputException e = assertThrows(BadInputException.class, () -> RavelLoader.load(dir, "toy"));
        assertTrue(e.getMessage().contains("expected a JSON object {entity: {attribute: value}}, found an array"),
                e.getMessage());
    }

    @Test
    void prepareDataNamesTheMissingFileAndUnknownType() throws IOException {
        Files.delete(dir.resolve("wikipedia_toy_entity_prompts.json"));
        BadInputException missing = assertThrows(BadInputException.class,
                () -> PrepareData.run(dir, dir.resolve("out"), List.of(), 0, null));
        assertTrue(missing.getMessage().contains("wikipedia_toy_entity_prompts.json: no such file"),
                missing.getMessage());
        BadInputException type = assertThrows(BadInputException.class,
                () -> PrepareData.run(null, dir.resolve("out"), List.of("verb"), 0, null));
        assertTrue(type.getMessage().contains("entity type 'verb': expected one of [city, physical_object]"),
                type.getMessage());
    }
}
