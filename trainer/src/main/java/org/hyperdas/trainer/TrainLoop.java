package org.hyperdas.trainer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.GroupedTrainStep;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;

/**
 * The one training loop of the knowledge model, DAS / MDAS and HyperDAS: runs a {@link TrainTask}'s
 * steps on a {@link TrainStep} in order, feeds the learning-rate factor, stops on a non-finite
 * loss or gradient norm, keeps running means of the task's metrics for the progress reports
 * ({@link TrainingProgress}), saves checkpoints and resumes from one.
 *
 * <p>Each plug-in opens its step the same way, {@code new TrainStep(session, graph.stepSpec(init))}
 * over a session it owns (DAS shares one session between the attributes' steps), and hands it to
 * {@link #run}.
 *
 * <p>Resume is bit-exact as long as the task's batch of step s depends only on s (or, for a
 * stateful sampler, is replayed by {@link TrainTask#resumeAt}): the checkpoint holds the
 * parameters, the optimizer moments and the step count.
 */
public final class TrainLoop {
    /**
     * Where and when to checkpoint.
     *
     * @param file the checkpoint file
     * @param every steps between checkpoints (0: only when the loop ends)
     * @param resume continue from {@code file} when it exists
     * @param meta metadata saved with each checkpoint; a resumed run must have the same values
     */
    public record Checkpoint(Path file, int every, boolean resume, Map<String, String> meta) {
        public Checkpoint {
            if (every < 0) {
                throw new BadInputException("--checkpoint-every " + every + ": expected 0 or more steps");
            }
            meta = new LinkedHashMap<>(meta);
        }
    }

    /**
     * How the loop runs.
     *
     * @param name the task name in progress lines and errors
     * @param stopAfter stop once this many steps are done (0: run every step)
     * @param progressEvery steps between progress reports (0: not by step count)
     * @param progressNanos time between progress reports (0: not by time); with neither, no reports
     * @param checkpoint where to checkpoint, or null for no checkpoints
     */
    public record Settings(String name, long stopAfter, int progressEvery, long progressNanos, Checkpoint checkpoint) {
        public Settings {
            if (stopAfter < 0 || progressEvery < 0 || progressNanos < 0) {
                throw new BadInputException(name + ": invalid loop settings: stop after " + stopAfter
                        + ", progress every " + progressEvery + " steps / " + progressNanos + " ns");
            }
        }

        /** No checkpoints, a report every {@code progressEvery} steps, every step run. */
        public static Settings of(String name, int progressEvery) {
            return new Settings(name, 0, progressEvery, 0, null);
        }

        public Settings withCheckpoint(Checkpoint c) {
            return new Settings(name, stopAfter, progressEvery, progressNanos, c);
        }

        public Settings withStopAfter(long n) {
            return new Settings(name, n, progressEvery, progressNanos, checkpoint);
        }
    }

    /**
     * What a run did.
     *
     * @param resumedAt steps done before this process (0 for a fresh run)
     * @param stepsDone steps done at the end
     * @param firstLoss the loss of step 1 when this process ran it, else NaN
     * @param last the result of the last step this process ran, or null
     * @param seconds wall time of the loop in this process
     */
    public record Result(long resumedAt, long stepsDone, double firstLoss, StepResult last, double seconds) {
        /** Steps per second in this process (NaN when none ran). */
        public double stepsPerSecond() {
            return (stepsDone - resumedAt) / seconds;
        }

        /** The last step's value of {@code metric}, NaN when no step ran. */
        public double last(String metric) {
            return last == null ? Double.NaN : last.get(metric);
        }
    }

    private final Settings settings;
    private final PrintStream log;

