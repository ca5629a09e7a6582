package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.hyperdas.runtime.train.TrainStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The large-target training path: initial values written straight into a TrainStep's buffers
 * from a safetensors store, and one state set updated in place, give exactly what the array
 * initial values and the two alternating sets give.
 */
class HyperDasInPlaceStepTest {
    private static final int STEPS = 4;

    @Test
    void initialIntoEqualsInitialFloatsFromAStore(@TempDir Path dir) throws Exception {
        LlamaConfig target = HyperDasFixtures.target();
        HyperDasConfig config = HyperDasFixtures.config(target);
        Map<String, HostTensor> tensors = HyperDasFixtures.targetWeights(target, DType.FLOAT32);
        for (boolean bf16 : new boolean[] {false, true}) {
            Path file = dir.resolve((bf16 ? "bf16" : "f32") + ".safetensors");
            SafetensorsWriter w = new SafetensorsWriter();
            tensors.forEach((name, t) -> {
                float[] v = toFloats(t.toDoubles());
                if (bf16) {
                    w.addBf16(name, t.shape(), v);
                } else {
                    w.addF32(name, t.shape(), v);
                }
            });
            w.write(file);
            try (WeightStore store = WeightStore.open(file)) {
                Map<String, float[]> expected = HyperDasParameters.initialFloats(target, config,
                        HyperDasParameters.reader(store));
                Map<String, FloatBuffer> written = new LinkedHashMap<>();
                HyperDasParameters.initialInto(target, config, store, name -> {
                    FloatBuffer b = FloatBuffer.allocate(expected.get(name).length);
                    written.put(name, b);
                    return b;
                });
                assertEquals(expected.keySet(), written.keySet());
                expected.forEach((name, v) -> assertArrayEquals(v, written.get(name).array(), 0f, name));
            }
        }
    }

    @Test
    void inPlaceStateMatchesTwoSetsExactly() throws Exception {
        LlamaConfig target = HyperDasFixtures.target();
        HyperDasConfig config = HyperDasFixtures.config(target).withLearningRates(1e-2, 3e-2).withInitStd(0.1);
        Map<String, HostTensor> targetTensors = HyperDasFixtures.targetWeights(target, DType.FLOAT32);
        TrainingGraph training = new HyperDasGraphs(target, LlamaWeights.inline(targetTensors), config, DType.FLOAT32)
                .training();
        Map<String, float[]> initial = HyperDasParameters.initialFloats(target, config,
                HyperDasParameters.reader(targetTensors));
        List<OnnxTensor> owned = new ArrayList<>();
        Map<String, OnnxTensor> batch = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, HostTensor> e : HyperDasFixtures.trainingBatch(0.3, DType.FLOAT32).entrySet()) {
                HostTensor t = e.getValue();
                OnnxTensor x = t.dtype() == DType.INT64 ? Tensors.tensor(Tensors.longsOf(t.toLongs()), t.shape())
                        : Tensors.tensor(Tensors.floatsOf(toFloats(t.toDoubles())), t.shape());
                owned.add(x);
                batch.put(e.getKey(), x);
            }
            OnnxTensor lr = Tensors.tensor(Tensors.floatsOf(1f));
            owned.add(lr);
            batch.put("lr_scale", lr);
            OrtEngine engine = OrtEngine.cpu();
            try (OrtSession a = engine.session(training.model()); OrtSession b = engine.session(training.model());
                    TrainStep twoSets = new TrainStep(a, training.stepSpec(initial));
                    TrainStep oneSet = TrainStep.inPlace(b, training.stepSpecFilledLater())) {
                initial.forEach((name, v) -> oneSet.writableFloats(name).put(v));
                for (int s = 0; s < STEPS; s++) {
                    assertEquals(twoSets.step(batch).scalars(), oneSet.step(batch).scalars(), "step " + s);
                }
                for (String slot : twoSets.slotNames()) {
                    assertArrayEquals(twoSets.floats(slot), oneSet.floats(slot), 0f, slot);
                }
                String r = HouseholderSubspace.ROTATION;
                assertNotEquals(initial.get(r)[0], oneSet.floats(r)[0], "R did not move");
            }
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
