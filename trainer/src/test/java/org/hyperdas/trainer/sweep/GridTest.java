package org.hyperdas.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.Test;

/** Grid expansion: the Cartesian product of the axes, names, fixed values, flags and refusals. */
class GridTest {
    private static final Set<String> OPTIONS = Set.of("method", "layer", "k", "seed", "entity-types", "steps",
            "no-knowledge-filter", "baselines", "threads", "model");
    private static final Path FILE = Path.of("grid.json");

    private static List<Cell> expand(String json) throws Exception {
        return Grid.expand(new ObjectMapper().readTree(json), FILE, OPTIONS);
    }

    @Test
    void axesMultiplyFirstKeySlowest() throws Exception {
        List<Cell> cells = expand("{\"method\": [\"mdas\", \"hyperdas\"], \"layer\": [1, 2], \"k\": 4,"
                + " \"seed\": [0, 1, 2], \"entity_types\": \"city,physical_object\", \"no-knowledge-filter\": true}");
        assertEquals(2 * 2 * 3, cells.size());
        assertEquals(List.of("method", "layer", "seed"), cells.get(0).axes());
        assertEquals("method-mdas_layer-1_seed-0", cells.get(0).name());
        assertEquals("method-mdas_layer-1_seed-1", cells.get(1).name());
        assertEquals("method-mdas_layer-2_seed-0", cells.get(3).name());
        assertEquals("method-hyperdas_layer-2_seed-2", cells.get(11).name());
        assertEquals(cells.size(), cells.stream().map(Cell::name).distinct().count());
        Cell last = cells.get(11);
        assertEquals(2, last.seed());
        assertEquals("layer=2", last.context());
        assertEquals(List.of("train", "--method", "hyperdas", "--layer", "2", "--k", "4", "--seed", "2",
                "--entity-types", "city,physical_object", "--no-knowledge-filter", "--baselines", "none", "--out",
                "x", "--resume"), last.trainArgs(Path.of("x")));
        // mdas trains nothing beside it: no --baselines
        assertTrue(!cells.get(0).settings().containsKey("baselines"));
    }

    @Test
    void aGridWithoutAxesIsOneCellAndFalseFlagsAreLeftOut() throws Exception {
        List<Cell> cells = expand("{\"method\": \"das\", \"steps\": [10], \"no-knowledge-filter\": false}");
        assertEquals(1, cells.size());
        assertEquals("cell", cells.get(0).name());
        assertEquals(List.of("train", "--method", "das", "--steps", "10", "--out", "o", "--resume"),
                cells.get(0).trainArgs(Path.of("o")));
        assertEquals(Map.of("method", "das", "steps", "10", "no-knowledge-filter", "false"), cells.get(0).settings());
    }

    @Test
    void yamlGridsReadAsTheirJsonForm(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("grid.yaml");
        java.nio.file.Files.writeString(yaml, "method: [mdas, hyperdas]\nseed: [0, 1]\nk: 4\n"
                + "no-knowledge-filter: true\n");
        Path json = dir.resolve("grid.json");
        java.nio.file.Files.writeString(json, "{\"method\": [\"mdas\", \"hyperdas\"], \"seed\": [0, 1], \"k\": 4,"
                + " \"no-knowledge-filter\": true}");
        List<Cell> fromYaml = Grid.read(yaml, OPTIONS);
        assertEquals(4, fromYaml.size());
        assertEquals(Grid.read(json, OPTIONS), fromYaml);
        java.nio.file.Files.writeString(yaml, "method: [mdas\n");
        assertThrows(BadInputException.class, () -> Grid.read(yaml, OPTIONS));
    }

    @Test
    void refusals() {
        for (String bad : List.of("[1, 2]", "{}", "{\"out\": \"x\"}", "{\"seeds\": [1]}", "{\"lr2\": 1}",
                "{\"layer\": []}", "{\"layer\": {\"a\": 1}}", "{\"method\": [\"mdas\", \"nope\"]}")) {
            BadInputException e = assertThrows(BadInputException.class, () -> expand(bad), bad);
            assertTrue(e.getMessage().contains("grid.json"), e.getMessage());
        }
    }

    @Test
    void planSharesTheCoresBetweenCells() {
        assertEquals(new LocalBackend.Plan(2, 1), LocalBackend.Plan.over(2, 4, null));
        assertEquals(new LocalBackend.Plan(6, 2), LocalBackend.Plan.over(16, 6, null));
        assertEquals(new LocalBackend.Plan(1, 16), LocalBackend.Plan.over(16, 1, null));
        assertEquals(new LocalBackend.Plan(4, 4), LocalBackend.Plan.over(16, 40, 4));
    }
}
