package org.hyperdas.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.resource.ResourceInformation;
import org.hyperdas.trainer.sweep.Cell;
import org.hyperdas.trainer.sweep.CellFolder;
import org.hyperdas.trainer.sweep.LocalBackend;

/**
 * One Spark task: trains one cell into its folder under the shared sweep folder, as a child process
 * of the core CLI ({@code launcher}), unless the cell is already finished. A failed train throws,
 * so Spark retries the task; a retry (or a re-run of the whole sweep) continues from the cell's
 * checkpoints. Where the task was given a GPU, the cell trains on it ({@code --device cuda:ID}).
 *
 * @param out the shared sweep folder (every worker sees the same path)
 * @param launcher the command before {@code train ...}, e.g. java --add-opens=... -jar hyperdas-run.jar
 * @param threads ONNX Runtime threads per cell (the task's cores)
 */
record CellTask(String out, List<String> launcher, int threads) implements Function<Cell, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public String call(Cell cell) throws IOException, InterruptedException {
        Path folder = Path.of(out).resolve(cell.name());
        if (CellFolder.finishedRuns(folder) != null) {
            return cell.name() + ": finished before, skipped";
        }
        CellFolder.prepare(folder);
        Cell placed = cell;
        String gpu = assignedGpu();
        if (gpu != null) {
            placed = cell.withDefault("device", "cuda:" + gpu);
        }
        List<String> cmd = new ArrayList<>(LocalBackend.command(launcher, placed, folder, threads));
        if (cmd.get(0).equals("java")) {
            // the executor's own JVM, wherever it is installed on this worker
            cmd.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve(CellFolder.LOG).toFile()));
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process p = pb.start();
        // An executor told to stop (its worker lost, the job cancelled) exits through its shutdown
        // hooks: take the cell's process with it, so a retry elsewhere is the only writer.
        Thread stop = new Thread(p::destroyForcibly, "stop-cell-" + cell.name());
        Runtime.getRuntime().addShutdownHook(stop);
        int code;
        try {
            code = p.waitFor();
        } finally {
            p.destroyForcibly();
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
        if (code != 0) {
            throw new IllegalStateException(cell.name() + ": train exited " + code + " (see "
                    + folder.resolve(CellFolder.LOG) + ")");
        }
        CellFolder.markFinished(folder, placed, threads);
        return cell.name() + ": finished";
    }

    /** The GPU address Spark assigned to this task, or null when it has none. */
    private static String assignedGpu() {
        TaskContext ctx = TaskContext.get();
        if (ctx == null) {
            return null;
        }
        ResourceInformation gpu = ctx.resourcesJMap().get("gpu");
        return gpu == null || gpu.addresses().length == 0 ? null : gpu.addresses()[0];
    }
}
