package org.hyperdas.trainer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.train.GroupedTrainStep;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;

/**
 * {@link TrainLoop}'s runners: a one-step TrainStep and, optionally, a K-step one over the same
 * slots. The state lives in the runner that ran last ({@link #active()}); switching runners copies
 * every slot and the step count across, which happens only around groups that cannot be stacked.
 */
final class StepRunners {
    /** The feeds of one step: the task's batch plus the learning-rate factor. */
    record Feeder(TrainTask task, Map<String, OnnxTensor> feeds, FloatBuffer lrScale, String lrScaleInput,
            OnnxTensor lrTensor) {
        Map<String, OnnxTensor> feed(long s, List<OnnxTensor> created) throws OrtException {
            feeds.clear();
            task.feed(s, feeds, created);
            lrScale.put(0, (float) task.lrScale(s));
            feeds.put(lrScaleInput, lrTensor);
            return feeds;
        }
    }

    private final TrainStep single;
    private final GroupedTrainStep grouped;
    private TrainStep active;

    StepRunners(TrainStep single, GroupedTrainStep grouped) {
        this.single = single;
        this.grouped = grouped;
        this.active = single;
    }

    /** The runner holding the current state. */
    TrainStep active() {
        return active;
    }

    /** The step taken after {@code s} steps, on the one-step runner. */
    StepResult single(Feeder feeder, long s) throws OrtException {
        activate(single);
        List<OnnxTensor> created = new ArrayList<>();
        try {
            return single.step(feeder.feed(s, created));
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    /** The K steps taken after {@code s} steps: one call when their feeds stack, else one by one. */
    List<StepResult> group(Feeder feeder, long s) throws OrtException {
        List<Map<String, StackedFeeds.Feed>> steps = new ArrayList<>();
        for (int i = 0; i < grouped.stepsPerCall(); i++) {
            List<OnnxTensor> created = new ArrayList<>();
            try {
                steps.add(StackedFeeds.snapshot(feeder.feed(s + i, created)));
            } finally {
                created.forEach(OnnxTensor::close);
            }
        }
        List<OnnxTensor> created = new ArrayList<>();
        try {
            if (StackedFeeds.stackable(steps)) {
                activate(grouped.trainStep());
                return grouped.step(StackedFeeds.stack(steps, created));
            }
            activate(single);
            List<StepResult> out = new ArrayList<>();
            for (Map<String, StackedFeeds.Feed> step : steps) {
                out.add(single.step(StackedFeeds.tensors(step, created)));
            }
            return out;
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    /** Leaves the state in the one-step runner, where the caller reads it. */
    void finish() {
        activate(single);
    }

    private void activate(TrainStep next) {
        if (next == active) {
            return;
        }
        for (String slot : active.slotNames()) {
            switch (active.spec().slot(slot).dtype()) {
                case F32 -> next.set(slot, active.floatView(slot));
                case F64 -> next.set(slot, active.doubles(slot));
                default -> next.set(slot, active.longs(slot));
            }
        }
        next.setSteps(active.steps());
        active = next;
    }
}
