package org.hyperdas.graphs.llama;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.optim.AdamWConfig;
import org.hyperdas.graphs.optim.LrSchedule;
import org.hyperdas.graphs.optim.ParamGroup;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;
import org.junit.jupiter.api.Test;

/**
 * The whole training stack on a transformer: ONE pre-norm Llama block (RMSNorm, grouped-query
 * attention with RoPE and the causal mask, SwiGLU) with untied embeddings, every weight a
 * trainable input, trained by one TrainStep model (forward, backward, clipping, AdamW) in float32
 * to copy its input: sequences {@code [BOS, a1..an, SEP, a1..an]} of random tokens, the loss only
 * on predicting the second half (position {@code n + 1 + i} predicts {@code a_{i+1}}). Every batch
 * is fresh random data, so a low loss means the block learned to copy (attend n positions back
 * and move the token through), not to memorise sequences.
 */
class CopyTaskTrainingTest {
    private static final int BOS = 0;
    private static final int SEP = 1;
    private static final int VOCAB = 24; // 22 content tokens
    private static final int N = 8; // tokens per half
    private static final int SEQ = 2 * N + 2;
    private static final int BATCH = 64;
    private static final int STEPS = 200;
    private static final long SEED = 20240611L;
    private static final LrSchedule SCHEDULE = LrSchedule.cosine(10, STEPS);

    static LlamaConfig config() {
        return LlamaConfig.builder().hiddenSize(64).intermediateSize(128).numHiddenLayers(1)
                .numAttentionHeads(4).numKeyValueHeads(2).headDim(16).vocabSize(VOCAB).maxPositionEmbeddings(64)
                .rmsNormEps(1e-5).ropeTheta(10000).tieWordEmbeddings(false).bosTokenId(BOS).build();
    }

    /** Norms 1, embeddings N(0, 1), other matrices N(0, 1/in): activations O(1) from the start. */
    static Map<String, float[]> initialWeights(LlamaConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        config.expectedTensors().forEach((name, shape) -> {
            int n = Math.toIntExact(shape.length == 1 ? shape[0] : shape[0] * shape[1]);
            float[] v = new float[n];
            boolean norm = name.endsWith("norm.weight");
            double std = name.equals("model.embed_tokens.weight") ? 1 : norm ? 0 : 1 / Math.sqrt(shape[1]);
            for (int i = 0; i < n; i++) {
                v[i] = (float) ((norm ? 1 : 0) + std * random.nextGaussian());
            }
            out.put(name, v);
        });
        return out;
    }

    @Test
    void oneBlockLearnsToCopyItsInput() throws Exception {
        LlamaConfig config = config();
        CausalLmLoss lm = CausalLmLoss.build(config);
        TrainingGraph training = TrainingGraph.builder(lm.loss())
                .group(new ParamGroup("all", 1.5e-2, 0.0))
                .params("all", lm.graph().parameters().toArray(Value[]::new))
                .optimizer(AdamWConfig.defaults())
                .clipNorm(1.0)
                .scheduledLr(true)
                .build();

        LongBuffer ids = Tensors.longs((long) BATCH * SEQ);
        LongBuffer attention = Tensors.longs((long) BATCH * SEQ);
        LongBuffer labels = Tensors.longs((long) BATCH * SEQ);
        FloatBuffer labelMask = Tensors.floats((long) BATCH * SEQ);
        FloatBuffer lr = Tensors.floats(1);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < SEQ; t++) {
                attention.put(b * SEQ + t, 1);
                labelMask.put(b * SEQ + t, t >= N + 1 && t <= 2 * N ? 1 : 0);
            }
        }
        Random data = new Random(SEED);
        double first = Double.NaN;
        double last = Double.NaN;
        int below = -1;
        long start = System.nanoTime();
        try (TrainStep step = training.open(OrtEngine.cpu(), initialWeights(config, SEED));
                OnnxTensor idsT = Tensors.tensor(ids, BATCH, SEQ);
                OnnxTensor attentionT = Tensors.tensor(attention, BATCH, SEQ);
                OnnxTensor labelsT = Tensors.tensor(labels, BATCH, SEQ);
                OnnxTensor maskT = Tensors.tensor(labelMask, BATCH, SEQ);
                OnnxTensor lrT = Tensors.tensor(lr)) {
            Map<String, OnnxTensor> batch = Map.of(LlamaHooks.INPUT_IDS, idsT, LlamaHooks.ATTENTION_MASK, attentionT,
                    FeedSchema.NEXT_TOKEN_LABELS.name(), labelsT, FeedSchema.NEXT_TOKEN_LABEL_MASK.name(), maskT, training.lrScaleInput(), lrT);
            for (int s = 1; s <= STEPS; s++) {
                fillBatch(data, ids, labels);
                lr.put(0, (float) SCHEDULE.factor(step.steps()));
                StepResult r = step.step(batch);
                last = r.get(TrainingGraph.LOSS);
                if (s == 1) {
                    first = last;
                }
                if (below < 0 && last < 0.05) {
                    below = s;
                }
                if (s % 20 == 0) {
                    System.out.printf("copy task step %3d: loss %.4f, grad norm %.3f%n", s, last,
                            r.get(TrainingGraph.GRAD_NORM));
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("copy task: loss %.4f at step 1, %.4f at step %d, first below 0.05 at step %d"
                + " (%.1f s for %d steps, chance level ln(%d) = %.3f)%n",
                first, last, STEPS, below, seconds, STEPS, VOCAB - 2, Math.log(VOCAB - 2));
        assertTrue(first > 2.5, "the untrained block should be near chance, got " + first);
        assertTrue(below > 0 && last < 0.05, "loss " + last + " after " + STEPS + " steps, expected < 0.05");
    }

    /** Fresh random sequences [BOS, a1..an, SEP, a1..an]; labels[t] = ids[t + 1] (0 at the end, unmasked). */
    private static void fillBatch(Random random, LongBuffer ids, LongBuffer labels) {
        for (int b = 0; b < BATCH; b++) {
            int o = b * SEQ;
            ids.put(o, BOS);
            ids.put(o + N + 1, SEP);
            for (int i = 0; i < N; i++) {
                long token = 2 + random.nextInt(VOCAB - 2);
                ids.put(o + 1 + i, token);
                ids.put(o + N + 2 + i, token);
            }
            for (int t = 0; t < SEQ; t++) {
                labels.put(o + t, t + 1 < SEQ ? ids.get(o + t + 1) : 0);
            }
        }
    }
}
