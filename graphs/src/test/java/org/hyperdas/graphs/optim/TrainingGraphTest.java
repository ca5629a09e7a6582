package org.hyperdas.graphs.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.StepSpec;
import org.hyperdas.runtime.train.TrainStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole chain (autodiff, clipping, AdamW, outputs, StepSpec, TrainStep) on least squares,
 * whose gradients are easy to write by hand, against {@link ReferenceOptimizer}.
 */
class TrainingGraphTest {
    private static final int N = 16;
    private static final int IN = 3;
    private static final int OUT = 2;
    private static final int STEPS = 20;
    private static final ParamGroup HYPERNET = new ParamGroup("hypernet", 0.05, 0.1);
    private static final ParamGroup ROTATION = new ParamGroup("R", 0.1, 0.0);

    /** loss = mean((x w + b - y)^2) over all N*OUT elements. */
    private static TrainingGraph leastSquares(DType dtype, double clip) {
        Graph g = new Graph("lsq");
        Value x = g.input("x", dtype, Shape.of("batch", IN));
        Value y = g.input("y", dtype, Shape.of("batch", OUT));
        Value w = g.parameter("w", dtype, Shape.of(IN, OUT));
        Value b = g.parameter("b", dtype, Shape.of(OUT));
        Value r = x.matmul(w).add(b).sub(y);
        Value loss = r.mul(r).reduceMean(false);
        return TrainingGraph.builder(loss)
                .group(HYPERNET).group(ROTATION)
                .params("hypernet", w).params("R", b)
                .optimizer(new AdamWConfig(0.9, 0.99, 1e-8))
                .clipNorm(clip)
                .scheduledLr(true)
                .metric("max_residual", r.abs().reduceMax(false))
                .build();
    }

