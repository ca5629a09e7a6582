package org.hyperdas.graphs.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The emitted update against {@link ReferenceOptimizer}. Gradients are graph inputs here, fed with
 * random numbers, so the comparison isolates the optimizer from autodiff: every step's
 * parameters, optimizer state and global norm are compared ({@link RelativeErrors}), with the
 * graph carrying its own outputs forward as a training loop does.
 */
class OptimizersTest {
    private static final int STEPS = 20;
    private static final ParamGroup HYPERNET = new ParamGroup("hypernet", 0.03, 0.1);
    private static final ParamGroup ROTATION = new ParamGroup("R", 0.1, 0.0);
    /** Clipping at 1 triggers on the steps with large gradients only (see {@link #gradients}). */
    private static final double CLIP = 1.0;

    private record Param(String name, long[] shape, ParamGroup group) {
        int size() {
            int n = 1;
            for (long d : shape) {
                n *= (int) d;
            }
            return n;
        }
    }

    private static final List<Param> PARAMS = List.of(
            new Param("hypernet.w", new long[] {3, 4}, HYPERNET),
            new Param("hypernet.b", new long[] {4}, HYPERNET),
            new Param("R", new long[] {4, 2}, ROTATION),
            new Param("R.scale", new long[] {}, ROTATION));

    /** Worst relative error (and where) and how often clipping fired. */
    private record Comparison(double worst, String worstName, int clippedSteps) {
    }

    static Stream<Arguments> cases() {
        AdamWConfig adam = new AdamWConfig(0.9, 0.99, 1e-8);
        SgdConfig momentum = new SgdConfig(0.9);
        return Stream.of(
                Arguments.of("AdamW float64, clipped, scheduled", adam, DType.FLOAT64, CLIP, true, 1e-6),
                Arguments.of("AdamW float32, clipped, scheduled", adam, DType.FLOAT32, CLIP, true, 1e-5),
                Arguments.of("AdamW float64, constant lr", AdamWConfig.defaults(), DType.FLOAT64, 0.0, false, 1e-6),
                Arguments.of("SGD momentum float64, clipped, scheduled", momentum, DType.FLOAT64, CLIP, true, 1e-6),
                Arguments.of("SGD momentum float32, clipped, scheduled", momentum, DType.FLOAT32, CLIP, true, 1e-5),
                Arguments.of("SGD plain float64, constant lr", SgdConfig.plain(), DType.FLOAT64, 0.0, false, 1e-6));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesReference(String label, OptimizerConfig config, DType dtype, double clip, boolean scheduled,
            double tolerance) throws Exception {
        Comparison c = compare(config, dtype, clip, scheduled);
        System.out.printf("optim reference: %-42s worst relative error %.2e (%s) over %d steps, clipped on %d%n",
                label, c.worst(), c.worstName(), STEPS, c.clippedSteps());
        assertTrue(c.worst() < tolerance, label + ": worst relative error " + c.worst());
        if (clip > 0) {
            assertTrue(c.clippedSteps() > 0 && c.clippedSteps() < STEPS,
                    "clipping should fire on some steps only, fired on " + c.clippedSteps());
        }
    }

    /** Gradients of step t: small every third step (no clipping then), else large. */
    private static Map<String, double[]> gradients(Random random, long t, DType dtype) {
        double scale = t % 3 == 0 ? 0.05 : 1.5;
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (Param p : PARAMS) {
            double[] g = new double[p.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = round(random.nextGaussian() * scale, dtype);
            }
            grads.put(p.name(), g);
        }
        return grads;
    }

    /** What the graph sees: float32 graphs get float32-rounded numbers, and so does the reference. */
    private static double round(double x, DType dtype) {
        return dtype == DType.FLOAT32 ? (float) x : x;
    }

    private static HostTensor tensor(double[] values, long[] shape, DType dtype) {
        if (dtype == DType.FLOAT64) {
            return HostTensor.ofDoubles(values, shape);
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return HostTensor.ofFloats(f, shape);
    }

    private static Comparison compare(OptimizerConfig config, DType dtype, double clip, boolean scheduled)
            throws Exception {
        Graph g = new Graph("update");
        List<Optimizers.Target> targets = new ArrayList<>();
        for (Param p : PARAMS) {
            Value param = g.parameter(p.name(), dtype, Shape.ofStatic(p.shape()));
            Value grad = g.input(p.name() + ".grad", dtype, Shape.ofStatic(p.shape()));
            targets.add(new Optimizers.Target(param, grad, p.group()));
        }
        Optimizers.Update update = Optimizers.emit(targets, config, clip, scheduled);
        assertEquals(scheduled, update.lrScale() != null);
        assertEquals(config instanceof AdamWConfig, update.step() != null);
        for (int i = 0; i < PARAMS.size(); i++) {
            g.output(PARAMS.get(i).name() + ".next", update.nextParameters().get(i));
        }
        Map<String, long[]> stateShapes = new LinkedHashMap<>();
        for (Optimizers.StateTensor s : update.state()) {
            g.output(s.name() + ".next", s.next());
            stateShapes.put(s.name(), s.input().shape().staticDims());
        }
        g.output("grad_norm", update.gradNorm());

        Random random = new Random(11);
        ReferenceOptimizer ref = new ReferenceOptimizer(config, clip);
        Map<String, double[]> current = new LinkedHashMap<>();
        for (Param p : PARAMS) {
            double[] init = new double[p.size()];
            for (int i = 0; i < init.length; i++) {
                init[i] = round(random.nextGaussian(), dtype);
            }
            ref.add(p.name(), p.group(), init);
            current.put(p.name(), init);
        }
        assertEquals(stateShapes.keySet(), ref.state.keySet(), "state names");
        ref.state.forEach((k, v) -> current.put(k, v.clone()));

        LrSchedule schedule = LrSchedule.linear(3, 25);
        RelativeErrors errors = new RelativeErrors();
        int clipped = 0;
        try (GraphRunner runner = GraphRunner.open(g)) {
            for (long t = 1; t <= STEPS; t++) {
                Map<String, double[]> grads = gradients(random, t, dtype);
                double lrScale = scheduled ? round(schedule.factor(t - 1), dtype) : 1.0;
                Map<String, HostTensor> feeds = new LinkedHashMap<>();
                for (Param p : PARAMS) {
                    feeds.put(p.name(), tensor(current.get(p.name()), p.shape(), dtype));
                    feeds.put(p.name() + ".grad", tensor(grads.get(p.name()), p.shape(), dtype));
                }
                stateShapes.forEach((name, shape) -> feeds.put(name, tensor(current.get(name), shape, dtype)));
                if (update.step() != null) {
                    feeds.put(Optimizers.STEP_INPUT, HostTensor.ofLongs(new long[] {t}));
                }
                if (scheduled) {
                    feeds.put(Optimizers.LR_SCALE_INPUT, tensor(new double[] {lrScale}, new long[0], dtype));
                }
                Map<String, HostTensor> out = runner.run(feeds);

                double norm = ref.step(t, lrScale, grads);
                clipped += ref.clipped ? 1 : 0;
                errors.compare("grad_norm", out.get("grad_norm").toDoubles()[0], norm);
                for (String name : current.keySet()) {
                    double[] got = out.get(name + ".next").toDoubles();
                    double[] want = ref.params.containsKey(name) ? ref.params.get(name) : ref.state.get(name);
                    errors.compare(name, got, want);
                    current.put(name, got);
                }
            }
        }
        return new Comparison(errors.worst(), errors.worstName(), clipped);
    }

    // ---- build-time errors ----

    @Test
    void parameterWithoutGradientIsNamed() {
        Graph g = new Graph("nograd");
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(2));
        Value b = g.parameter("b", DType.FLOAT32, Shape.of(2));
        ParamGroup group = new ParamGroup("all", 0.1, 0);
        GraphBuildException e = assertThrows(GraphBuildException.class, () -> Optimizers.emit(List.of(
                new Optimizers.Target(w, w.mul(2.0), group), new Optimizers.Target(b, null, group)),
                AdamWConfig.defaults(), 0, false));
        assertTrue(e.getMessage().contains("'b' has no gradient"), e.getMessage());
    }

    @Test
    void oneGroupNameWithTwoSettingsIsRejected() {
        Graph g = new Graph("groups");
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(2));
        Value b = g.parameter("b", DType.FLOAT32, Shape.of(2));
        GraphBuildException e = assertThrows(GraphBuildException.class, () -> Optimizers.emit(List.of(
                new Optimizers.Target(w, w, new ParamGroup("R", 1e-3, 0)),
                new Optimizers.Target(b, b, new ParamGroup("R", 1e-3, 0.01))), new SgdConfig(0.9), 0, false));
        assertTrue(e.getMessage().contains("group 'R' is given with two settings"), e.getMessage());
    }

