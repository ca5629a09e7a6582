package org.hyperdas.graphs.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end in float32: a 2-layer MLP learns a 3-class spiral (the cs231n one, seeded) with
 * TrainingGraph + TrainStep + AdamW under a warm-up + cosine schedule, full batch. Also: the same
 * seed gives bit-identical parameters and optimizer state (Arrays.equals compares the bits), and
 * save + load + continue equals an uninterrupted run, bit for bit.
 */
class MlpTrainingTest {
    private static final int PER_CLASS = 100;
    private static final int CLASSES = 3;
    private static final int N = PER_CLASS * CLASSES;
    private static final int HIDDEN = 64;
    private static final int STEPS = 300;
    private static final long SEED = 1234;
    private static final LrSchedule SCHEDULE = LrSchedule.cosine(20, STEPS);

    private static TrainingGraph training;
    private static float[] xs;
    private static long[] labels;
    private static OrtEngine engine;

    @BeforeAll
    static void build() {
        Graph g = new Graph("mlp");
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", 2));
        Value y = g.input("labels", DType.INT64, Shape.of("batch", 1));
        Value w1 = g.parameter("fc1.weight", DType.FLOAT32, Shape.of(2, HIDDEN));
        Value b1 = g.parameter("fc1.bias", DType.FLOAT32, Shape.of(HIDDEN));
        Value w2 = g.parameter("fc2.weight", DType.FLOAT32, Shape.of(HIDDEN, CLASSES));
        Value b2 = g.parameter("fc2.bias", DType.FLOAT32, Shape.of(CLASSES));
        Value logits = x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
        Value loss = logits.logSoftmax(-1).gatherElements(y, 1).reduceMean(false).neg();
        Value accuracy = logits.argMax(1, true).equal(y).cast(DType.FLOAT32).reduceMean(false);
        training = TrainingGraph.builder(loss)
                .group(new ParamGroup("hidden", 0.05, 0.01))
                .group(new ParamGroup("head", 0.02, 0.0))
                .params("hidden", w1, b1)
                .params("head", w2, b2)
                .optimizer(AdamWConfig.defaults())
                .clipNorm(1.0)
                .scheduledLr(true)
                .metric("accuracy", accuracy)
                .build();
        spiral(new Random(SEED));
        engine = OrtEngine.cpu();
    }

    /** cs231n's spiral: class j's points at radius r in [0, 1] and angle 4j + 4r + noise. */
    private static void spiral(Random random) {
        xs = new float[N * 2];
        labels = new long[N];
        for (int j = 0; j < CLASSES; j++) {
            for (int i = 0; i < PER_CLASS; i++) {
                int n = j * PER_CLASS + i;
                double r = i / (double) (PER_CLASS - 1);
                double theta = 4 * j + 4 * r + random.nextGaussian() * 0.2;
                xs[2 * n] = (float) (r * Math.sin(theta));
                xs[2 * n + 1] = (float) (r * Math.cos(theta));
                labels[n] = j;
            }
        }
    }

    /** He-normal weights, zero biases, from {@code seed}. */
    private static Map<String, float[]> initial(long seed) {
        Random random = new Random(seed);
        Map<String, float[]> init = new LinkedHashMap<>();
        init.put("fc1.weight", normal(random, 2 * HIDDEN, Math.sqrt(2.0 / 2)));
        init.put("fc1.bias", new float[HIDDEN]);
        init.put("fc2.weight", normal(random, HIDDEN * CLASSES, Math.sqrt(2.0 / HIDDEN)));
        init.put("fc2.bias", new float[CLASSES]);
        return init;
    }

