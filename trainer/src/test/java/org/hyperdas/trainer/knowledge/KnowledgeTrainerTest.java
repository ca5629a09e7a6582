package org.hyperdas.trainer.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.graphs.llama.GenerationOptions;
import org.hyperdas.graphs.llama.Generator;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.trainer.CacheDirs;
import org.hyperdas.trainer.InterventionRunner;
import org.hyperdas.trainer.KnowledgeFilter;
import org.hyperdas.trainer.PairSet;
import org.hyperdas.trainer.TargetModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny pretraining (1 block, hidden 32, a dozen physical objects, 150 steps) end to end: it
 * learns, writes a folder that loads and generates, its knowledge report is saved and drives the
 * knows-it predicate, the same seed gives the same bits, and a resumed run equals an
 * uninterrupted one.
 */
class KnowledgeTrainerTest {
    static final String TYPE = "physical_object";
    static final int ENTITIES = 12;

    @TempDir
    static Path dir;

    static Path ravel;
    static KnowledgeTrainer.Result first;

    static PretrainOptions tiny(Path out) {
        return PretrainOptions.defaults().withOut(out).withData(ravel, List.of(TYPE))
                .withModel(32, 1, 2, 1, 0)
                .withTraining(50, 1, 16, 3e-3)
                .withCheckpointEvery(0)
                .withSeed(7);
    }

    @BeforeAll
    static void train() throws Exception {
        ravel = TinyRavel.write(dir.resolve("ravel"), TYPE, ENTITIES);
        first = KnowledgeTrainer.run(tiny(dir.resolve("model")), false, System.err);
    }

    /** Per attribute, the share of the most frequent value among the tiny set's entities. */
    static double majorityBaseline() {
        RavelDataset ds = RavelLoader.load(ravel, TYPE);
        double sum = 0;
        for (String a : ds.attributesWithValues()) {
            Map<String, Integer> counts = new HashMap<>();
            for (Entity e : ds.entities()) {
                counts.merge(e.value(a), 1, Integer::sum);
            }
            sum += counts.values().stream().mapToInt(Integer::intValue).max().orElse(0) / (double) ds.entities().size();
        }
        return sum / ds.attributesWithValues().size();
    }

    @Test
    void learnsTheFactsAndTheLossDecreases() {
        assertTrue(first.completed());
        assertEquals(150, first.steps());
        List<Double> losses = first.epochLosses();
        assertEquals(50, losses.size());
        assertTrue(losses.get(losses.size() - 1) < 0.5 * losses.get(0), "epoch losses " + losses);
        double baseline = majorityBaseline();
        double accuracy = first.report().meanAccuracy();
        System.out.printf("tiny pretrain: accuracy %.3f (always-the-most-frequent-value baseline %.3f), loss %.3f -> %.3f%n",
                accuracy, baseline, losses.get(0), losses.get(losses.size() - 1));
        assertTrue(accuracy > baseline + 0.15, "accuracy " + accuracy + " vs majority baseline " + baseline);
    }