    @Test
    void gradientOfAnotherShapeOrAnInputInsteadOfAParameterIsRejected() {
        Graph g = new Graph("shapes");
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(2, 3));
        Value x = g.input("x", DType.FLOAT32, Shape.of(3, 2));
        ParamGroup group = new ParamGroup("all", 0.1, 0);
        GraphBuildException shape = assertThrows(GraphBuildException.class, () -> Optimizers.emit(
                List.of(new Optimizers.Target(w, x, group)), AdamWConfig.defaults(), 0, false));
        assertTrue(shape.getMessage().contains("'w'") && shape.getMessage().contains("another dtype or shape"),
                shape.getMessage());
        GraphBuildException input = assertThrows(GraphBuildException.class, () -> Optimizers.emit(
                List.of(new Optimizers.Target(x, x, group)), AdamWConfig.defaults(), 0, false));
        assertTrue(input.getMessage().contains("'x' is not a parameter"), input.getMessage());
    }

    @Test
    void hyperparametersAreValidated() {
        assertThrows(GraphBuildException.class, () -> new AdamWConfig(1.0, 0.999, 1e-8));
        assertThrows(GraphBuildException.class, () -> new AdamWConfig(0.9, 0.999, 0));
        assertThrows(GraphBuildException.class, () -> new SgdConfig(-0.1));
        assertThrows(GraphBuildException.class, () -> new ParamGroup("g", -1e-3, 0));
        assertThrows(GraphBuildException.class, () -> new ParamGroup("g", 1e-3, Double.NaN));
        Graph g = new Graph("clip");
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(2));
        List<Optimizers.Target> targets = List.of(new Optimizers.Target(w, w, new ParamGroup("all", 0.1, 0)));
        assertThrows(GraphBuildException.class, () -> Optimizers.emit(targets, AdamWConfig.defaults(), -1, false));
    }
}
