package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;
import org.junit.jupiter.api.Test;

/** The training graph through TrainingGraph + TrainStep on a tiny random target: the loss goes down. */
class HyperDasTrainingTest {
    private static final int STEPS = 60;

    @Test
    void adamWStepsReduceTheLoss() throws Exception {
        LlamaConfig target = HyperDasFixtures.target();
        // Rates for a 60-step run; a mild sparsity ramp (20% warm-up, 0.1 -> 0.3) keeps the
        // objective comparable from start to end while the weight is still fed every step.
        HyperDasConfig config = HyperDasFixtures.config(target).withLearningRates(1e-2, 3e-2).withInitStd(0.1);
        Map<String, HostTensor> targetTensors = HyperDasFixtures.targetWeights(target, DType.FLOAT32);
        TrainingGraph training = new HyperDasGraphs(target, LlamaWeights.inline(targetTensors), config, DType.FLOAT32)
                .training();

        assertEquals(new TreeSet<>(HyperDasParameters.shapes(target, config).keySet()),
                new TreeSet<>(training.parameterNames()));
        assertEquals(Set.of(FeedSchema.BASE_IDS.name(), FeedSchema.BASE_MASK.name(), FeedSchema.BASE_INTERVENTION_MASK.name(),
                FeedSchema.SOURCE_IDS.name(), FeedSchema.SOURCE_MASK.name(), FeedSchema.SOURCE_INTERVENTION_MASK.name(),
                FeedSchema.INSTRUCTION_IDS.name(), FeedSchema.INSTRUCTION_MASK.name(), FeedSchema.LABEL_IDS.name(),
                FeedSchema.LABEL_MASK.name(), FeedSchema.LABEL_POSITIONS.name(), FeedSchema.IS_CAUSE.name(),
                FeedSchema.SPARSITY_WEIGHT.name(), "lr_scale"), Set.copyOf(training.batchInputs()));
        assertEquals(List.of(TrainingGraph.LOSS, TrainingGraph.GRAD_NORM, HyperDasGraphs.CE_LOSS,
                HyperDasGraphs.SPARSITY_PENALTY, HyperDasGraphs.ACCURACY), training.scalarOutputs());

        Map<String, float[]> initial = HyperDasParameters.initialFloats(target, config,
                HyperDasParameters.reader(targetTensors));
        FloatBuffer sparsity = Tensors.floats(1);
        FloatBuffer lrScale = Tensors.floatsOf(1f);
        List<OnnxTensor> owned = new ArrayList<>();
        List<double[]> history = new ArrayList<>();
        try (TrainStep step = training.open(OrtEngine.cpu(), initial)) {
            Map<String, OnnxTensor> batch = HyperDasFixtures.int64Feeds(owned);
            OnnxTensor sparsityTensor = Tensors.tensor(sparsity);
            OnnxTensor lrTensor = Tensors.tensor(lrScale);
            owned.add(sparsityTensor);
            owned.add(lrTensor);
            batch.put(FeedSchema.SPARSITY_WEIGHT.name(), sparsityTensor);
            batch.put("lr_scale", lrTensor);
            for (int t = 0; t < STEPS; t++) {
                double weight = sparsityWeight(step.steps());
                sparsity.put(0, (float) weight);
                StepResult r = step.step(batch);
                history.add(new double[] {r.get(TrainingGraph.LOSS), r.get(HyperDasGraphs.CE_LOSS),
                        r.get(HyperDasGraphs.SPARSITY_PENALTY), weight, r.get(TrainingGraph.GRAD_NORM)});
            }
            double[] rotation = toDoubles(step.floats(HouseholderSubspace.ROTATION));
            assertTrue(HyperDasFixtures.maxAbsDiff(rotation, toDoubles(initial.get(HouseholderSubspace.ROTATION))) > 0,
                    "R's vectors did not move");
        } finally {
            for (OnnxTensor t : owned) {
                t.close();
            }
        }
        double firstLoss = mean(history, 0, 0, 5);
        double lastLoss = mean(history, 0, STEPS - 5, STEPS);
        double firstCe = mean(history, 1, 0, 5);
        double lastCe = mean(history, 1, STEPS - 5, STEPS);
        for (int t = 0; t < STEPS; t += 10) {
            double[] h = history.get(t);
            System.out.printf("HyperDAS training step %2d: loss %.4f  ce %.4f  sparsity %.4f x %.3f  grad norm %.3f%n",
                    t + 1, h[0], h[1], h[2], h[3], h[4]);
        }
        System.out.printf("HyperDAS training, %d AdamW steps: loss %.4f -> %.4f, cross-entropy %.4f -> %.4f"
                + " (means of the first and last 5 steps)%n", STEPS, firstLoss, lastLoss, firstCe, lastCe);
        for (double[] h : history) {
            assertTrue(Double.isFinite(h[0]), "non-finite loss");
        }
        assertTrue(lastLoss < 0.8 * firstLoss, "loss " + firstLoss + " -> " + lastLoss);
        assertTrue(lastCe < 0.8 * firstCe, "cross-entropy " + firstCe + " -> " + lastCe);
    }

    private static double mean(List<double[]> history, int column, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += history.get(i)[column];
        }
        return s / (to - from);
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** The sparsity ramp of this run: 0 for the first 20% of the steps, then linear 0.1 -> 0.3. */
    private static double sparsityWeight(long done) {
        long warmup = (long) Math.floor(0.2 * STEPS);
        return done < warmup ? 0 : 0.1 + (0.3 - 0.1) * Math.min(1.0, (double) (done - warmup) / (STEPS - 1 - warmup));
    }
}