    @Test
    void writesAHuggingFaceFolderThatLoadsAndAnswers() throws Exception {
        Path model = first.modelFolder();
        for (String f : List.of("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                "generation_config.json", KnowledgeReport.FILE, KnowledgeTrainer.TRAINING_FILE)) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }
        assertFalse(Files.exists(CacheDirs.partialFolder(model)), "the partial folder is removed at the end");
        try (HfModel m = HfModel.open(model)) {
            assertEquals(1, m.config().numHiddenLayers());
            assertEquals(32, m.config().hiddenSize());
            assertTrue(m.unexpectedTensors().isEmpty());
            // A fact the report says the model knows: greedy generation says its value, then stops.
            KnowledgeReport report = KnowledgeReport.load(model);
            RavelDataset ds = RavelLoader.load(ravel, TYPE);
            String prompt = null;
            String value = null;
            outer:
            for (String a : ds.attributesWithValues()) {
                for (Template t : ds.templates(a)) {
                    for (Entity e : ds.entities()) {
                        if (e.value(a).matches("[a-z]+") && Boolean.TRUE.equals(report.knows(TYPE, t.text(), e.name()))) {
                            prompt = t.fill(e.name());
                            value = e.value(a);
                            break outer;
                        }
                    }
                }
            }
            assertNotNull(prompt, "the tiny model knows at least one fact");
            try (Generator g = Generator.open(m, OrtEngine.cpu())) {
                Generator.Result r = g.generate(List.of(m.tokenizer().encode(prompt)), GenerationOptions.greedy(4), null);
                String text = m.tokenizer().decode(r.tokens().get(0), true);
                assertTrue(text.startsWith(" " + value), prompt + " -> \"" + text + "\", expected \" " + value + "\"");
            }
        }
    }

    @Test
    void theKnowledgeReportIsSavedAndDrivesKnowsIt() throws Exception {
        KnowledgeReport saved = KnowledgeReport.load(first.modelFolder());
        KnowledgeReport report = first.report();
        assertEquals(4, saved.attributes().size());
        for (KnowledgeReport.AttributeScore a : report.attributes()) {
            assertEquals(a.accuracy(), saved.accuracy(TYPE, a.attribute()), 1e-12, a.attribute());
            assertEquals(ENTITIES * a.templates().size(), a.total(), a.attribute());
        }
        String json = Files.readString(first.modelFolder().resolve(KnowledgeReport.FILE));
        assertTrue(json.contains("\"mean_accuracy\"") && json.contains("\"Texture\""), json.substring(0, 200));
        assertTrue(report.table().contains("Texture") && report.table().contains("mean over 4 attributes"));

        // The report's cells agree with a direct probe of the model, pair by pair.
        RavelDataset ds = RavelLoader.load(ravel, TYPE);
        Entity base = ds.entities().get(0);
        Entity source = ds.entities().get(1);
        Template t = ds.templates("Color").get(0);
        Pair cause = new Pair(TYPE, "Color", "Color", "Color", PairKind.CAUSE, "train", t.text(), base.name(),
                t.text(), source.name(), Pair.instruction(base.name(), source.name(), "Color"), base.value("Color"),
                source.value("Color"), source.value("Color"), true);
        assertTrue(saved.covers(cause));
        try (HfModel m = HfModel.open(first.modelFolder()); KnowledgeProbe probe = KnowledgeProbe.open(m, OrtEngine.cpu())) {
            boolean direct = probe.knows(List.of(t.fill(source.name())), List.of(source.value("Color")))[0];
            assertEquals(direct, saved.knowsIt().test(cause));
            assertEquals(direct, probe.knowsIt(List.of(cause)).test(cause));
        }
        Pair foreign = cause.withKnowsIt(true);
        Pair unknownEntity = new Pair(TYPE, "Color", "Color", "Color", PairKind.ISOLATE, "train", t.text(), "zeppelin",
                t.text(), source.name(), "x", "grey", "red", "grey", true);
        assertTrue(saved.covers(foreign));
        assertFalse(saved.covers(unknownEntity));
        assertFalse(saved.knowsIt().test(unknownEntity));
    }

    @Test
    void theRunsKnowledgeFilterAgreesWithTheScorersAnswerPairByPair() throws Exception {
        RavelDataset ds = RavelLoader.load(ravel, TYPE);
        List<Pair> pairs = new java.util.ArrayList<>();
        for (String attribute : List.of("Color", "Texture")) {
            for (Template t : ds.templates(attribute)) {
                for (int i = 0; i < ENTITIES; i++) {
                    Entity base = ds.entities().get(i);
                    Entity source = ds.entities().get((i + 1) % ENTITIES);
                    pairs.add(new Pair(TYPE, attribute, attribute, attribute, PairKind.CAUSE, "train", t.text(),
                            base.name(), t.text(), source.name(), Pair.instruction(base.name(), source.name(), attribute),
                            base.value(attribute), source.value(attribute), source.value(attribute), true));
                }
            }
        }
        try (TargetModel target = TargetModel.open(first.modelFolder(), OrtEngine.cpu());
                InterventionRunner plain = InterventionRunner.open(target, InterventionRunner.Kind.PLAIN, 0, false)) {
            List<Pair> filtered = KnowledgeFilter.apply(target, new PairSet(pairs), 8, System.err).pairs().pairs();
            List<Pair> verify = pairs.stream().map(p -> new Pair(p.entityType(), p.attribute(), p.baseAttribute(),
                    p.sourceAttribute(), p.kind(), p.split(), p.baseTemplate(), p.sourceEntity(), p.sourceTemplate(),
                    p.sourceEntity(), p.instruction(), p.baseLabel(), p.counterfactualLabel(), p.expectedLabel(), true))
                    .toList();
            List<org.hyperdas.evaluation.scoring.Outcome> scored = plain.evaluate(verify, null, 0, 8);
            int known = 0;
            for (int i = 0; i < pairs.size(); i++) {
                assertEquals(scored.get(i).correct(), filtered.get(i).knowsIt(), pairs.get(i).verifyPrompt());
                known += filtered.get(i).knowsIt() ? 1 : 0;
            }
            assertTrue(known > 0 && known < pairs.size(), "a mix of known and unknown facts: " + known);
        }
    }

    @Test
    void theSameSeedGivesTheSameBitsAndAResumeContinuesExactly() throws Exception {
        Path again = dir.resolve("again");
        KnowledgeTrainer.run(tiny(again), false, null);
        assertSameWeights(first.modelFolder(), again);

        Path resumed = dir.resolve("resumed");
        KnowledgeTrainer.Result stopped = KnowledgeTrainer.run(tiny(resumed).withCheckpointEvery(40), false, 100, null);
        assertFalse(stopped.completed());
        assertEquals(100, stopped.steps());
        assertFalse(Files.exists(resumed), "no model folder before the run completes");
        assertTrue(Files.isRegularFile(CacheDirs.partialFolder(resumed).resolve(KnowledgeTrainer.CHECKPOINT)));
        KnowledgeTrainer.Result done = KnowledgeTrainer.run(tiny(resumed).withCheckpointEvery(40), true, null);
        assertTrue(done.completed());
        assertEquals(150, done.steps());
        assertSameWeights(first.modelFolder(), resumed);
    }

    @Test
    void resumeRefusesOtherSettingsOrAMissingCheckpoint() throws Exception {
        Path out = dir.resolve("refuse");
        BadInputException none = assertThrows(BadInputException.class,
                () -> KnowledgeTrainer.run(tiny(out), true, null));
        assertTrue(none.getMessage().contains("nothing to resume"), none.getMessage());
        KnowledgeTrainer.run(tiny(out), false, 30, null);
        BadInputException other = assertThrows(BadInputException.class,
                () -> KnowledgeTrainer.run(tiny(out).withSeed(8), true, null));
        assertTrue(other.getMessage().contains("seed 7 (checkpoint) vs 8 (now)"), other.getMessage());
    }

    @Test
    void badOptionsAreBadInput() {
        Path out = dir.resolve("bad");
        BadInputException e = assertThrows(BadInputException.class,
                () -> KnowledgeTrainer.run(tiny(out).withModel(30, 1, 4, 1, 0), false, null));
        assertTrue(e.getMessage().contains("--heads"), e.getMessage());
        BadInputException t = assertThrows(BadInputException.class, () -> KnowledgeTrainer.run(
                tiny(out).withData(null, List.of("verb")), false, null));
        assertTrue(t.getMessage().contains("entity type 'verb'"), t.getMessage());
        assertThrows(BadInputException.class, () -> KnowledgeTrainer.run(
                tiny(out).withTraining(0, 1, 16, 1e-3), false, null));
    }

    static void assertSameWeights(Path a, Path b) throws IOException, OrtException {
        try (SafetensorsFile fa = SafetensorsFile.open(a.resolve("model.safetensors"));
                SafetensorsFile fb = SafetensorsFile.open(b.resolve("model.safetensors"))) {
            assertEquals(fa.tensors().keySet(), fb.tensors().keySet());
            for (String name : fa.tensors().keySet()) {
                ByteBuffer x = fa.bytes(name);
                ByteBuffer y = fb.bytes(name);
                assertEquals(x, y, "tensor " + name + " differs");
            }
        }
    }
}
