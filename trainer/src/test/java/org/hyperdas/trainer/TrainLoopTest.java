package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.TrainStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop on least squares (x w - y, a batch of 4 per step that depends only on the
 * step): steps run in order with the task's learning-rate factors, progress reports come every N
 * steps and at the end with the means since the last one, a stopped run resumed from its
 * checkpoint ends with the parameters of an uninterrupted one, and a non-finite loss or a
 * checkpoint of another run stops it.
 */
class TrainLoopTest {
    private static final int STEPS = 10;
    private static final int IN = 3;

    @TempDir
    Path dir;

    private static TrainingGraph leastSquares() {
        Graph g = new Graph("lsq");
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", IN));
        Value y = g.input("y", DType.FLOAT32, Shape.of("batch", 1));
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(IN, 1));
        Value r = x.matmul(w).sub(y);
        return TrainingGraph.builder(r.mul(r).reduceMean(false)).group(new ParamGroup("all", 0.1, 0.0))
                .params("all", w).optimizer(new AdamWConfig(0.9, 0.99, 1e-8)).scheduledLr(true).build();
    }

    /** Batches of step s from a generator seeded with s; records what the loop asked for. */
    private static final class Task implements TrainTask {
        final List<Long> fed = new ArrayList<>();
        final List<String> reports = new ArrayList<>();
        final float poison;

        Task(float poison) {
            this.poison = poison;
        }

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
            float[] x = new float[4 * IN];
            float[] y = new float[4];
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < IN; j++) {
                    x[i * IN + j] = (float) random.nextGaussian() + poison;
                }
                y[i] = x[i * IN] - 2 * x[i * IN + 1];
            }
            OnnxTensor xt = Tensors.tensor(Tensors.floatsOf(x), 4, IN);
            OnnxTensor yt = Tensors.tensor(Tensors.floatsOf(y), 4, 1);
            created.add(xt);
            created.add(yt);
            feeds.put("x", xt);
            feeds.put("y", yt);
        }

        @Override
        public Progress progress(long done, double[] means, int count, TrainStep step) {
            reports.add(done + ":" + count);
            return new Progress("loss " + means[0], "loss " + means[0]);
        }
    }

    private record Run(float[] w, TrainLoop.Result result, Task task, String log) {
    }

    private Run run(TrainLoop.Settings settings, float poison) throws Exception {
        TrainingGraph graph = leastSquares();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Task task = new Task(poison);
        try (OrtSession session = OrtEngine.cpu().withIntraOpThreads(1).session(graph.model());
                TrainStep step = new TrainStep(session, graph.stepSpec(Map.of("w", new float[IN])))) {
            TrainLoop.Result r = new TrainLoop(settings, log).run(step, graph.lrScaleInput(), task);
            return new Run(step.floats("w"), r, task, bytes.toString(StandardCharsets.UTF_8));
        }
    }

    private TrainLoop.Checkpoint checkpoint(boolean resume, String seed) {
        return new TrainLoop.Checkpoint(dir.resolve("ckpt/loop.safetensors"), 2, resume, Map.of("seed", seed));
    }

    @Test
    void stepsRunInOrderAndProgressReportsTheMeansSinceTheLastReport() throws Exception {
        Run r = run(TrainLoop.Settings.of("lsq", 3), 0);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), r.task().fed);
        assertEquals(List.of("3:3", "6:3", "9:3", "10:1"), r.task().reports);
        assertEquals(STEPS, r.result().stepsDone());
        assertTrue(r.result().firstLoss() > r.result().last("loss"), "least squares should improve");
        assertTrue(r.log().contains("lsq: step 9/10, loss "), r.log());
    }

    @Test
    void aStoppedRunResumedFromItsCheckpointEndsWithTheUninterruptedParameters() throws Exception {
        Run whole = run(TrainLoop.Settings.of("lsq", 0), 0);
        Run stopped = run(TrainLoop.Settings.of("lsq", 0).withCheckpoint(checkpoint(false, "1")).withStopAfter(5), 0);
        assertEquals(5, stopped.result().stepsDone());
        assertFalse(java.util.Arrays.equals(whole.w(), stopped.w()));
        Run resumed = run(TrainLoop.Settings.of("lsq", 0).withCheckpoint(checkpoint(true, "1")), 0);
        assertEquals(5, resumed.result().resumedAt());
        assertEquals(List.of(5L, 6L, 7L, 8L, 9L), resumed.task().fed);
        assertTrue(Double.isNaN(resumed.result().firstLoss()), "step 1 did not run in the resumed process");
        assertArrayEquals(whole.w(), resumed.w());
        BadInputException other = assertThrows(BadInputException.class,
                () -> run(TrainLoop.Settings.of("lsq", 0).withCheckpoint(checkpoint(true, "2")), 0));
        assertTrue(other.getMessage().contains("seed is 1, this run has 2"), other.getMessage());
    }

    @Test
    void aNonFiniteLossStopsTheRun() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run(TrainLoop.Settings.of("lsq", 0), Float.NaN));
        assertTrue(e.getMessage().startsWith("lsq: loss is NaN at step 1"), e.getMessage());
    }
}
