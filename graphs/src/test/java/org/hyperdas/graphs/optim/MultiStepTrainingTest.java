package org.hyperdas.graphs.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.CausalLmLoss;
import org.hyperdas.graphs.llama.TinyLlamas;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.train.StepSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A K-step model (ONNX Loop over K stacked batches) against K calls of the one-step model it was
 * built from, on a tiny two-layer Llama LM with AdamW, clipping and a scheduled lr.
 */
class MultiStepTrainingTest {
    private static final int BATCH = 2;
    private static final int SEQ = 6;
    private static final int K = 4;
    private static final LrSchedule SCHEDULE = LrSchedule.cosine(2, 3 * K);

    private static TrainingGraph lm(DType dtype) {
        CausalLmLoss lm = CausalLmLoss.build(TinyLlamas.config(2, false, false), dtype);
        return TrainingGraph.builder(lm.loss())
                .group(new ParamGroup("all", 1e-2, 0.01))
                .params("all", lm.graph().parameters().toArray(Value[]::new))
                .optimizer(AdamWConfig.defaults())
                .clipNorm(0.5)
                .scheduledLr(true)
                .build();
    }

    /** Random tokens, a ragged attention mask and next-token labels; a different batch each step. */
    private static List<Map<String, HostTensor>> batches(int steps, DType dtype, long seed) {
        LlamaConfig config = TinyLlamas.config(2, false, false);
        Random random = new Random(seed);
        List<Map<String, HostTensor>> out = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            long[] ids = new long[BATCH * SEQ];
            long[] mask = new long[BATCH * SEQ];
            long[] labels = new long[BATCH * SEQ];
            double[] labelMask = new double[BATCH * SEQ];
            for (int b = 0; b < BATCH; b++) {
                int length = SEQ - random.nextInt(3);
                for (int t = 0; t < SEQ; t++) {
                    ids[b * SEQ + t] = t < length ? random.nextInt(config.vocabSize()) : 0;
                    mask[b * SEQ + t] = t < length ? 1 : 0;
                }
                for (int t = 0; t + 1 < length; t++) {
                    labels[b * SEQ + t] = ids[b * SEQ + t + 1];
                    labelMask[b * SEQ + t] = 1;
                }
            }
            Map<String, HostTensor> m = new LinkedHashMap<>();
            m.put(FeedSchema.INPUT_IDS.name(), HostTensor.ofLongs(ids, BATCH, SEQ));
            m.put(FeedSchema.ATTENTION_MASK.name(), HostTensor.ofLongs(mask, BATCH, SEQ));
            m.put(FeedSchema.NEXT_TOKEN_LABELS.name(), HostTensor.ofLongs(labels, BATCH, SEQ));
            m.put(FeedSchema.NEXT_TOKEN_LABEL_MASK.name(), dtype == DType.FLOAT64
                    ? HostTensor.ofDoubles(labelMask, BATCH, SEQ) : HostTensor.ofFloats(TinyLlamas.toFloats(labelMask), BATCH, SEQ));
            m.put(Optimizers.LR_SCALE_INPUT, HostTensor.scalar(SCHEDULE.factor(s), dtype));
            out.add(m);
        }
        return out;
    }

    /** Float64: the loop body runs the one-step model's own nodes, so only summation order could differ. */
    @Test
    void kStepsPerCallGiveTheParametersOfKSingleStepsInFloat64() throws Exception {
        TrainingGraph single = lm(DType.FLOAT64);
        Map<String, HostTensor> init = TinyLlamas.weights(TinyLlamas.config(2, false, false), 3, DType.FLOAT64);
        List<Map<String, HostTensor>> batches = batches(3 * K, DType.FLOAT64, 11);
        MultiStepRuns.Run reference = MultiStepRuns.single(single, init, batches);
        MultiStepRuns.Run grouped = MultiStepRuns.grouped(single.multiStep(K), init, batches, null);
        assertEquals(3 * K, grouped.steps());
        assertTrue(reference.losses().get(0) > reference.losses().get(3 * K - 1), "the run should learn");
        double difference = grouped.maxDifference(reference);
        assertTrue(difference < 1e-12, "K-step vs single steps differ by " + difference);
    }

    /**
     * Float32 with resume: the state is checkpointed after each call and the next call runs on a
     * fresh session that loaded it. Tolerance 1e-5 relative: the same float32 kernels run in both,
     * but ONNX Runtime may partition a subgraph's work differently (threads, fusions), which moves
     * float32 sums by a few ulps per step over 12 AdamW steps.
     */
    @Test
    void float32KStepsResumedAtEachKBoundaryMatchSingleSteps(@TempDir Path dir) throws Exception {
        TrainingGraph single = lm(DType.FLOAT32);
        Map<String, HostTensor> init = TinyLlamas.weights(TinyLlamas.config(2, false, false), 3, DType.FLOAT32);
        List<Map<String, HostTensor>> batches = batches(3 * K, DType.FLOAT32, 12);
        MultiStepRuns.Run reference = MultiStepRuns.single(single, init, batches);
        MultiStepRuns.Run resumed = MultiStepRuns.grouped(single.multiStep(K), init, batches,
                dir.resolve("ckpt.safetensors"));
        assertEquals(3 * K, resumed.steps());
        double difference = resumed.maxDifference(reference);
        assertTrue(difference < 1e-5, "K-step (resumed) vs single steps differ by " + difference);
    }

    @Test
    void theKStepModelKeepsTheSlotsAndStacksTheBatchInputs() {
        TrainingGraph single = lm(DType.FLOAT32);
        TrainingGraph multi = single.multiStep(3);
        assertEquals(3, multi.stepsPerCall());
        assertEquals(single.parameterNames(), multi.parameterNames());
        assertEquals(single.stateNames(), multi.stateNames());
        assertEquals(single.batchInputs(), multi.batchInputs());
        Map<String, float[]> init = new LinkedHashMap<>();
        TinyLlamas.weights(TinyLlamas.config(2, false, false), 3, DType.FLOAT32)
                .forEach((k, v) -> init.put(k, v.toFloats()));
        StepSpec spec = multi.stepSpec(init);
        assertEquals(List.of("loss[0]", "grad_norm[0]", "loss[1]", "grad_norm[1]", "loss[2]", "grad_norm[2]"),
                spec.scalarOutputs());
        assertEquals(single.stepSpec(init).slots(), spec.slots());
        Value ids = multi.graph().inputs().stream().filter(v -> v.name().equals("input_ids")).findFirst().orElseThrow();
        assertEquals("[3, batch, seq]", ids.shape().toString().replace(" ", "").replace(",", ", "));
        assertThrows(GraphBuildException.class, () -> single.multiStep(1));
        assertThrows(GraphBuildException.class, () -> multi.multiStep(2));
    }
}
