package org.hyperdas.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.hyperdas.runtime.testing.SharedData;
import org.hyperdas.trainer.sweep.Cell;
import org.hyperdas.trainer.sweep.CellFolder;
import org.hyperdas.trainer.sweep.LocalBackend;
import org.hyperdas.trainer.sweep.SweepResults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on localhost (a Master and a Worker JVM): a 4-cell sweep whose
 * Worker is killed (SIGKILL) during the first cell, a new Worker started, ends with every cell
 * finished once and results equal to the local backend's.
 */
class SparkStandaloneKillTest {
    private static boolean anyCheckpoint(Path out) {
        try (Stream<Path> files = Files.walk(out)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".safetensors")
                    && f.getParent().getFileName().toString().equals("checkpoints"));
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aKilledWorkersCellsAreRetriedAndTheResultsEqualTheLocalBackends(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        List<Cell> cells = SparkSweep.cells(SparkSweepLocalTest.grid(dir, model, 4, 60), null);
        Path out = dir.resolve("spark");
        Files.createDirectories(out);
        try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"))) {
            Process worker = cluster.startWorker(2);
            SparkConf conf = new SparkConf().setAppName("sweep-kill-test").setMaster(cluster.url())
                    .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                    .set("spark.executor.cores", "1").set("spark.executor.memory", "512m")
                    .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                    .set("spark.executor.extraJavaOptions", System.getProperty("spark.jvm.flags", ""))
                    .set("spark.task.maxFailures", "4");
            ByteArrayOutputStream board = new ByteArrayOutputStream();
            try (JavaSparkContext sc = new JavaSparkContext(conf)) {
                CompletableFuture<List<String>> sweep = CompletableFuture.supplyAsync(() -> {
                    try {
                        return SparkSweep.run(sc, cells, out, SparkSweepLocalTest.launcher(), 0,
                                new PrintStream(board, true), System.err);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
                while (!anyCheckpoint(out)) {
                    assertTrue(System.nanoTime() < deadline, "no cell checkpointed within 240 s");
                    assertTrue(!sweep.isDone(), "the sweep ended before any checkpoint: " + sweep);
                    Thread.sleep(20);
                }
                worker.destroyForcibly(); // SIGKILL, during the first cells
                assertTrue(worker.waitFor(30, TimeUnit.SECONDS));
                assertTrue(Stream.of(cells.get(0), cells.get(1)).anyMatch(
                        c -> CellFolder.finishedRuns(out.resolve(c.name())) == null), "killed too late");
                cluster.startWorker(2);
                List<String> reports = sweep.get(400, TimeUnit.SECONDS);
                assertEquals(cells.stream().map(c -> c.name() + ": finished").toList(), reports);
            }
            for (Cell c : cells) {
                assertNotNull(CellFolder.finishedRuns(out.resolve(c.name())), c.name());
                String log = Files.readString(out.resolve(c.name()).resolve(CellFolder.LOG));
                assertEquals(1, log.split("# mdas: Cause / Isolate / Disentangle", -1).length - 1,
                        c.name() + " finished more than once:\n" + log);
            }
        }
        Path local = dir.resolve("local");
        LocalBackend.run(cells, local, SparkSweepLocalTest.launcher(), new LocalBackend.Plan(2, 1), System.err);
        SweepResults.write(cells, local);
        SparkSweepLocalTest.assertSameResults(local, out, cells);
    }
}
