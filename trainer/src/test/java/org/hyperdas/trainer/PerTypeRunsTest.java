package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hyperdas.evaluation.leaderboard.Leaderboard;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.export.MethodExporter;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.hyperdas.trainer.hyperdas.PerTypeRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-type scope on a random tiny Llama with two entity types: exactly one hypernetwork is
 * trained per type, on that type's pairs alone; each type's run folder is complete (parameters,
 * checkpoint) and the merged mode folders hold every type's predictions for one leaderboard.
 */
class PerTypeRunsTest {
    @TempDir
    Path dir;

    /** HyperDAS, recording the entity types of the pairs each fit trains on. */
    private static final class Recording implements InterventionMethod {
        final HyperDasMethod inner = new HyperDasMethod(new HyperDasMethod.Settings(1, 1, null, null, null, null, null));
        final List<Set<String>> fits = new ArrayList<>();

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public String description() {
            return inner.description();
        }

        @Override
        public TrainedIntervention fit(TargetModel target, PairSet train, MethodOptions options, RunControl control,
                PrintStream progress) throws Exception {
            Set<String> types = new HashSet<>();
            for (Pair p : train.pairs()) {
                types.add(p.entityType());
            }
            fits.add(types);
            return inner.fit(target, train, options, control, progress);
        }

        @Override
        public MethodExporter exporter() {
            return inner.exporter();
        }
    }

    @Test
    void oneHypernetworkPerTypeOnItsOwnPairsMergedForTheLeaderboard() throws Exception {
        Path folder = TinyWordModel.write(dir.resolve("tiny"), 3, 2, 32);
        try (TargetModel target = TargetModel.open(folder, OrtEngine.cpu().withIntraOpThreads(1))) {
            PairOptions pairs = PairOptions.defaults(2).withLimits(8, 3);
            Experiment.Setup setup = new Experiment.Setup(new PairSource(null, null, List.of("city", "physical_object"),
                    null, pairs), List.of(PairSplit.TEST_ENTITY), false, 16);
            Experiment experiment = Experiment.prepare(target, setup, System.err);
            assertEquals(Set.of("city", "physical_object"), experiment.train().targets().keySet());
            Recording method = new Recording();
            Path out = dir.resolve("run");
            List<Experiment.Run> runs = PerTypeRuns.run(experiment, method, new MethodOptions(1, 4, 0, 8, 16, 1e-3, 0, 1),
                    f -> new RunControl(f, 0, false, 5, 0), out, System.err);

            assertEquals(List.of(Set.of("city"), Set.of("physical_object")), method.fits,
                    "one fit per type, each on its own type's pairs only");
            for (String type : List.of("city", "physical_object")) {
                Path typeRun = out.resolve(PerTypeRuns.TYPES).resolve(type);
                assertTrue(Files.isRegularFile(typeRun.resolve(HyperDasMethod.CHECKPOINT)), type);
                try (SafetensorsFile p = SafetensorsFile.open(typeRun.resolve("hyperdas-soft/parameters.safetensors"))) {
                    assertTrue(p.tensors().size() > 3, type + " holds its own hypernetwork");
                }
                JsonNode config = RunFolder.read(typeRun.resolve("hyperdas-soft")).config();
                assertEquals(1, config.get("targets").size(), type);
                assertTrue(config.get("targets").has(type));
            }
            assertEquals(List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one",
                    "hyperdas-global-argmax", "hyperdas-groundtruth"),
                    runs.stream().map(r -> r.scores().method()).toList());
            int expected = experiment.eval().size();
            for (Experiment.Run r : runs) {
                assertEquals(out.resolve(r.scores().method()), r.folder());
                assertEquals(expected, r.outcomes().size(), "every type's predictions merged");
                assertEquals("per-type", RunFolder.read(r.folder()).config().get(PerTypeRuns.SCOPE).asText());
            }
            Leaderboard board = Leaderboard.fromFolders(runs.stream().map(Experiment.Run::folder).toList());
            assertEquals(runs.size(), board.sections().get(0).rows().size());
            assertEquals(List.of("city", "physical_object"), board.sections().get(0).types());
        }
    }
}