    public TrainLoop(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    /**
     * Runs {@code task} on {@code step} up to its last step (or {@link Settings#stopAfter}).
     *
     * @param lrScaleInput the training graph's learning-rate factor input
     */
    public Result run(TrainStep step, String lrScaleInput, TrainTask task) throws java.io.IOException, OrtException {
        return run(step, null, lrScaleInput, task);
    }

    /**
     * Like {@link #run(TrainStep, String, TrainTask)}, taking K steps per call on {@code grouped}
     * (a K-step model of the same slots; null: one step per call). The task's feeds of K steps are
     * stacked ({@link StackedFeeds}); a group whose batch sizes differ (an epoch's short last
     * batch) and the steps before the end that make no full group run one by one on {@code step},
     * the state copied across when the runner changes. Guards, running means and
     * {@link TrainTask#afterStep} see every step; a progress report or checkpoint that falls due
     * inside a group comes after it, at the group's end. On return {@code step} holds the final state.
     */
    public Result run(TrainStep step, GroupedTrainStep grouped, String lrScaleInput, TrainTask task)
            throws java.io.IOException, OrtException {
        long total = task.totalSteps();
        long resumedAt = resume(step, total);
        if (resumedAt > 0) {
            task.resumeAt(resumedAt);
        }
        long stopAt = settings.stopAfter() > 0 ? Math.min(settings.stopAfter(), total) : total;
        RunningMeans means = new RunningMeans(task.metrics());
        double firstLoss = Double.NaN;
        StepResult last = null;
        long t0 = System.nanoTime();
        long lastReport = t0;
        FloatBuffer lrScale = Tensors.floats(1);
        Map<String, OnnxTensor> feeds = new HashMap<>();
        StepRunners runners = new StepRunners(step, grouped);
        try (OnnxTensor lrTensor = Tensors.tensor(lrScale);
                TrainingProgress progress = TrainingProgress.start(settings.name(), total, resumedAt, log)) {
            StepRunners.Feeder feeder = new StepRunners.Feeder(task, feeds, lrScale, lrScaleInput, lrTensor);
            while (runners.active().steps() < stopAt) {
                long s = runners.active().steps();
                List<StepResult> results = grouped != null && stopAt - s >= grouped.stepsPerCall()
                        ? runners.group(feeder, s) : List.of(runners.single(feeder, s));
                long done = s;
                boolean reportDue = false;
                boolean checkpointDue = false;
                Checkpoint c = settings.checkpoint();
                for (StepResult r : results) {
                    check(r, done);
                    if (done == 0) {
                        firstLoss = r.get(TrainingGraph.LOSS);
                    }
                    last = r;
                    means.add(r);
                    done = r.step();
                    task.afterStep(done, r);
                    reportDue |= reportDue(done, stopAt, System.nanoTime() - lastReport);
                    checkpointDue |= c != null && c.every() > 0 && done % c.every() == 0 && done != stopAt;
                }
                if (reportDue) {
                    TrainTask.Progress p = task.progress(done, means.means(), means.count(), runners.active());
                    progress.report(done, p.brief(), p.full());
                    means.reset();
                    lastReport = System.nanoTime();
                }
                if (checkpointDue && done != stopAt) {
                    save(runners.active(), c);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        runners.finish();
        if (settings.checkpoint() != null) {
            save(step, settings.checkpoint());
        }
        return new Result(resumedAt, step.steps(), firstLoss, last, seconds);
    }

    /** Stops on a non-finite loss or gradient norm of the step taken after {@code s} steps. */
    private void check(StepResult r, long s) {
        double loss = r.get(TrainingGraph.LOSS);
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException(settings.name() + ": loss is " + loss + " at step " + (s + 1)
                    + "; lower --lr");
        }
        Double norm = r.scalars().get(TrainingGraph.GRAD_NORM);
        if (norm != null && !Double.isFinite(norm)) {
            throw new IllegalStateException(settings.name() + ": gradient norm is " + norm + " at step " + (s + 1)
                    + "; lower --lr");
        }
    }

    private boolean reportDue(long done, long stopAt, long sinceLastReport) {
        boolean byStep = settings.progressEvery() > 0;
        boolean byTime = settings.progressNanos() > 0;
        return (byStep || byTime) && (done == stopAt || (byStep && done % settings.progressEvery() == 0)
                || (byTime && sinceLastReport >= settings.progressNanos()));
    }

    /** Loads the checkpoint when resuming and it exists; the steps it had done (0 otherwise). */
    private long resume(TrainStep step, long total) {
        Checkpoint c = settings.checkpoint();
        if (c == null || !c.resume()) {
            return 0;
        }
        if (!Files.isRegularFile(c.file())) {
            log.printf("%s: --resume: no checkpoint at %s, starting at step 0%n", settings.name(), c.file());
            return 0;
        }
        Map<String, String> saved = step.load(c.file());
        for (Map.Entry<String, String> e : c.meta().entrySet()) {
            if (!e.getValue().equals(saved.get(e.getKey()))) {
                throw new BadInputException(c.file() + ": checkpoint of a different run: " + e.getKey() + " is "
                        + saved.get(e.getKey()) + ", this run has " + e.getValue()
                        + " (start afresh without --resume, or use another --out)");
            }
        }
        log.printf("%s: resumed from %s at step %d/%d%n", settings.name(), c.file(), step.steps(), total);
        return step.steps();
    }

    private static void save(TrainStep step, Checkpoint c) throws java.io.IOException {
        Path parent = c.file().toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        step.save(c.file(), c.meta());
    }

    /** Sums of some step outputs since the last reset. */
    private static final class RunningMeans {
        private final List<String> names;
        private final double[] sums;
        private int count;

        RunningMeans(List<String> names) {
            this.names = List.copyOf(names);
            this.sums = new double[names.size()];
        }

        void add(StepResult r) {
            for (int i = 0; i < sums.length; i++) {
                sums[i] += r.get(names.get(i));
            }
            count++;
        }

        double[] means() {
            double[] m = new double[sums.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = sums[i] / count;
            }
            return m;
        }

        int count() {
            return count;
        }

        void reset() {
            java.util.Arrays.fill(sums, 0);
            count = 0;
        }
    }
}