    private static float[] normal(Random random, int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * std);
        }
        return out;
    }

    /** Runs {@code steps} steps from the TrainStep's current state; returns the last result. */
    private static StepResult train(TrainStep step, int steps) throws Exception {
        FloatBuffer lr = Tensors.floats(1);
        StepResult last = null;
        try (OnnxTensor x = Tensors.tensor(Tensors.floatsOf(xs), N, 2);
                OnnxTensor y = Tensors.tensor(Tensors.longsOf(labels), N, 1);
                OnnxTensor lrTensor = Tensors.tensor(lr)) {
            Map<String, OnnxTensor> batch = Map.of("x", x, "labels", y, training.lrScaleInput(), lrTensor);
            for (int i = 0; i < steps; i++) {
                lr.put(0, (float) SCHEDULE.factor(step.steps()));
                last = step.step(batch);
            }
        }
        return last;
    }

    private static Map<String, float[]> slots(TrainStep step) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : step.slotNames()) {
            out.put(name, step.floats(name));
        }
        return out;
    }

    /** Accuracy of the parameters, computed in plain Java. */
    private static double accuracy(Map<String, float[]> p) {
        float[] w1 = p.get("fc1.weight");
        float[] b1 = p.get("fc1.bias");
        float[] w2 = p.get("fc2.weight");
        float[] b2 = p.get("fc2.bias");
        int correct = 0;
        for (int n = 0; n < N; n++) {
            double[] logits = new double[CLASSES];
            for (int h = 0; h < HIDDEN; h++) {
                double a = Math.max(0, b1[h] + xs[2 * n] * w1[h] + xs[2 * n + 1] * w1[HIDDEN + h]);
                for (int c = 0; c < CLASSES; c++) {
                    logits[c] += a * w2[h * CLASSES + c];
                }
            }
            int best = 0;
            for (int c = 0; c < CLASSES; c++) {
                logits[c] += b2[c];
                if (logits[c] > logits[best]) {
                    best = c;
                }
            }
            correct += best == labels[n] ? 1 : 0;
        }
        return correct / (double) N;
    }

    @Test
    void learnsTheSpiralAndIsBitReproducible() throws Exception {
        Map<String, float[]> first;
        Map<String, float[]> second;
        StepResult last;
        int reached = -1;
        try (TrainStep step = training.open(engine, initial(SEED))) {
            for (int i = 0; i < STEPS; i++) {
                last = train(step, 1);
                if (reached < 0 && last.get("accuracy") > 0.98) {
                    reached = i + 1;
                }
            }
            first = slots(step);
        }
        try (TrainStep step = training.open(engine, initial(SEED))) {
            last = train(step, STEPS);
            second = slots(step);
        }
        double accuracy = accuracy(first);
        System.out.printf("optim MLP spiral: training accuracy %.4f after %d steps (graph metric first above 0.98"
                + " at step %d), final loss %.4f, grad norm %.3f%n",
                accuracy, STEPS, reached, last.get("loss"), last.get("grad_norm"));
        assertTrue(accuracy > 0.98, "training accuracy " + accuracy);
        assertEquals(accuracy, last.get("accuracy"), 2.0 / N, "graph metric vs Java forward");
        assertEquals(first.keySet(), second.keySet());
        for (String name : first.keySet()) {
            assertTrue(Arrays.equals(first.get(name), second.get(name)),
                    "slot " + name + " differs between identical runs");
        }
    }

    @Test
    void saveLoadAndContinueEqualsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        int before = 120;
        int after = 80;
        Map<String, float[]> uninterrupted;
        try (TrainStep step = training.open(engine, initial(SEED))) {
            train(step, before + after);
            uninterrupted = slots(step);
        }
        Path checkpoint = dir.resolve("step.safetensors");
        try (TrainStep step = training.open(engine, initial(SEED))) {
            train(step, before);
            step.save(checkpoint, Map.of("task", "spiral"));
        }
        Map<String, float[]> resumed;
        // Different initial values: everything must come from the checkpoint.
        try (TrainStep step = training.open(engine, initial(SEED + 1))) {
            Map<String, String> meta = step.load(checkpoint);
            assertEquals("spiral", meta.get("task"));
            assertEquals(before, step.steps());
            train(step, after);
            assertEquals(before + after, step.steps());
            resumed = slots(step);
        }
        assertEquals(List.copyOf(uninterrupted.keySet()), List.copyOf(resumed.keySet()));
        for (String name : uninterrupted.keySet()) {
            assertTrue(Arrays.equals(uninterrupted.get(name), resumed.get(name)),
                    "slot " + name + " differs after resume");
        }
    }
}
