package org.hyperdas.trainer;

import java.nio.file.Path;
import org.hyperdas.runtime.BadInputException;

/**
 * How a training run is driven, apart from what it learns: where its checkpoints go, how often,
 * whether to resume, how often to report progress and where to stop early.
 *
 * @param folder the run folder that holds the checkpoints, or null for no checkpoints
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param resume continue from the checkpoints in {@code folder} when they exist
 * @param progressEvery steps between progress reports, or null for the method's default (0: none)
 * @param stopAfter stop once this many steps are done (0: run to the end); the schedule still spans
 *     every step, so a resumed run continues as if never stopped
 * @param stepsPerCall optimizer steps per ONNX Runtime call (1: the one-step model; K: a K-step
 *     model whose Loop carries the state, for methods that support it)
 */
public record RunControl(Path folder, int checkpointEvery, boolean resume, Integer progressEvery, long stopAfter,
        int stepsPerCall) {
    /** Checkpoints every {@value #DEFAULT_CHECKPOINT_EVERY} steps unless told otherwise. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 100;

    public RunControl {
        if (checkpointEvery < 0 || stopAfter < 0 || (progressEvery != null && progressEvery < 0)) {
            throw new BadInputException("--checkpoint-every " + checkpointEvery + ", --progress-every " + progressEvery
                    + ": expected 0 or more steps");
        }
        if (stepsPerCall < 1) {
            throw new BadInputException("--steps-per-call " + stepsPerCall + ": expected 1 or more steps");
        }
    }

    /** One step per call. */
    public RunControl(Path folder, int checkpointEvery, boolean resume, Integer progressEvery, long stopAfter) {
        this(folder, checkpointEvery, resume, progressEvery, stopAfter, 1);
    }

    /** No checkpoints, default progress, every step. */
    public static RunControl none() {
        return new RunControl(null, 0, false, null, 0);
    }

    /** The progress interval, {@code fallback} when not set. */
    public int progressEvery(int fallback) {
        return progressEvery != null ? progressEvery : fallback;
    }

    /** The checkpoint file {@code name} in the run folder, or null without one. */
    public Path checkpoint(String name) {
        return folder == null ? null : folder.resolve(name);
    }

    /** The same control for a run folder {@code other} (e.g. a baseline's beside the main run). */
    public RunControl inFolder(Path other) {
        return new RunControl(other, checkpointEvery, resume, progressEvery, stopAfter, stepsPerCall);
    }
}
