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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HyperDAS's training step (target weights as initializers the loop body reads from outer scope,
 * a per-step sparsity weight and lr factor) run K steps per call against K single steps.
 */
class HyperDasMultiStepTest {
    private static final int K = 3;
    private static final Map<DType, Setup> SETUPS = new java.util.EnumMap<>(DType.class);

    /** The one-step graph and the initial parameters, built once per dtype (the build dominates). */
    private record Setup(TrainingGraph single, Map<String, HostTensor> init) {
    }

    private static synchronized Setup setup(DType dtype) {
        return SETUPS.computeIfAbsent(dtype, d -> {
            LlamaConfig target = HyperDasFixtures.target();
            HyperDasConfig config = HyperDasFixtures.config(target).withLearningRates(1e-2, 3e-2).withInitStd(0.1);
            Map<String, HostTensor> targetTensors = HyperDasFixtures.targetWeights(target, d);
            TrainingGraph single = new HyperDasGraphs(target, LlamaWeights.inline(targetTensors), config, d).training();
            Map<String, HostTensor> init = new LinkedHashMap<>();
            HyperDasParameters.initial(target, config, HyperDasParameters.reader(targetTensors)).forEach((name, v) -> {
                long[] shape = HyperDasParameters.shapes(target, config).get(name);
                init.put(name, d == DType.FLOAT64 ? HostTensor.ofDoubles(v, shape) : HostTensor.ofFloats(floats(v), shape));
            });
            return new Setup(single, init);
        });
    }

    /**
     * Float64 within 1e-12 and float32 within 1e-5 relative: each iteration runs the one-step
     * model's nodes with the same kernels; the float32 bound allows ONNX Runtime to split a
     * subgraph's sums differently (a few ulps per step over 6 steps).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"FLOAT64, 1e-12", "FLOAT32, 1e-5"})
    void kStepsPerCallMatchSingleSteps(DType dtype, double tolerance) throws Exception {
        Setup setup = setup(dtype);
        TrainingGraph single = setup.single();
        Map<String, HostTensor> init = setup.init();
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

    /**
     * Right-padding every sequence and label axis with zeros (ids 0, masks 0, label positions 0)
     * leaves the step unchanged: the masks keep the padded positions out of attention, selection
     * and loss. So stacking steps of different lengths, padded to the group's longest, trains as
     * the unpadded steps do, up to the order of sums over the added exact zeros: within 1e-12 in
     * float64 (1.2e-15 measured; float32 moved by 2.7e-7 relative, a few ulps).
     */
    @Test
    void zeroPaddingTheSequenceAxesLeavesTheStepsUnchanged() throws Exception {
        DType dtype = DType.FLOAT64;
        double tolerance = 1e-12;
        Setup setup = setup(dtype);
        TrainingGraph single = setup.single();
        Map<String, HostTensor> init = setup.init();
        List<Map<String, HostTensor>> plain = new ArrayList<>();
        List<Map<String, HostTensor>> padded = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            Map<String, HostTensor> b = new LinkedHashMap<>(HyperDasFixtures.trainingBatch(0.2, dtype));
            b.put(single.lrScaleInput(), HostTensor.scalar(1.0, dtype));
            plain.add(b);
            Map<String, HostTensor> p = new LinkedHashMap<>();
            b.forEach((name, t) -> p.put(name, padLaterAxes(t, 2)));
            padded.add(p);
        }
        double difference = MultiStepRuns.single(single, init, padded).maxDifference(MultiStepRuns.single(single, init, plain));
        assertTrue(difference <= tolerance, dtype + ": padded vs unpadded steps differ by " + difference);
    }

    /** {@code t} with {@code extra} zeros appended along every axis but the first. */
    private static HostTensor padLaterAxes(HostTensor t, int extra) {
        long[] shape = t.shape();
        if (shape.length < 2) {
            return t;
        }
        long[] out = shape.clone();
        for (int a = 1; a < out.length; a++) {
            out[a] += extra;
        }
        int n = 1;
        for (long d : out) {
            n *= (int) d;
        }
        double[] values = t.toDoubles();
        double[] padded = new double[n];
        for (int i = 0; i < n; i++) {
            int rest = i;
            int source = 0;
            int stride = 1;
            boolean inside = true;
            for (int a = out.length - 1; a >= 0; a--) {
                int c = rest % (int) out[a];
                rest /= (int) out[a];
                inside &= c < shape[a];
                source += c * stride;
                stride *= (int) shape[a];
            }
            padded[i] = inside ? values[source] : 0;
        }
        return switch (t.dtype()) {
            case INT64 -> HostTensor.ofLongs(java.util.Arrays.stream(padded).mapToLong(v -> (long) v).toArray(), out);
            case FLOAT64 -> HostTensor.ofDoubles(padded, out);
            default -> HostTensor.ofFloats(floats(padded), out);
        };
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
