package org.hyperdas.spark;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.hyperdas.evaluation.leaderboard.IntervalLeaderboardWriter;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.trainer.sweep.Cell;
import org.hyperdas.trainer.sweep.Grid;
import org.hyperdas.trainer.sweep.SweepResults;

/**
 * A grid sweep on Apache Spark: one Spark task per cell ({@link CellTask}), each training its cell
 * into the shared sweep folder; the driver then gathers every finished cell into sweep.arrow, the
 * leaderboard with intervals and the plots, exactly as the local backend does.
 *
 * <pre>
 * spark-submit --class org.hyperdas.spark.SparkSweep [--master URL] hyperdas-spark.jar \
 *     --grid FILE --out SHARED_DIR --cli-jar PATH/hyperdas-run.jar [--model DIR] [--gpus-per-task 1]
 * </pre>
 * Without a master from spark-submit, {@code --master} (default {@code local[*]}) is used. Each task
 * gets {@code spark.task.cpus} ONNX Runtime threads; a failed task is retried up to
 * {@code spark.task.maxFailures} times, the cell continuing from its checkpoints.
 */
public final class SparkSweep {
    /** The parsed command line. */
    public record Options(Path grid, Path out, List<String> launcher, Path model, String master, int gpusPerTask) {
    }

    private SparkSweep() {
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        SparkConf conf = new SparkConf().setAppName("hyperdas-sweep");
        if (!conf.contains("spark.master")) {
            conf.setMaster(o.master());
        }
        List<Cell> cells = cells(o.grid(), o.model());
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            run(sc, cells, o.out(), o.launcher(), o.gpusPerTask(), System.out, System.err);
        }
    }

    /** The grid's cells; {@code model} (when given) goes to every cell that names none. */
    public static List<Cell> cells(Path grid, Path model) {
        List<Cell> cells = new ArrayList<>();
        for (Cell c : Grid.read(grid, null)) {
            Cell withModel = model == null ? c : c.withDefault("model", model.toAbsolutePath().toString());
            if (!withModel.settings().containsKey("model")) {
                throw new BadInputException("--model: the Spark backend needs the target model folder (a path every"
                        + " worker sees), in the grid (\"model\") or as --model DIR");
            }
            cells.add(withModel);
        }
        return cells;
    }

    /** Runs the cells as Spark tasks and writes the results; returns the task reports in cell order. */
    public static List<String> run(JavaSparkContext sc, List<Cell> cells, Path out, List<String> launcher,
            int gpusPerTask, PrintStream stdout, PrintStream log) throws Exception {
        int threads = sc.getConf().getInt("spark.task.cpus", 1);
        JavaRDD<Cell> rdd = sc.parallelize(cells, cells.size());
        if (gpusPerTask > 0) {
            // One GPU per task (stage-level scheduling); the task passes the address it got to its cell.
            ResourceProfile profile = new ResourceProfileBuilder()
                    .require(new TaskResourceRequests().cpus(threads).resource("gpu", gpusPerTask)).build();
            rdd = rdd.withResources(profile);
        }
        log.printf("sweep on %s: %d cells as Spark tasks, %d thread(s) each%n", sc.master(), cells.size(), threads);
        List<String> reports = rdd.map(new CellTask(out.toAbsolutePath().toString(), launcher, threads)).collect();
        reports.forEach(r -> log.println("sweep: " + r));
        SweepResults.Written written = SweepResults.write(cells, out);
        if (written.board() != null) {
            stdout.print(IntervalLeaderboardWriter.markdown(written.board()));
        }
        log.println("sweep: " + written.files().stream().map(Path::toString).toList());
        return reports;
    }

    static Options parse(String[] args) {
        Path grid = null;
        Path out = null;
        Path cliJar = null;
        Path model = null;
        String master = "local[*]";
        int gpus = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new BadInputException(a + ": expected a value after it");
            }
            String v = args[++i];
            switch (a) {
                case "--grid" -> grid = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--cli-jar" -> cliJar = Path.of(v);
                case "--model" -> model = Path.of(v);
                case "--master" -> master = v;
                case "--gpus-per-task" -> gpus = parseCount(a, v);
                default -> throw new BadInputException(a + ": unknown option (expected --grid, --out, --cli-jar,"
                        + " --model, --master, --gpus-per-task)");
            }
        }
        if (grid == null || out == null || cliJar == null) {
            throw new BadInputException("expected --grid FILE --out SHARED_DIR --cli-jar PATH/hyperdas-run.jar");
        }
        List<String> launcher = List.of("java", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-jar",
                cliJar.toAbsolutePath().toString());
        return new Options(grid, out, launcher, model, master, gpus);
    }

    private static int parseCount(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadInputException(option + " '" + v + "': expected a count >= 0");
    }
}
