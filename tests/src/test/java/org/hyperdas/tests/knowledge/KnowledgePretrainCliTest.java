package org.hyperdas.tests.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.trainer.knowledge.KnowledgeReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hyperdas-run pretrain} on a tiny RAVEL folder, then {@code info} and {@code generate} on
 * the folder it writes; bad flags exit with 2.
 */
class KnowledgePretrainCliTest {
    static final String TYPE = "physical_object";

    @TempDir
    static Path dir;

    static Path ravel;
    static Path model;
    static KnowledgeCli.Result pretrain;

    @BeforeAll
    static void pretrain() throws Exception {
        ravel = KnowledgeCli.tinyRavel(dir.resolve("ravel"), TYPE, 12);
        model = dir.resolve("model");
        List<String> args = new ArrayList<>(List.of("pretrain", "--ravel", ravel.toString(), "--out", model.toString()));
        args.addAll(KnowledgeCli.tinyModelFlags());
        pretrain = KnowledgeCli.run(args.toArray(String[]::new));
    }

    @Test
    void pretrainWritesTheFolderAndPrintsTheKnowledgeTable() throws Exception {
        assertEquals(0, pretrain.code(), pretrain.err());
        for (String a : List.of("Category", "Color", "Size", "Texture")) {
            assertTrue(pretrain.out().contains(a), pretrain.out());
        }
        assertTrue(pretrain.out().contains("mean over 4 attributes"), pretrain.out());
        JsonNode report = new ObjectMapper().readTree(model.resolve(KnowledgeReport.FILE).toFile());
        JsonNode attrs = report.path("entity_types").path(0).path("attributes");
        assertEquals(4, attrs.size());
        for (JsonNode a : attrs) {
            assertTrue(a.path("accuracy").isNumber() && a.path("templates").size() == 10, a.toString());
        }
        assertTrue(report.path("mean_accuracy").asDouble() > 0.6, "mean accuracy " + report.path("mean_accuracy"));
    }

    @Test
    void infoDescribesTheFolder() {
        KnowledgeCli.Result r = KnowledgeCli.run("info", "--model", model.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"layers\" : 1") && r.out().contains("\"hidden_size\" : 32")
                && r.out().contains("\"dtype\" : \"float32\""), r.out());
    }

    @Test
    void generateAnswersATrainingPromptWithItsValue() {
        KnowledgeReport report = KnowledgeReport.load(model);
        RavelDataset ds = RavelLoader.load(ravel, TYPE);
        int checked = 0;
        for (String a : ds.attributesWithValues()) {
            Template t = ds.templates(a).get(0);
            for (Entity e : ds.entities()) {
                if (checked < 3 && e.value(a).matches("[a-z]+")
                        && Boolean.TRUE.equals(report.knows(TYPE, t.text(), e.name()))) {
                    KnowledgeCli.Result r = KnowledgeCli.run("generate", "--model", model.toString(), "--prompt",
                            t.fill(e.name()), "--max-new-tokens", "6");
                    assertEquals(0, r.code(), r.err());
                    String expected = t.fill(e.name()) + " " + e.value(a);
                    assertTrue(r.out().startsWith(expected), "expected \"" + expected + "\", got \"" + r.out() + "\"");
                    checked++;
                }
            }
        }
        assertEquals(3, checked, "facts the tiny model knows");
    }

    @Test
    void badFlagsExitWithTwo() throws Exception {
        Path out = dir.resolve("bad");
        String[][] cases = {
            {"pretrain", "--out", out.toString(), "--hidden", "0"},
            {"pretrain", "--out", out.toString(), "--hidden", "32", "--heads", "3"},
            {"pretrain", "--out", out.toString(), "--entity-types", "verb"},
            {"pretrain", "--out", out.toString(), "--ravel", dir.resolve("nope").toString()},
            {"pretrain", "--out", out.toString(), "--resume"},
            {"pretrain", "--out", out.toString(), "--schedule", "step"},
            {"pretrain", "--out", out.toString(), "--epochs", "many"},
            {"pretrain", "--no-such-flag"},
        };
        for (String[] c : cases) {
            KnowledgeCli.Result r = KnowledgeCli.run(c);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
            assertTrue(!r.err().contains("Exception"), r.err());
        }
        assertTrue(!Files.exists(out), "nothing written for bad flags");
    }
}
