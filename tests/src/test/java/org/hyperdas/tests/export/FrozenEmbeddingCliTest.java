package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.hyperdas.trainer.hyperdas.HyperDasExport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --hypernet-embedding frozen} on the export fixture's tiny model, K = 2 steps per
 * call: the run records the setting, its parameters have no hypernetwork embedding, the export
 * rebuilds a frozen model with the same parameter set, {@code export --verify} reproduces every
 * prediction and {@code infer} runs the export; the fixture's trainable run reads as trainable; a bad value is refused.
 */
class FrozenEmbeddingCliTest {
    private static final String COPY = HyperDasParameters.HYPERNET + HyperDasParameters.EMBEDDING;

    private static List<String> train(ExportFixture.Runs runs, Path out, String embedding) {
        List<String> args = new ArrayList<>(List.of("train", "--model", runs.model().toString(), "--out",
                out.toString(), "--epochs", "1", "--hypernet-layers", "1", "--progress-every", "0",
                "--checkpoint-every", "0", "--baselines", "none", "--scope", "joint", "--steps-per-call", "2",
                "--hypernet-embedding", embedding));
        args.addAll(ExportFixture.dataFlags(runs.root().resolve("ravel")));
        return args;
    }

    private static HyperDasConfig saved(Path run, LlamaConfig target) {
        Path file = run.resolve("hyperdas-soft").resolve(RunFolder.PARAMETERS);
        try (WeightStore params = WeightStore.open(file)) {
            HyperDasConfig c = HyperDasExport.hyperDasConfig(target, 1, 4, params, file);
            Set<String> names = new TreeSet<>(params.tensors().keySet());
            assertEquals(new TreeSet<>(HyperDasParameters.shapes(target, c).keySet()), names);
            return c;
        }
    }

    @Test
    void frozenRunRecordsItAndItsExportRebuildsAndReproducesIt(@TempDir Path dir) throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Path run = dir.resolve("frozen");
        ExportFixture.Result r = ExportFixture.cli(train(runs, run, "frozen").toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertEquals("frozen", RunFolder.read(run.resolve("hyperdas-soft")).config().findValue("hypernet_embedding")
                .asText());
        LlamaConfig target = LlamaConfig.load(runs.model().resolve("config.json"));
        HyperDasConfig frozen = saved(run, target);
        assertEquals(HypernetEmbedding.FROZEN, frozen.hypernetEmbedding());
        assertFalse(HyperDasParameters.shapes(target, frozen).containsKey(COPY));
        // The fixture's run, trained with the default, holds the copy: trainable.
        assertEquals(HypernetEmbedding.TRAINABLE, saved(runs.hyperdasRun(), target).hypernetEmbedding());

        ExportFixture.Result e = ExportFixture.cli("export", "--run", run.toString(), "--out",
                dir.resolve("export").toString(), "--verify");
        int pairs = 0;
        for (String mode : List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one",
                "hyperdas-global-argmax")) {
            pairs += PredictionFile.read(run.resolve(mode).resolve(RunFolder.PREDICTIONS)).size();
        }
        assertEquals(0, e.code(), e.err() + e.out());
        assertTrue(e.out().contains("identical: " + pairs + "/" + pairs + " predictions"), e.out());
        assertFalse(e.out().contains("MISMATCH"), e.out());
        try (WeightStore exported = WeightStore.open(dir.resolve("export").resolve("weights.safetensors"))) {
            assertTrue(exported.find(HyperDasParameters.EMBEDDING).isPresent(), "the target's embedding");
            assertFalse(exported.find(COPY).isPresent(), "no hypernetwork copy");
        }
        // infer runs the exported frozen graphs with plain sessions.
        Pair p = PredictionFile.read(run.resolve("hyperdas-soft").resolve(RunFolder.PREDICTIONS)).stream()
                .map(o -> o.pair()).filter(x -> x.kind() == PairKind.CAUSE).findFirst().orElseThrow();
        ExportFixture.Result i = ExportFixture.cli("infer", "--export", dir.resolve("export").toString(), "--base",
                p.basePrompt(), "--source", p.sourcePrompt(), "--instruction", p.instruction(), "--max-new-tokens", "1");
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("intervened answer: \""), i.out());
    }

    @Test
    void aBadValueIsRefusedNamingTheOption(@TempDir Path dir) throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        ExportFixture.Result r = ExportFixture.cli(train(runs, dir.resolve("bad"), "fixed").toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--hypernet-embedding") && r.err().contains("trainable or frozen"), r.err());
        assertFalse(Files.exists(dir.resolve("bad").resolve("hyperdas-soft")));
        r = ExportFixture.cli("plan", "--model", runs.model().toString(), "--hypernet-embedding", "none");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--hypernet-embedding"), r.err());
    }
}
