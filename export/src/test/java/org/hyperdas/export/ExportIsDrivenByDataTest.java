package org.hyperdas.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the export module decides from data instead of a method's name: the inputs a graph is fed
 * come from its spec, the exporters from the list it is given.
 */
class ExportIsDrivenByDataTest {
    /** An exporter that only has a name (and, optionally, grouped run folders). */
    private record Named(String method, List<String> groupedRuns) implements MethodExporter {
        @Override
        public boolean hasSubspace() {
            return false;
        }

        @Override
        public TrainedExport read(ExportSource source, RunSettings settings, LlamaConfig target, WeightStore p) {
            throw new UnsupportedOperationException();
        }
    }

    private static final MethodExporters ABC = new MethodExporters(List.of(new Named("a", List.of()),
            new Named("b", List.of("b-x", "b-y")), new Named("c", List.of())));

    @Test
    void anUnknownMethodNamesTheMethodsThatExport() {
        Path config = Path.of("run", "config.json");
        assertEquals("b", ABC.find("b", config).method());
        BadInputException e = assertThrows(BadInputException.class, () -> ABC.find("d", config));
        assertTrue(e.getMessage().contains("'method': expected a, b or c"), e.getMessage());
        assertTrue(e.getMessage().startsWith(config.toString()), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new MethodExporters(List.of(new Named("a", List.of()), new Named("a", List.of()))));
    }

    @Test
    void aFolderThatIsNoRunNamesTheGroupedRunFolders(@TempDir Path dir) {
        BadInputException e = assertThrows(BadInputException.class, () -> ExportSource.read(dir, ABC));
        assertTrue(e.getMessage().startsWith(dir + ": not a run folder: expected config.json"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(written by hyperdas-run train), or a b run folder holding b-x/, b-y/"),
                e.getMessage());
    }

    @Test
    void theIntervenedSpecsTellWhatToFeed() {
        assertTrue(GraphSpec.SUPPORTED.keySet().containsAll(GraphSpec.INTERVENED));
        for (String name : GraphSpec.SUPPORTED.keySet()) {
            GraphSpec s = GraphSpec.load(name);
            assertEquals(GraphSpec.INTERVENED.contains(name), s.hasOutput("logits") && s.hasInput("source_ids"),
                    name);
            assertEquals(name.equals(GraphSpec.DAS_INTERVENED), s.hasInput(ExportedModel.ATTRIBUTE), name);
            assertEquals(name.startsWith("hyperdas-"), s.hasOutput("selection"), name);
            assertEquals(s.hasOutput("logits"), s.hasInput(FeedSchema.LOGIT_POSITIONS.name()), name);
        }
    }

    @Test
    void everyInputOfAnInterventionSpecComesFromTheInferenceInputs() {
        long[][] baseIds = {{1, 5, 6, 7}, {1, 8, 9, 2}};
        long[][] baseMask = {{1, 1, 1, 1}, {1, 1, 1, 0}};
        long[][] sourceIds = {{1, 4}, {1, 3}};
        long[][] sourceMask = {{1, 1}, {1, 1}};
        InferenceInputs x = new InferenceInputs(baseIds, baseMask, new long[][] {{1, 1, 0, 0}, {1, 1, 1, 0}},
                sourceIds, sourceMask, new long[][] {{1, 1}, {1, 0}}, new long[][] {{11}, {12}},
                new long[][] {{1}, {1}}, new long[] {1, 2}, new long[] {1, 0});
        for (String name : GraphSpec.SUPPORTED.keySet()) {
            for (GraphSpec.TensorSpec t : GraphSpec.load(name).inputs()) {
                // The attribute and the logit positions are the caller's query, not the example's.
                if (!t.name().equals(ExportedModel.ATTRIBUTE) && !t.name().equals(FeedSchema.LOGIT_POSITIONS.name())
                        && !name.equals(GraphSpec.TARGET)) {
                    assertEquals(x.batch(), x.input(t.name()).length, name + " " + t.name());
                }
            }
        }
        assertArrayEquals(baseIds, x.input("base_ids"));
        assertArrayEquals(sourceMask, x.input("source_mask"));
        assertArrayEquals(new long[][] {{1}, {2}}, x.input("base_positions"));
        assertArrayEquals(new long[][] {{1}, {0}}, x.input("source_positions"));
        assertArrayEquals(new long[][] {{1}, {1}}, x.input("site_mask"));
        assertArrayEquals(new long[][] {{11}, {12}}, x.input("instruction_ids"));
        assertFalse(GraphSpec.load(GraphSpec.PATCHING_INTERVENED).hasInput(ExportedModel.ATTRIBUTE));
        assertThrows(IllegalArgumentException.class, () -> x.input("labels"));
        assertArrayEquals(new long[][] {{3}, {2}}, x.lastRealBasePositions(), "each row's last real base token");
    }
}
