package org.hyperdas.graphs.optim;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.GroupedTrainStep;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.StepSpec;
import org.hyperdas.runtime.train.TrainStep;

/**
 * Runs the same batches through a one-step training model step by step and through its K-step
 * model K steps per call, for tests that compare the two.
 */
public final class MultiStepRuns {
    private MultiStepRuns() {
    }

    /** The parameters after the run and the loss of each step. */
    public record Run(Map<String, double[]> params, List<Double> losses, long steps) {
        /** The largest |a - b| / max(1, |b|) over every parameter element and every loss. */
        public double maxDifference(Run reference) {
            double worst = 0;
            for (Map.Entry<String, double[]> e : params.entrySet()) {
                double[] b = reference.params.get(e.getKey());
                for (int i = 0; i < b.length; i++) {
                    worst = Math.max(worst, Math.abs(e.getValue()[i] - b[i]) / Math.max(1, Math.abs(b[i])));
                }
            }
            for (int i = 0; i < losses.size(); i++) {
                double b = reference.losses.get(i);
                worst = Math.max(worst, Math.abs(losses.get(i) - b) / Math.max(1, Math.abs(b)));
            }
            return worst;
        }
    }

    /** One call per batch of the one-step model {@code tg}. */
    public static Run single(TrainingGraph tg, Map<String, HostTensor> initial, List<Map<String, HostTensor>> batches)
            throws OrtException {
        try (TrainStep step = open(tg, initial)) {
            List<Double> losses = new ArrayList<>();
            for (Map<String, HostTensor> b : batches) {
                losses.add(run(step, b).get(TrainingGraph.LOSS));
            }
            return new Run(params(tg, step), losses, step.steps());
        }
    }

    /**
     * The K-step model {@code multi} over the batches in groups of K; with {@code checkpoint}, the
     * state is saved after the first call and every later call runs on a fresh runner that loaded it.
     */
    public static Run grouped(TrainingGraph multi, Map<String, HostTensor> initial,
            List<Map<String, HostTensor>> batches, Path checkpoint) throws Exception {
        int k = multi.stepsPerCall();
        List<Double> losses = new ArrayList<>();
        TrainStep step = open(multi, initial);
        try {
            for (int from = 0; from < batches.size(); from += k) {
                Map<String, HostTensor> stacked = stack(batches.subList(from, from + k));
                for (StepResult r : call(new GroupedTrainStep(step, k), stacked)) {
                    losses.add(r.get(TrainingGraph.LOSS));
                    if (r.step() != losses.size()) {
                        throw new AssertionError("step " + r.step() + " reported as result " + losses.size());
                    }
                }
                if (checkpoint != null) {
                    step.save(checkpoint, Map.of());
                    step.close();
                    step = open(multi, initial);
                    step.load(checkpoint);
                }
            }
            return new Run(params(multi, step), losses, step.steps());
        } finally {
            step.close();
        }
    }

    /** The batches stacked on a new leading axis (they must share shapes). */
    public static Map<String, HostTensor> stack(List<Map<String, HostTensor>> batches) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String name : batches.get(0).keySet()) {
            HostTensor first = batches.get(0).get(name);
            long[] shape = new long[first.shape().length + 1];
            shape[0] = batches.size();
            System.arraycopy(first.shape(), 0, shape, 1, first.shape().length);
            int n = first.numElements();
            if (first.dtype() == DType.INT64) {
                long[] v = new long[n * batches.size()];
                for (int i = 0; i < batches.size(); i++) {
                    System.arraycopy(batches.get(i).get(name).toLongs(), 0, v, i * n, n);
                }
                out.put(name, HostTensor.ofLongs(v, shape));
            } else {
                double[] v = new double[n * batches.size()];
                for (int i = 0; i < batches.size(); i++) {
                    System.arraycopy(batches.get(i).get(name).toDoubles(), 0, v, i * n, n);
                }
                out.put(name, first.dtype() == DType.FLOAT64 ? HostTensor.ofDoubles(v, shape)
                        : HostTensor.ofFloats(toFloats(v), shape));
            }
        }
        return out;
    }

    private static TrainStep open(TrainingGraph tg, Map<String, HostTensor> initial) throws OrtException {
        StepSpec spec;
        if (tg.dtype() == DType.FLOAT64) {
            Map<String, double[]> v = new LinkedHashMap<>();
            initial.forEach((k, h) -> v.put(k, h.toDoubles()));
            spec = tg.stepSpecDoubles(v);
        } else {
            Map<String, float[]> v = new LinkedHashMap<>();
            initial.forEach((k, h) -> v.put(k, h.toFloats()));
            spec = tg.stepSpec(v);
        }
        return TrainStep.create(OrtEngine.cpu(), tg.model(), spec);
    }

    private static StepResult run(TrainStep step, Map<String, HostTensor> batch) throws OrtException {
        List<OnnxTensor> tensors = new ArrayList<>();
        try {
            return step.step(tensors(batch, tensors));
        } finally {
            tensors.forEach(OnnxTensor::close);
        }
    }

    private static List<StepResult> call(GroupedTrainStep step, Map<String, HostTensor> stacked) throws OrtException {
        List<OnnxTensor> tensors = new ArrayList<>();
        try {
            return step.step(tensors(stacked, tensors));
        } finally {
            tensors.forEach(OnnxTensor::close);
        }
    }

    private static Map<String, OnnxTensor> tensors(Map<String, HostTensor> batch, List<OnnxTensor> created)
            throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : batch.entrySet()) {
            HostTensor h = e.getValue();
            OnnxTensor t = switch (h.dtype()) {
                case INT64 -> Tensors.tensor(Tensors.longsOf(h.toLongs()), h.shape());
                case FLOAT64 -> Tensors.tensor(Tensors.doublesOf(h.toDoubles()), h.shape());
                default -> Tensors.tensor(Tensors.floatsOf(h.toFloats()), h.shape());
            };
            created.add(t);
            out.put(e.getKey(), t);
        }
        return out;
    }

    private static Map<String, double[]> params(TrainingGraph tg, TrainStep step) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String name : tg.parameterNames()) {
            if (tg.dtype() == DType.FLOAT64) {
                out.put(name, step.doubles(name));
            } else {
                float[] f = step.floats(name);
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                out.put(name, d);
            }
        }
        return out;
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
