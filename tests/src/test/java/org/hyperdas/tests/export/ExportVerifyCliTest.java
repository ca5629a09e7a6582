package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.export.Exporter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export --verify} and {@code export --check}: the exported graphs alone reproduce every
 * prediction of the tiny runs (exit 0, N/N identical, some answers correct and some wrong); a
 * changed prediction row or broken weights are reported row by row (exit 1); a run folder that is
 * not the export's exits with 2 naming the file.
 */
class ExportVerifyCliTest {

    private static int rows(Path run) {
        return PredictionFile.read(run.resolve(RunFolder.PREDICTIONS)).size();
    }

    private static void assertAllIdentical(ExportFixture.Result r, int pairs, String what) {
        assertEquals(0, r.code(), what + ":\n" + r.err() + r.out());
        assertTrue(r.out().contains("identical: " + pairs + "/" + pairs + " predictions, " + pairs + "/" + pairs
                + " correctness flags"), what + ":\n" + r.out());
        assertTrue(!r.out().contains("MISMATCH") && !r.out().contains("(differ)"), r.out());
    }

    @Test
    void exportWithVerifyReproducesEveryPredictionOfHyperdasAndMdas(@TempDir Path dir) throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        int hyperdasRows = 0;
        int correct = 0;
        for (String mode : List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one",
                "hyperdas-global-argmax")) {
            List<Outcome> o = PredictionFile.read(runs.hyperdasRun().resolve(mode).resolve(RunFolder.PREDICTIONS));
            hyperdasRows += o.size();
            correct += (int) o.stream().filter(Outcome::correct).count();
        }
        assertTrue(correct > 0 && correct < hyperdasRows, "the fixture answers some pairs right, some wrong: "
                + correct + " of " + hyperdasRows);

        ExportFixture.Result hd = ExportFixture.cli("export", "--run", runs.hyperdasRun().toString(), "--out",
                dir.resolve("hyperdas").toString(), "--verify");
        assertAllIdentical(hd, hyperdasRows, "hyperdas");
        for (String mode : List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one",
                "hyperdas-global-argmax")) {
            assertTrue(hd.out().contains(mode + " "), hd.out());
        }
        assertTrue(hd.out().contains("test_entity") && hd.out().contains("test_context"), hd.out());
        System.out.print(hd.out());

        ExportFixture.Result mdas = ExportFixture.cli("export", "--run", runs.mdasRun().toString(), "--out",
                dir.resolve("mdas").toString(), "--verify");
        assertAllIdentical(mdas, rows(runs.mdasRun()), "mdas");
        System.out.print(mdas.out());

        ExportFixture.Result patching = ExportFixture.cli("export", "--check", runs.patchingExport().toString(),
                "--run", runs.patchingRun().toString());
        assertAllIdentical(patching, rows(runs.patchingRun()), "patching --check");
        assertTrue(!patching.out().contains("exported patching"), "--check exports nothing:\n" + patching.out());
    }

    @Test
    void aChangedPredictionRowIsReportedAndExitsWithOne(@TempDir Path dir) throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Path run = ExportFixture.copy(runs.mdasRun(), dir.resolve("mdas"));
        List<Outcome> rows = new ArrayList<>(PredictionFile.read(run.resolve(RunFolder.PREDICTIONS)));
        int changed = rows.size() / 2;
        Outcome o = rows.get(changed);
        rows.set(changed, new Outcome(o.pair(), "Atlantis", !o.correct()));
        Files.delete(run.resolve(RunFolder.PREDICTIONS));
        PredictionFile.write(run.resolve(RunFolder.PREDICTIONS), rows, Map.of("hyperdas.run.method", "mdas"));

        ExportFixture.Result r = ExportFixture.cli("export", "--check", runs.mdasExport().toString(), "--run",
                run.toString());
        assertEquals(1, r.code(), r.err() + r.out());
        int n = rows.size();
        assertTrue(r.out().contains("MISMATCH: 1 of " + n + " predictions, 1 of " + n + " correctness flags differ\n"),
                r.out());
        assertTrue(r.out().contains("mdas row " + changed + " (" + o.pair().split()), r.out());
        assertTrue(r.out().contains("\"Atlantis\" (" + (o.correct() ? "wrong" : "correct") + ") -> \""
                + o.predicted() + "\" (" + (o.correct() ? "correct" : "wrong") + ")"), r.out());
        System.out.print(r.out());
    }

    @Test
    void brokenExportedWeightsAreReportedAndExitWithOne(@TempDir Path dir) throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Path export = ExportFixture.copy(runs.mdasExport(), dir.resolve("mdas-export"));
        Path weights = export.resolve(Exporter.WEIGHTS);
        TensorInfo embeddings;
        try (WeightStore w = WeightStore.open(weights)) {
            embeddings = w.tensor("model.embed_tokens.weight");
        }
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) embeddings.byteLength()), embeddings.offset());
        }

        ExportFixture.Result r = ExportFixture.cli("export", "--check", export.toString(), "--run",
                runs.mdasRun().toString());
        assertEquals(1, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("MISMATCH") && r.out().contains("first mismatches"), r.out());
        long listed = r.out().lines().filter(l -> l.startsWith("  mdas row ")).count();
        assertEquals(5, listed, "the first 5 mismatching rows:\n" + r.out());
        assertTrue(r.out().contains("(differ)"), "the scores differ too:\n" + r.out());
    }

    @Test
    void aRunFolderThatIsNotTheExportsExitsWithTwo(@TempDir Path dir) throws IOException {
        ExportFixture.Runs runs = ExportFixture.get();
        String[][] cases = {
            {"--check", runs.hyperdasExport().toString(), "--run", runs.mdasRun().toString()},
            {"--check", runs.mdasExport().toString(), "--run", runs.hyperdasRun().toString()},
            {"--check", runs.mdasExport().toString(), "--run", runs.patchingRun().toString()},
            {"--check", runs.mdasExport().toString(), "--run", runs.mdasRun().toString(), "--out", "x"},
            {"--run", runs.mdasRun().toString()},
        };
        String[] expected = {"hyperdas-soft", "mdas", "scores.json", "--check", "--out"};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("export"));
            args.addAll(List.of(cases[i]));
            ExportFixture.Result r = ExportFixture.cli(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", cases[i]) + ": " + r.err() + r.out());
            assertTrue(r.err().contains(expected[i]) && !r.err().contains("Exception"), r.err());
        }

        Path noPredictions = ExportFixture.copy(runs.mdasRun(), dir.resolve("mdas"));
        Files.delete(noPredictions.resolve(RunFolder.PREDICTIONS));
        ExportFixture.Result r = ExportFixture.cli("export", "--check", runs.mdasExport().toString(), "--run",
                noPredictions.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(RunFolder.PREDICTIONS), r.err());
    }
}
