package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ablate} end to end on stories260K with a few pairs and steps (the scores mean nothing):
 * each chosen variant (--variants) is trained into its own folder with its ablation recorded, the table has one row
 * per variant and C / I / D per split, a second run trains nothing and prints the same table;
 * {@code train --ablate} refuses unknown switches and other methods.
 */
class AblateCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Two rows keep the test short; each variant is the same train run with its switch. */
    private static final List<String> VARIANTS = List.of("full", "subspace-mask");

    private static String[] args(Path out, String... more) {
        Path model = SharedData.require("models/stories260K");
        List<String> a = new java.util.ArrayList<>(List.of("--model", model.toString(), "--no-knowledge-filter",
                "--entity-types", "city", "--attributes", "Country", "--train-per-kind", "8", "--eval-per-kind", "4",
                "--epochs", "1", "--batch-size", "4", "--k", "4", "--hypernet-layers", "1", "--layer", "1",
                "--splits", "test_entity", "--out", out.toString()));
        a.addAll(0, List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void trainsEveryVariantOnceAndWritesTheTable(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("ablation");
        Cli.Result r = Cli.run(args(out, "ablate", "--variants", "subspace-mask,full"));
        assertEquals(0, r.code(), r.err());
        for (String v : VARIANTS) {
            JsonNode config = JSON.readTree(out.resolve(v).resolve("hyperdas-soft").resolve(RunFolder.CONFIG)
                    .toFile());
            // Per-type scope (the default): the settings are recorded per entity type.
            String ablations = config.path("training").path("city").path("hyperdas").path("ablations").toString();
            assertEquals(v.equals("full") ? "[]" : "[\"" + v + "\"]", ablations, v + ": " + config);
        }
        assertFalse(Files.exists(out.resolve("no-base-cross")), "a variant not asked for was trained");
        String table = Files.readString(out.resolve("ablation.md"));
        assertTrue(table.startsWith("| Variant | test_entity C | test_entity I | test_entity D |"), table);
        assertEquals(2 + VARIANTS.size(), table.strip().split("\n").length, table);
        assertTrue(r.out().endsWith(table), r.out());
        List<String> csv = Files.readAllLines(out.resolve("ablation.csv"));
        assertEquals("variant,test_entity_cause,test_entity_isolate,test_entity_disentangle", csv.get(0));
        assertEquals(1 + VARIANTS.size(), csv.size());

        Cli.Result again = Cli.run(args(out, "ablate", "--variants", "full,subspace-mask"));
        assertEquals(0, again.code(), again.err());
        assertFalse(again.err().contains("training pairs"), "a finished variant was trained again:\n" + again.err());
        assertTrue(again.out().endsWith(table), again.out());
    }

    @Test
    void trainRefusesUnknownSwitchesAndOtherMethods(@TempDir Path dir) {
        Cli.Result unknown = Cli.run(args(dir.resolve("a"), "train", "--ablate", "no-mlp"));
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("--ablate: 'no-mlp'"), unknown.err());
        Cli.Result das = Cli.run(args(dir.resolve("b"), "train", "--method", "das", "--subspace", "plain"));
        assertEquals(2, das.code(), das.err());
        assertTrue(das.err().contains("apply to --method hyperdas only"), das.err());
        Cli.Result own = Cli.run(args(dir.resolve("c"), "ablate", "--baselines", "mdas"));
        assertEquals(2, own.code(), own.err());
        assertTrue(own.err().contains("--baselines: ablate sets it"), own.err());
        Cli.Result variant = Cli.run(args(dir.resolve("d"), "ablate", "--variants", "no-mlp"));
        assertEquals(2, variant.code(), variant.err());
        assertTrue(variant.err().contains("--variants: 'no-mlp'"), variant.err());
    }
}