    @Test
    void namesFollowTheConvention() {
        TrainingGraph tg = leastSquares(DType.FLOAT32, 1.0);
        assertEquals(List.of("w", "b"), tg.parameterNames());
        assertEquals(List.of("w.adam_m", "w.adam_v", "b.adam_m", "b.adam_v"), tg.stateNames());
        assertEquals(List.of("x", "y", "lr_scale"), tg.batchInputs());
        assertEquals(List.of("loss", "grad_norm", "max_residual"), tg.scalarOutputs());
        assertEquals("lr_scale", tg.lrScaleInput());
        StepSpec spec = tg.stepSpec(Map.of("w", new float[IN * OUT], "b", new float[OUT]));
        assertEquals("step", spec.stepInput());
        assertEquals("w.next", spec.slot("w").output());
        assertEquals("w.adam_v", spec.slot("w.adam_v").input());
        assertEquals("w.adam_v.next", spec.slot("w.adam_v").output());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"FLOAT64, 1e-6", "FLOAT32, 1e-5"})
    void adamWThroughTrainStepMatchesReference(DType dtype, double tolerance) throws Exception {
        double clip = 1.0;
        TrainingGraph tg = leastSquares(dtype, clip);
        Random random = new Random(5);
        double[] xs = gaussian(random, N * IN, 1.0, dtype);
        double[] ys = gaussian(random, N * OUT, 3.0, dtype);
        double[] w0 = gaussian(random, IN * OUT, 0.5, dtype);
        double[] b0 = gaussian(random, OUT, 0.5, dtype);
        ReferenceOptimizer ref = new ReferenceOptimizer(new AdamWConfig(0.9, 0.99, 1e-8), clip);
        ref.add("w", HYPERNET, w0);
        ref.add("b", ROTATION, b0);
        LrSchedule schedule = LrSchedule.cosine(2, STEPS);

        OrtEngine engine = OrtEngine.cpu();
        boolean f64 = dtype == DType.FLOAT64;
        DoubleBuffer lrDouble = Tensors.doubles(1);
        FloatBuffer lrFloat = Tensors.floats(1);
        RelativeErrors errors = new RelativeErrors();
        int clipped = 0;
        try (TrainStep step = f64
                ? TrainStep.create(engine, tg.model(), tg.stepSpecDoubles(Map.of("w", w0, "b", b0)))
                : tg.open(engine, Map.of("w", floats(w0), "b", floats(b0)));
                OnnxTensor x = tensor(xs, f64, N, IN);
                OnnxTensor y = tensor(ys, f64, N, OUT);
                OnnxTensor lr = f64 ? Tensors.tensor(lrDouble) : Tensors.tensor(lrFloat)) {
            Map<String, OnnxTensor> batch = Map.of("x", x, "y", y, "lr_scale", lr);
            for (int t = 1; t <= STEPS; t++) {
                double factor = schedule.factor(step.steps());
                lrDouble.put(0, factor);
                lrFloat.put(0, (float) factor);
                double[] residual = residual(xs, ys, ref.params.get("w"), ref.params.get("b"));
                double loss = 0;
                for (double r : residual) {
                    loss += r * r / residual.length;
                }
                double norm = ref.step(t, f64 ? factor : (float) factor, gradients(xs, residual));
                clipped += ref.clipped ? 1 : 0;

                StepResult result = step.step(batch);
                assertEquals(t, result.step());
                errors.compare("loss", result.get("loss"), loss);
                errors.compare("grad_norm", result.get("grad_norm"), norm);
                for (String name : tg.parameterNames()) {
                    errors.compare(name, slot(step, name, f64), ref.params.get(name));
                }
                for (String name : tg.stateNames()) {
                    errors.compare(name, slot(step, name, f64), ref.state.get(name));
                }
            }
        }
        System.out.printf("optim TrainingGraph+TrainStep AdamW %s: worst relative error %.2e (%s) over %d steps,"
                + " clipped on %d%n", dtype, errors.worst(), errors.worstName(), STEPS, clipped);
        assertTrue(errors.worst() < tolerance, dtype + ": worst relative error " + errors.worst());
        assertTrue(clipped > 0, "clipping never fired");
    }

    // ---- build-time errors ----

    @Test
    void parameterWithoutGradientPathIsNamedWithItsGroup() {
        Graph g = new Graph("unused");
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", 2));
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(2, 2));
        Value unused = g.parameter("decoder.bias", DType.FLOAT32, Shape.of(2));
        g.output("side", unused.add(1.0));
        TrainingGraph.Builder b = TrainingGraph.builder(x.matmul(w).reduceSum(false))
                .group(new ParamGroup("hypernet", 4e-5, 0.01)).group(new ParamGroup("R", 1e-3, 0))
                .params("hypernet", w).params("R", unused);
        GraphBuildException e = assertThrows(GraphBuildException.class, b::build);
        assertTrue(e.getMessage().contains("'decoder.bias' (group 'R')"), e.getMessage());
    }

    @Test
    void pathThatCarriesNoGradientIsNamed() {
        Graph g = new Graph("argmax");
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", 2));
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(2, 3));
        Value loss = x.matmul(w).argMax(1, false).cast(DType.FLOAT32).reduceSum(false);
        TrainingGraph.Builder b = TrainingGraph.builder(loss).group(new ParamGroup("all", 0.1, 0)).params("all", w);
        GraphBuildException e = assertThrows(GraphBuildException.class, b::build);
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("ArgMax"), e.getMessage());
    }

    @Test
    void mismatchedGroupNamesAreErrors() {
        Graph g = new Graph("groups");
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(2));
        Value r = g.parameter("r", DType.FLOAT32, Shape.of(2));
        Value loss = w.mul(r).reduceSum(false);
        ParamGroup hypernet = new ParamGroup("hypernet", 4e-5, 0.01);
        ParamGroup rotation = new ParamGroup("R", 1e-3, 0);

        GraphBuildException typo = assertThrows(GraphBuildException.class, () -> TrainingGraph.builder(loss)
                .group(hypernet).group(rotation).params("hyper_net", w).params("R", r).build());
        assertTrue(typo.getMessage().contains("'w' refers to group 'hyper_net', which is not declared")
                && typo.getMessage().contains("[hypernet, R]"), typo.getMessage());

        GraphBuildException empty = assertThrows(GraphBuildException.class, () -> TrainingGraph.builder(loss)
                .group(hypernet).group(rotation).group(new ParamGroup("extra", 1, 0))
                .params("hypernet", w).params("R", r).build());
        assertTrue(empty.getMessage().contains("group 'extra' has no parameters"), empty.getMessage());

        GraphBuildException unassigned = assertThrows(GraphBuildException.class, () -> TrainingGraph.builder(loss)
                .group(hypernet).params("hypernet", w).build());
        assertTrue(unassigned.getMessage().contains("graph parameter 'r' is in no group"), unassigned.getMessage());

        assertThrows(GraphBuildException.class, () -> TrainingGraph.builder(loss).group(hypernet).group(hypernet));
        assertThrows(GraphBuildException.class, () -> TrainingGraph.builder(loss).params("R", r).params("hypernet", r));
    }

    @Test
    void initialValuesMustCoverExactlyTheParameters() {
        TrainingGraph tg = leastSquares(DType.FLOAT32, 0);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> tg.stepSpec(Map.of("w", new float[IN * OUT])));
        assertTrue(missing.getMessage().contains("'b'"), missing.getMessage());
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
                () -> tg.stepSpec(Map.of("w", new float[IN * OUT], "b", new float[OUT], "c", new float[1])));
        assertTrue(extra.getMessage().contains("[c]"), extra.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> tg.stepSpec(Map.of("w", new float[IN * OUT + 1], "b", new float[OUT])));
        assertThrows(IllegalArgumentException.class,
                () -> tg.stepSpecDoubles(Map.of("w", new double[IN * OUT], "b", new double[OUT])));
    }

    @Test
    void metricsMustBeSingleElements() {
        Graph g = new Graph("metric");
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", 2));
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(2, 2));
        Value h = x.matmul(w);
        TrainingGraph.Builder b = TrainingGraph.builder(h.reduceSum(false))
                .group(new ParamGroup("all", 0.1, 0)).params("all", w).metric("h", h);
        GraphBuildException e = assertThrows(GraphBuildException.class, b::build);
        assertTrue(e.getMessage().contains("metric 'h'"), e.getMessage());
    }

    // ---- helpers ----

    private static double[] gaussian(Random random, int n, double scale, DType dtype) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double v = random.nextGaussian() * scale;
            out[i] = dtype == DType.FLOAT32 ? (float) v : v;
        }
        return out;
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static OnnxTensor tensor(double[] values, boolean f64, long... shape) throws Exception {
        return f64 ? Tensors.tensor(Tensors.doublesOf(values), shape)
                : Tensors.tensor(Tensors.floatsOf(floats(values)), shape);
    }

    private static double[] slot(TrainStep step, String name, boolean f64) {
        if (f64) {
            return step.doubles(name);
        }
        float[] f = step.floats(name);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** x w + b - y, row-major [N, OUT]. */
    private static double[] residual(double[] x, double[] y, double[] w, double[] b) {
        double[] r = new double[N * OUT];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < OUT; j++) {
                double s = b[j] - y[i * OUT + j];
                for (int k = 0; k < IN; k++) {
                    s += x[i * IN + k] * w[k * OUT + j];
                }
                r[i * OUT + j] = s;
            }
        }
        return r;
    }

    /** d mean(r^2) / dw = 2 x^T r / (N OUT); / db = 2 sum_rows r / (N OUT). */
    private static Map<String, double[]> gradients(double[] x, double[] r) {
        double scale = 2.0 / (N * OUT);
        double[] gw = new double[IN * OUT];
        double[] gb = new double[OUT];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < OUT; j++) {
                gb[j] += r[i * OUT + j] * scale;
                for (int k = 0; k < IN; k++) {
                    gw[k * OUT + j] += x[i * IN + k] * r[i * OUT + j] * scale;
                }
            }
        }
        Map<String, double[]> grads = new LinkedHashMap<>();
        grads.put("w", gw);
        grads.put("b", gb);
        return grads;
    }
}
