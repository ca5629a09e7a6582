package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.optim.MultiStepRuns;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HyperDAS's training step (target weights as initializers the loop body reads from outer scope,
 * a per-step sparsity weight and lr factor) run K steps per call against K single steps.
 */
class HyperDasMultiStepTest {
    private static final int K = 3;

    /**
     * Float64 within 1e-12 and float32 within 1e-5 relative: each iteration runs the one-step
     * model's nodes with the same kernels; the float32 bound allows ONNX Runtime to split a
     * subgraph's sums differently (a few ulps per step over 6 steps).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"FLOAT64, 1e-12", "FLOAT32, 1e-5"})
    void kStepsPerCallMatchSingleSteps(DType dtype, double tolerance) throws Exception {
        LlamaConfig target = HyperDasFixtures.target();
        HyperDasConfig config = HyperDasFixtures.config(target).withLearningRates(1e-2, 3e-2).withInitStd(0.1);
        Map<String, HostTensor> targetTensors = HyperDasFixtures.targetWeights(target, dtype);
        TrainingGraph single = new HyperDasGraphs(target, LlamaWeights.inline(targetTensors), config, dtype).training();
        Map<String, HostTensor> init = new LinkedHashMap<>();
        HyperDasParameters.initial(target, config, HyperDasParameters.reader(targetTensors)).forEach((name, v) -> {
            long[] shape = HyperDasParameters.shapes(target, config).get(name);
            init.put(name, dtype == DType.FLOAT64 ? HostTensor.ofDoubles(v, shape) : HostTensor.ofFloats(floats(v), shape));
        });
        List<Map<String, HostTensor>> batches = new ArrayList<>();
        for (int s = 0; s < 2 * K; s++) {
            Map<String, HostTensor> b = new LinkedHashMap<>(HyperDasFixtures.trainingBatch(0.1 + 0.05 * s, dtype));
            b.put(single.lrScaleInput(), HostTensor.scalar(1.0 - 0.1 * s, dtype));
            batches.add(b);
        }
        MultiStepRuns.Run reference = MultiStepRuns.single(single, init, batches);
        MultiStepRuns.Run grouped = MultiStepRuns.grouped(single.multiStep(K), init, batches, null);
        assertEquals(2 * K, grouped.steps());
        assertTrue(!reference.losses().get(0).equals(reference.losses().get(1)), "steps should differ");
        double difference = grouped.maxDifference(reference);
        assertTrue(difference <= tolerance, dtype + ": K-step vs single steps differ by " + difference);
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
