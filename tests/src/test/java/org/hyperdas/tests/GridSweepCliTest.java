package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hyperdas.cli.HyperdasRun;
import org.hyperdas.evaluation.arrow.SweepTable;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.io.OutputFolder;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.testing.SharedData;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.sweep.Cell;
import org.hyperdas.trainer.sweep.CellFolder;
import org.hyperdas.trainer.sweep.LocalBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep --grid} on the local backend: a cell killed with SIGKILL mid-training is trained again
 * (from its checkpoint) by the next sweep, which skips the finished cell, and every result equals an
 * uninterrupted sweep's.
 */
class GridSweepCliTest {
    /** Two mdas cells (seeds 0 and 1) on the tiny model, one ONNX Runtime thread each. */
    static String grid(Path model) {
        return "{\"method\": \"mdas\", \"seed\": [0, 1], \"model\": \"" + model.toAbsolutePath() + "\","
                + " \"layer\": 1, \"k\": 2, \"steps\": 60, \"checkpoint-every\": 5, \"no-knowledge-filter\": true,"
                + " \"entity-types\": \"city\", \"attributes\": \"Country\", \"train-per-kind\": 8,"
                + " \"eval-per-kind\": 3, \"batch-size\": 4, \"threads\": 1}";
    }

    private static long checkpointStep(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return Long.parseLong(f.metadata().get(TrainStep.STEP_KEY));
        } catch (RuntimeException e) {
            return -1; // being renamed into place
        }
    }

    @Test
    void aKilledCellIsRetrainedAndTheSweepEqualsAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        Path gridFile = dir.resolve("grid.json");
        Files.writeString(gridFile, grid(model));

        Path reference = dir.resolve("reference");
        Cli.Result r = Cli.run("sweep", "--grid", gridFile.toString(), "--out", reference.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| mdas | 0,1 | "), r.out());
        List<SweepTable.Row> expected = SweepTable.read(reference.resolve(SweepTable.FILE));
        assertEquals(4, expected.size(), "2 cells x 2 splits");

        // the first cell, killed after its first checkpoint
        Path killed = dir.resolve("killed");
        Cell first = new Cell("seed-0", java.util.Map.of(), List.of());
        Path cellFolder = killed.resolve("seed-0");
        // as the sweep leaves them before starting a cell: its own folder and the cell's, both marked
        OutputFolder.claim("--out", killed, OutputKind.SWEEP, false, System.err);
        CellFolder.prepare(cellFolder);
        List<String> cmd = LocalBackend.command(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HyperdasRun.class.getName()), first, cellFolder, 1);
        cmd = new java.util.ArrayList<>(cmd.subList(0, cmd.indexOf("train") + 1));
        cmd.addAll(List.of("--method", "mdas", "--seed", "0", "--model", model.toAbsolutePath().toString(), "--layer",
                "1", "--k", "2", "--steps", "60", "--checkpoint-every", "5", "--no-knowledge-filter", "--entity-types",
                "city", "--attributes", "Country", "--train-per-kind", "8", "--eval-per-kind", "3", "--batch-size", "4",
                "--threads", "1", "--out", cellFolder.toString(), "--resume"));
        Path checkpoint = cellFolder.resolve("checkpoints/city.Country.safetensors");
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (!(Files.isRegularFile(checkpoint) && checkpointStep(checkpoint) >= 5)) {
                assertTrue(child.isAlive(), "the cell ended before its first checkpoint:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
                assertTrue(System.nanoTime() < deadline, "no checkpoint within 240 s");
                Thread.sleep(5);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        assertTrue(CellFolder.finishedRuns(cellFolder) == null, "the killed cell must not count as finished");
        long savedAt = checkpointStep(checkpoint);

        Cli.Result again = Cli.run("sweep", "--grid", gridFile.toString(), "--out", killed.toString());
        assertEquals(0, again.code(), again.err());
        assertEquals(expected, SweepTable.read(killed.resolve(SweepTable.FILE)));
        for (String cell : List.of("seed-0", "seed-1")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve(cell).resolve(RunFolder.PREDICTIONS)),
                    Files.readAllBytes(killed.resolve(cell).resolve(RunFolder.PREDICTIONS)), cell);
            assertArrayEquals(Files.readAllBytes(reference.resolve(cell).resolve(RunFolder.PARAMETERS)),
                    Files.readAllBytes(killed.resolve(cell).resolve(RunFolder.PARAMETERS)), cell);
        }
        String config = Files.readString(killed.resolve("seed-0/config.json"));
        assertTrue(config.contains("\"resumed_at\" : " + savedAt), "the killed cell continued from its checkpoint, "
                + savedAt + ":\n" + config);

        // a third run finds both cells finished and trains nothing
        long log0 = Files.size(killed.resolve("seed-0").resolve(CellFolder.LOG));
        long log1 = Files.size(killed.resolve("seed-1").resolve(CellFolder.LOG));
        Cli.Result third = Cli.run("sweep", "--grid", gridFile.toString(), "--out", killed.toString());
        assertEquals(0, third.code(), third.err());
        assertEquals(log0, Files.size(killed.resolve("seed-0").resolve(CellFolder.LOG)), "seed-0 ran again");
        assertEquals(log1, Files.size(killed.resolve("seed-1").resolve(CellFolder.LOG)), "seed-1 ran again");
        assertEquals(expected, SweepTable.read(killed.resolve(SweepTable.FILE)));
    }
}
