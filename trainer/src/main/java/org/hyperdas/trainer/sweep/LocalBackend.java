package org.hyperdas.trainer.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a sweep's cells on this machine: a pool of {@code parallel} cells at a time, each cell a
 * child process ({@code launcher} + the cell's train arguments + {@code --threads T}) whose output
 * goes to the cell's {@code cell.log}. Finished cells are skipped; progress is printed per cell and
 * overall.
 */
public final class LocalBackend {
    /** How many cells run at once and how many ONNX Runtime threads each gets. */
    public record Plan(int parallel, int threadsPerCell) {
        /**
         * Cells side by side over {@code cores}: as many as there are cells to run, at most one per core,
         * each with an equal share of the cores (so they never ask for more threads than cores).
         */
        public static Plan over(int cores, int cells, Integer parallel) {
            int p = parallel != null ? parallel : Math.max(1, Math.min(cores, cells));
            return new Plan(p, Math.max(1, cores / p));
        }
    }

    /** The outcome of one cell. */
    public record CellRun(Cell cell, Path folder, boolean skipped, int exitCode, List<String> runs) {
        public boolean finished() {
            return runs != null;
        }
    }

    private LocalBackend() {
    }

    /** The command that trains {@code cell} into {@code folder} with {@code threads} threads. */
    public static List<String> command(List<String> launcher, Cell cell, Path folder, int threads) {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(cell.trainArgs(folder));
        if (!cell.settings().containsKey("threads")) {
            cmd.addAll(List.of("--threads", Integer.toString(threads)));
        }
        return cmd;
    }

    /** Runs every unfinished cell under {@code out}; returns each cell's outcome, in cell order. */
    public static List<CellRun> run(List<Cell> cells, Path out, List<String> launcher, Plan plan, PrintStream log)
            throws Exception {
        Files.createDirectories(out);
        AtomicInteger done = new AtomicInteger();
        int total = cells.size();
        ExecutorService pool = Executors.newFixedThreadPool(plan.parallel(), r -> {
            Thread t = new Thread(r, "sweep-cell");
            t.setDaemon(true);
            return t;
        });
        log.printf("sweep: %d cells, %d at a time, %d ONNX Runtime thread(s) each%n", total, plan.parallel(),
                plan.threadsPerCell());
        try {
            List<Future<CellRun>> futures = new ArrayList<>();
            for (Cell cell : cells) {
                futures.add(pool.submit(() -> runCell(cell, out.resolve(cell.name()), launcher, plan, log, done,
                        total)));
            }
            List<CellRun> results = new ArrayList<>();
            for (Future<CellRun> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static CellRun runCell(Cell cell, Path folder, List<String> launcher, Plan plan, PrintStream log,
            AtomicInteger done, int total) throws IOException, InterruptedException {
        List<String> finished = CellFolder.finishedRuns(folder);
        if (finished != null) {
            log.printf("[%d/%d] %s: finished before, skipped%n", done.incrementAndGet(), total, cell.name());
            return new CellRun(cell, folder, true, 0, finished);
        }
        CellFolder.prepare(folder);
        log.printf("[%d/%d] %s: started%n", done.get(), total, cell.name());
        long start = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(command(launcher, cell, folder, plan.threadsPerCell()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve(CellFolder.LOG)
                        .toFile()));
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process p = pb.start();
        int code;
        try {
            code = p.waitFor();
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<String> runs = code == 0 ? CellFolder.markFinished(folder, cell, plan.threadsPerCell()) : null;
        log.printf(Locale.ROOT, "[%d/%d] %s: %s in %.1f s%n", done.incrementAndGet(), total, cell.name(),
                code == 0 ? "finished" : "FAILED (exit " + code + ", see " + folder.resolve(CellFolder.LOG) + ")",
                seconds);
        return new CellRun(cell, folder, false, code, runs);
    }
}
