package org.hyperdas.trainer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;

/**
 * What one training run plugs into {@link TrainLoop}: its step plan, the batch (feeds) of each
 * step, its learning-rate factor and its progress text. The loop owns the control flow (order of
 * steps, guards, running means, progress, checkpoints, resume); the task owns the numerics of its
 * batches, so each task reproduces its own batch order exactly.
 */
public interface TrainTask {
    /** Steps of the whole run; the learning-rate schedule spans them all. */
    long totalSteps();

    /** The learning-rate factor (fed as {@code lr_scale}) of the step taken after {@code completed} steps. */
    double lrScale(long completed);

    /**
     * Puts the inputs of the step taken after {@code completed} steps, other than {@code lr_scale},
     * into {@code feeds}; tensors it creates go to {@code created}, which the loop closes after the
     * step. Called for consecutive steps from where this process starts.
     */
    void feed(long completed, Map<String, OnnxTensor> feeds, List<OnnxTensor> created) throws OrtException;

    /**
     * Called once before the first step when the run resumes after {@code completed} steps, for a
     * task whose batches depend on state built up step by step (a sampler to fast-forward).
     */
    default void resumeAt(long completed) {
    }

    /** Names of the step outputs averaged between progress reports ({@link TrainingGraph#LOSS} first). */
    default List<String> metrics() {
        return List.of(TrainingGraph.LOSS);
    }

    /** Called after each step with its result (e.g. to count tokens or sum an epoch's loss). */
    default void afterStep(long done, StepResult result) {
    }

    /**
     * The progress report after {@code done} steps.
     *
     * @param means the means of {@link #metrics()} over the steps since the last report
     * @param count how many steps those means cover
     * @param step the training step (current parameters, e.g. for a monitor batch)
     */
    Progress progress(long done, double[] means, int count, TrainStep step) throws OrtException;

    /**
     * A progress report.
     *
     * @param brief a short text shown after the terminal progress bar
     * @param full the text of a plain progress line
     */
    record Progress(String brief, String full) {
    }
}
