package org.hyperdas.trainer.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.reflect.Array;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.train.StepSpec;
import org.hyperdas.runtime.train.TrainStep;

/** The two loops {@link TrainStepBenchmark} compares: one step of the training model per call. */
interface StepRunner extends AutoCloseable {
    /** One optimizer step; returns the loss. */
    double step() throws OrtException;

    /** Session runs so far. */
    long runs();

    @Override
    void close() throws OrtException;

    /** TrainStep: nothing parameter-sized is allocated or copied per step. */
    final class ZeroCopy implements StepRunner {
        private final TrainStep step;
        private final Map<String, OnnxTensor> feeds;

        ZeroCopy(OrtSession session, StepSpec spec, Map<String, OnnxTensor> feeds) throws OrtException {
            this.step = new TrainStep(session, spec); // borrows the session
            this.feeds = feeds;
        }

        @Override
        public double step() throws OrtException {
            return step.step(feeds).get(TrainingGraph.LOSS);
        }

        @Override
        public long runs() {
            return step.steps();
        }

        @Override
        public void close() throws OrtException {
            step.close();
        }
    }

    /**
     * The naive loop: state lives in Java float arrays; every step makes new input tensors from
     * them, lets ONNX Runtime allocate the outputs and copies the new state back through
     * {@code getValue()}.
     */
    final class Allocating implements StepRunner {
        private final OrtSession session;
        private final StepSpec spec;
        private final Map<String, OnnxTensor> feeds;
        private final Map<String, float[]> state = new LinkedHashMap<>();
        private long steps;

        Allocating(OrtSession session, StepSpec spec, Map<String, OnnxTensor> feeds) {
            this.session = session;
            this.spec = spec;
            this.feeds = feeds;
            for (StepSpec.Slot slot : spec.slots()) {
                float[] values = new float[Math.toIntExact(slot.elementCount())];
                if (slot.initial() != null) {
                    ((FloatBuffer) slot.initial()).duplicate().rewind().get(values);
                }
                state.put(slot.name(), values);
            }
        }

        @Override
        public double step() throws OrtException {
            OrtEnvironment env = OrtEngine.environment();
            Map<String, OnnxTensor> inputs = new HashMap<>(feeds);
            List<OnnxTensor> created = new ArrayList<>();
            try {
                for (StepSpec.Slot slot : spec.slots()) {
                    OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(state.get(slot.name())), slot.shape());
                    created.add(t);
                    inputs.put(slot.input(), t);
                }
                OnnxTensor stepTensor = OnnxTensor.createTensor(env, steps + 1);
                created.add(stepTensor);
                inputs.put(spec.stepInput(), stepTensor);
                double loss;
                try (OrtSession.Result result = session.run(inputs)) {
                    for (StepSpec.Slot slot : spec.slots()) {
                        OnnxValue out = result.get(slot.output()).orElseThrow();
                        flatten(out.getValue(), state.get(slot.name()), 0);
                    }
                    loss = ((Number) result.get(TrainingGraph.LOSS).orElseThrow().getValue()).doubleValue();
                }
                steps++;
                return loss;
            } finally {
                created.forEach(OnnxTensor::close);
            }
        }

        /** Copies a (nested) float array into {@code into} from {@code offset}; returns the end. */
        private static int flatten(Object array, float[] into, int offset) {
            if (array instanceof float[] row) {
                System.arraycopy(row, 0, into, offset, row.length);
                return offset + row.length;
            }
            int end = offset;
            for (int i = 0; i < Array.getLength(array); i++) {
                end = flatten(Array.get(array, i), into, end);
            }
            return end;
        }

        @Override
        public long runs() {
            return steps;
        }

        @Override
        public void close() {
        }
    }
}
