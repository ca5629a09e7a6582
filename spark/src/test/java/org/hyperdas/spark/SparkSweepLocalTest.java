package org.hyperdas.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.hyperdas.cli.HyperdasRun;
import org.hyperdas.evaluation.arrow.SweepTable;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.testing.SharedData;
import org.hyperdas.trainer.sweep.Cell;
import org.hyperdas.trainer.sweep.LocalBackend;
import org.hyperdas.trainer.sweep.SweepResults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark backend on a local master gives the local backend's results, cell for cell. */
class SparkSweepLocalTest {
    /** The JVM command the cells run: this class path's core CLI. */
    static List<String> launcher() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HyperdasRun.class.getName());
    }

    /** {@code cells} tiny mdas cells (seeds 0..cells-1) on the tiny model, one thread each. */
    static Path grid(Path dir, Path model, int cells, int steps) throws Exception {
        StringBuilder seeds = new StringBuilder();
        for (int s = 0; s < cells; s++) {
            seeds.append(s == 0 ? "" : ", ").append(s);
        }
        Path f = dir.resolve("grid.json");
        Files.writeString(f, "{\"method\": \"mdas\", \"seed\": [" + seeds + "], \"model\": \"" + model.toAbsolutePath()
                + "\", \"layer\": 1, \"k\": 2, \"steps\": " + steps + ", \"checkpoint-every\": 5,"
                + " \"no-knowledge-filter\": true, \"entity-types\": \"city\", \"attributes\": \"Country\","
                + " \"train-per-kind\": 8, \"eval-per-kind\": 3, \"batch-size\": 4, \"threads\": 1}");
        return f;
    }

    static void assertSameResults(Path expected, Path actual, List<Cell> cells) throws Exception {
        assertEquals(SweepTable.read(expected.resolve(SweepTable.FILE)), SweepTable.read(actual.resolve(SweepTable.FILE)));
        for (Cell c : cells) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(c.name()).resolve(RunFolder.PREDICTIONS)),
                    Files.readAllBytes(actual.resolve(c.name()).resolve(RunFolder.PREDICTIONS)), c.name());
        }
    }

    @Test
    void localMasterEqualsTheLocalBackend(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        List<Cell> cells = SparkSweep.cells(grid(dir, model, 2, 12), null);
        Path local = dir.resolve("local");
        LocalBackend.run(cells, local, launcher(), new LocalBackend.Plan(2, 1), System.err);
        SweepResults.write(cells, local);

        Path spark = dir.resolve("spark");
        SparkConf conf = new SparkConf().setAppName("sweep-test").setMaster("local[2,3]")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            List<String> reports = SparkSweep.run(sc, cells, spark, launcher(), 0,
                    new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            assertEquals(List.of("seed-0: finished", "seed-1: finished"), reports);
            // a second run finds both finished
            assertEquals(List.of("seed-0: finished before, skipped", "seed-1: finished before, skipped"),
                    SparkSweep.run(sc, cells, spark, launcher(), 0, new PrintStream(new ByteArrayOutputStream()),
                            System.err));
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("| mdas | 0,1 | "), out.toString());
        assertSameResults(local, spark, cells);
    }
}
