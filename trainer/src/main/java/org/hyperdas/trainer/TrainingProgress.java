package org.hyperdas.trainer;

import java.io.PrintStream;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a training loop: a terminal progress bar (step, steps/s, ETA and the caller's
 * message: loss, held-out accuracy) when the log is the console's stderr, otherwise one plain line
 * every {@code every} steps, so logs redirected to a file or captured by a test stay readable.
 */
public final class TrainingProgress implements AutoCloseable {
    private final String task;
    private final long total;
    private final long initial;
    private final PrintStream log;
    private final ProgressBar bar;
    private final long t0 = System.nanoTime();

    private TrainingProgress(String task, long total, long initial, PrintStream log, ProgressBar bar) {
        this.task = task;
        this.total = total;
        this.initial = initial;
        this.log = log;
        this.bar = bar;
    }

    /**
     * Starts tracking {@code total} steps of which {@code initial} are already done (a resumed run).
     * The bar is used only when {@code log} is {@link System#err} and the process has a console.
     */
    public static TrainingProgress start(String task, long total, long initial, PrintStream log) {
        boolean interactive = log == System.err && System.console() != null;
        ProgressBar bar = null;
        if (interactive) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .showSpeed().setSpeedUnit(ChronoUnit.SECONDS).startsFrom(initial, Duration.ZERO).build();
        }
        return new TrainingProgress(task, total, initial, log, bar);
    }

    /** True when a terminal bar is drawn (then {@link #report} also redraws it). */
    public boolean interactive() {
        return bar != null;
    }

    /** Steps per second since the start (steps done in this process only). */
    public double rate(long done) {
        double seconds = (System.nanoTime() - t0) / 1e9;
        return (done - initial) / seconds;
    }

    /**
     * Reports {@code done} steps: the bar shows {@code brief} after it (keep it short, e.g. "loss
     * 2.31 cause 60% iso 80%", so the bar keeps its width on an 80-column terminal); a plain line
     * reads {@code task: step done/total, full, rate, ETA}.
     */
    public void report(long done, String brief, String full) {
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(" " + brief);
            return;
        }
        double rate = rate(done);
        log.printf("%s: step %d/%d, %s, %.2f steps/s, ETA %s%n", task, done, total, full, rate,
                duration((total - done) / rate));
    }

    /** A duration for progress reports: "42s", "3m07s", "1h05m"; "-" when unknown. */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "-";
        }
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
