package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.optim.AdamWConfig;
import org.hyperdas.graphs.optim.ParamGroup;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.GroupedTrainStep;
import org.hyperdas.runtime.train.TrainStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop taking K steps per call: a masked least-squares task whose sequence length
 * changes from step to step (stacked with zero padding) and whose step 5 has a short batch (its
 * group runs one step at a time), against the same loop taking one step per call.
 */
class GroupedTrainLoopTest {
    private static final int STEPS = 10;
    private static final int IN = 3;

    @TempDir
    Path dir;

    /** loss = sum(mask * (x w - y)^2) / sum(mask), x [batch, len, IN], y and mask [batch, len]. */
    private static TrainingGraph maskedLeastSquares() {
        Graph g = new Graph("masked_lsq");
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", "len", IN));
        Value y = g.input("y", DType.FLOAT32, Shape.of("batch", "len"));
        Value mask = g.input("mask", DType.FLOAT32, Shape.of("batch", "len"));
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(IN));
        Value r = x.matmul(w).sub(y);
        Value loss = r.mul(r).mul(mask).reduceSum(false).div(mask.reduceSum(false));
        return TrainingGraph.builder(loss).group(new ParamGroup("all", 0.1, 0.0)).params("all", w)
                .optimizer(new AdamWConfig(0.9, 0.99, 1e-8)).clipNorm(1.0).scheduledLr(true).build();
    }

    /** Step s: batch 4 (3 at step 5), length 2 + s % 3, right padded like the batcher pads. */
    private static final class Task implements TrainTask {
        final List<Long> fed = new ArrayList<>();
        final List<String> reports = new ArrayList<>();

        @Override
        public long totalSteps() {
            return STEPS;
        }

        @Override
        public double lrScale(long completed) {
            return 1.0 - completed / (double) STEPS;
        }

        @Override
        public void feed(long s, Map<String, OnnxTensor> feeds, List<OnnxTensor> created) throws OrtException {
            fed.add(s);
            Random random = new Random(s);
            int batch = s == 5 ? 3 : 4;
            int len = 2 + (int) (s % 3);
            float[] x = new float[batch * len * IN];
            float[] y = new float[batch * len];
            float[] mask = new float[batch * len];
            for (int b = 0; b < batch; b++) {
                int valid = 1 + random.nextInt(len);
                for (int t = 0; t < valid; t++) {
                    int row = b * len + t;
                    for (int j = 0; j < IN; j++) {
                        x[row * IN + j] = (float) random.nextGaussian();
                    }
                    y[row] = x[row * IN] - 2 * x[row * IN + 1];
                    mask[row] = 1;
                }
            }
            put(feeds, created, "x", Tensors.tensor(Tensors.floatsOf(x), batch, len, IN));
            put(feeds, created, "y", Tensors.tensor(Tensors.floatsOf(y), batch, len));
            put(feeds, created, "mask", Tensors.tensor(Tensors.floatsOf(mask), batch, len));
        }

        private static void put(Map<String, OnnxTensor> feeds, List<OnnxTensor> created, String name, OnnxTensor t) {
            created.add(t);
            feeds.put(name, t);
        }

        @Override
        public Progress progress(long done, double[] means, int count, TrainStep step) {
            reports.add(done + ":" + count);
            return new Progress("loss " + means[0], "loss " + means[0]);
        }
    }

    private record Run(float[] w, TrainLoop.Result result, Task task) {
    }

    private Run run(TrainLoop.Settings settings, int k) throws Exception {
        TrainingGraph graph = maskedLeastSquares();
        TrainingGraph grouped = k > 1 ? graph.multiStep(k) : null;
        Map<String, float[]> init = Map.of("w", new float[] {0.3f, -0.2f, 0.1f});
        Task task = new Task();
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        OrtEngine engine = OrtEngine.cpu().withIntraOpThreads(1);
        try (OrtSession session = engine.session(graph.model());
                TrainStep step = new TrainStep(session, graph.stepSpec(init));
                OrtSession groupedSession = grouped == null ? null : engine.session(grouped.model());
                TrainStep groupedStep = grouped == null ? null : new TrainStep(groupedSession, grouped.stepSpec(init))) {
            TrainLoop.Result r = new TrainLoop(settings, log).run(step,
                    groupedStep == null ? null : new GroupedTrainStep(groupedStep, k), graph.lrScaleInput(), task);
            return new Run(step.floats("w"), r, task);
        }
    }

    /**
     * 1e-6 relative: the stacked steps pad shorter sequences with zeros whose mask is 0, which
     * adds exact zeros to the sums, but a longer float32 ReduceSum may add in another order.
     */
    private static void assertClose(float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-6 * Math.max(1, Math.abs(expected[i])),
                    "w[" + i + "]: " + actual[i] + " vs one step per call " + expected[i]);
        }
    }

    @Test
    void fourStepsPerCallEndWhereOneStepPerCallEnds() throws Exception {
        Run single = run(TrainLoop.Settings.of("lsq", 3), 1);
        Run grouped = run(TrainLoop.Settings.of("lsq", 3), 4);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), grouped.task().fed);
        assertEquals(STEPS, grouped.result().stepsDone());
        assertClose(single.w(), grouped.w());
        assertEquals(single.result().firstLoss(), grouped.result().firstLoss(), 1e-6);
        // Reports due inside a group (steps 3 and 6) come at the group's end (4, 8), with every step's
        // loss in the means; steps 9 and 10 make no full group and run one by one.
        assertEquals(List.of("4:4", "8:4", "9:1", "10:1"), grouped.task().reports);
    }

    @Test
    void aRunStoppedAtAKBoundaryResumesWithTheUninterruptedParameters() throws Exception {
        Run whole = run(TrainLoop.Settings.of("lsq", 0), 4);
        TrainLoop.Checkpoint first = new TrainLoop.Checkpoint(dir.resolve("loop.safetensors"), 4, false, Map.of());
        Run stopped = run(TrainLoop.Settings.of("lsq", 0).withCheckpoint(first).withStopAfter(4), 4);
        assertEquals(4, stopped.result().stepsDone());
        TrainLoop.Checkpoint resume = new TrainLoop.Checkpoint(dir.resolve("loop.safetensors"), 4, true, Map.of());
        Run resumed = run(TrainLoop.Settings.of("lsq", 0).withCheckpoint(resume), 4);
        assertEquals(4, resumed.result().resumedAt());
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L), resumed.task().fed);
        assertEquals(java.util.Arrays.toString(whole.w()), java.util.Arrays.toString(resumed.w()));
    }
}
