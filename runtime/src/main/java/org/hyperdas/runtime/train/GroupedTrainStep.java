package org.hyperdas.runtime.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs a model that takes {@code K} optimizer steps per call (an ONNX Loop over K stacked
 * batches) on a {@link TrainStep}, so parameters and optimizer state cross between Java and ONNX
 * Runtime once per K steps. The TrainStep's A/B buffers, checkpoints and step input work as for
 * a one-step model: the step input receives the 1-based number of the group's first step, and
 * after a call the step count has advanced by K, so a checkpoint written between calls is one at a
 * K boundary and resumes with either model.
 *
 * <p>The model reports each step's scalars as separate one-element outputs named
 * {@link #perStep(String, int)}: {@code loss[0]} .. {@code loss[K-1]}. Batch inputs are the
 * one-step model's, stacked along a new leading axis of size K.
 */
public final class GroupedTrainStep {
    private final TrainStep step;
    private final int stepsPerCall;
    private final List<String> scalars;

    /**
     * @param step a runner over a K-step model; the caller keeps owning (and closes) it
     * @param stepsPerCall K
     * @throws IllegalArgumentException when the spec's scalar outputs are not
     *     {@code perStep(name, i)} for each name and i in 0..K-1, grouped by step
     */
    public GroupedTrainStep(TrainStep step, int stepsPerCall) {
        this.step = Objects.requireNonNull(step, "step");
        if (stepsPerCall < 1) {
            throw new IllegalArgumentException("steps per call must be at least 1: " + stepsPerCall);
        }
        this.stepsPerCall = stepsPerCall;
        List<String> outputs = step.spec().scalarOutputs();
        int perStep = outputs.size() / stepsPerCall;
        List<String> names = new ArrayList<>();
        for (String o : outputs.subList(0, perStep)) {
            names.add(o.endsWith("[0]") ? o.substring(0, o.length() - 3) : o);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < stepsPerCall; i++) {
            for (String n : names) {
                expected.add(perStep(n, i));
            }
        }
        if (!expected.equals(outputs)) {
            throw new IllegalArgumentException("scalar outputs " + outputs + " are not those of a " + stepsPerCall
                    + "-step model: expected " + expected);
        }
        this.scalars = List.copyOf(names);
    }

    /** The output name of {@code scalar} at step {@code index} (0-based) of a call. */
    public static String perStep(String scalar, int index) {
        return scalar + "[" + index + "]";
    }

    /** The wrapped runner (state, checkpoints, step count). */
    public TrainStep trainStep() {
        return step;
    }

    /** K. */
    public int stepsPerCall() {
        return stepsPerCall;
    }

    /**
     * Runs K steps in one call.
     *
     * @param stacked one tensor per batch input, each the K steps' batches stacked on axis 0
     * @return one result per step, in order, each with its step count and its scalars under
     *     their one-step names
     * @throws OrtException when ONNX Runtime fails (state and step count untouched)
     */
    public List<StepResult> step(Map<String, ? extends OnnxTensor> stacked) throws OrtException {
        long before = step.steps();
        StepResult r = step.step(stacked);
        step.setSteps(before + stepsPerCall);
        List<StepResult> results = new ArrayList<>(stepsPerCall);
        for (int i = 0; i < stepsPerCall; i++) {
            Map<String, Double> values = new LinkedHashMap<>();
            for (String s : scalars) {
                values.put(s, r.get(perStep(s, i)));
            }
            results.add(new StepResult(before + i + 1, Collections.unmodifiableMap(values)));
        }
        return results;
    }
}
