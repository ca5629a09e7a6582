package org.hyperdas.graphs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.hyperdas.graphs.exec.GraphRunner;

/**
 * Central finite-difference check of {@link Autodiff} on float64 graphs run by ONNX Runtime.
 * The scalar loss is {@code sum(f(inputs) * w)} with random weights w fed at run time, so a wrong
 * transposition or broadcast in a VJP cannot hide behind a uniform upstream gradient. Public so
 * that the composite layers (org.hyperdas.graphs.nn, .llama) are checked the same way.
 */
public final class FiniteDifference {
    /** How a test input is declared (possibly symbolic) and fed (always concrete). */
    public record Input(String name, DType dtype, Shape declared, long[] runtime, Fill fill) {
    }

    /** Test data generators; the grids keep kinks (Relu, Abs, Max) and ties (ReduceMax) away. */
    public enum Fill {
        UNIFORM, POSITIVE, ODD_GRID, EVEN_GRID, DISTINCT, BOOLS, INDICES_0_TO_4, INDICES_0_TO_2
    }

    private FiniteDifference() {
    }

    public static Input in(String name, Shape declared, long... runtime) {
        return new Input(name, DType.FLOAT64, declared, runtime, Fill.UNIFORM);
    }

    public static Input in(String name, Fill fill, Shape declared, long... runtime) {
        DType dtype = switch (fill) {
            case BOOLS -> DType.BOOL;
            case INDICES_0_TO_4, INDICES_0_TO_2 -> DType.INT64;
            default -> DType.FLOAT64;
        };
        return new Input(name, dtype, declared, runtime, fill);
    }

    public static Input indices(String name, DType dtype, Fill fill, Shape declared, long... runtime) {
        return new Input(name, dtype, declared, runtime, fill);
    }

    /**
     * Builds {@code body} over the inputs, differentiates {@code sum(body * w)} with respect to
     * every float input, and returns the worst relative error |analytic - numeric| /
     * max(|analytic|, |numeric|, 1e-3) over all elements.
     */
    public static double worstRelativeError(List<Input> inputs, Function<Map<String, Value>, Value> body, double h,
            long seed) throws Exception {
        Map<String, HostTensor> feeds = feeds(inputs, body, new Random(seed));
        Graph g = lossAndGradients(inputs, body, DType.FLOAT64);
        double worst = 0;
        try (GraphRunner r = GraphRunner.open(g)) {
            Map<String, HostTensor> analytic = r.run(feeds);
            for (Input in : inputs) {
                if (!in.dtype().isFloating()) {
                    continue;
                }
                String x = in.name();
                double[] base = feeds.get(x).toDoubles();
                long[] shape = feeds.get(x).shape();
                double[] grad = analytic.get("grad_" + x).toDoubles();
                for (int k = 0; k < base.length; k++) {
                    double[] plus = base.clone();
                    plus[k] += h;
                    double[] minus = base.clone();
                    minus[k] -= h;
                    feeds.put(x, HostTensor.ofDoubles(plus, shape));
                    double lossPlus = r.run(feeds, Set.of("loss")).get("loss").toDoubles()[0];
                    feeds.put(x, HostTensor.ofDoubles(minus, shape));
                    double lossMinus = r.run(feeds, Set.of("loss")).get("loss").toDoubles()[0];
                    double numeric = (lossPlus - lossMinus) / (2 * h);
                    double scale = Math.max(1e-3, Math.max(Math.abs(numeric), Math.abs(grad[k])));
                    worst = Math.max(worst, Math.abs(numeric - grad[k]) / scale);
                }
                feeds.put(x, HostTensor.ofDoubles(base, shape));
            }
        }
        return worst;
    }

    /**
     * Builds the same loss with every float input as float32 (the training dtype, so every VJP's
     * kernels must exist in float32 too) and returns the worst deviation of its gradients from the
     * float64 ones, relative to max(|g64|, 1e-2).
     */
    public static double float32Deviation(List<Input> inputs, Function<Map<String, Value>, Value> body, long seed)
            throws Exception {
        Map<String, HostTensor> feeds64 = feeds(inputs, body, new Random(seed));
        Map<String, HostTensor> feeds32 = new LinkedHashMap<>();
        feeds64.forEach((name, t) -> feeds32.put(name,
                t.dtype() == DType.FLOAT64 && !name.equals("fd_w") ? HostTensor.ofFloats(t.toFloats(), t.shape()) : t));
        Map<String, HostTensor> grads64;
        Map<String, HostTensor> grads32;
        try (GraphRunner r = GraphRunner.open(lossAndGradients(inputs, body, DType.FLOAT64))) {
            grads64 = r.run(feeds64);
        }
        try (GraphRunner r = GraphRunner.open(lossAndGradients(inputs, body, DType.FLOAT32))) {
            grads32 = r.run(feeds32);
        }
        double worst = 0;
        for (String name : grads64.keySet()) {
            if (!name.startsWith("grad_")) {
                continue;
            }
            if (grads32.get(name).dtype() != DType.FLOAT32) {
                throw new AssertionError(name + " has dtype " + grads32.get(name).dtype() + " in the float32 graph");
            }
            double[] a = grads64.get(name).toDoubles();
            double[] b = grads32.get(name).toDoubles();
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-2, Math.abs(a[i])));
            }
        }
        return worst;
    }

    /** The float64 graph of {@code body} alone, with output "fd_y". */
    public static Graph forwardGraph(List<Input> inputs, Function<Map<String, Value>, Value> body) {
        return forwardGraph(inputs, body, DType.FLOAT64);
    }

    /** The graph of {@code body} alone with float inputs of {@code floatType}, output "fd_y". */
    public static Graph forwardGraph(List<Input> inputs, Function<Map<String, Value>, Value> body, DType floatType) {
        Graph forward = new Graph("forward");
        forward.output("fd_y", body.apply(declare(forward, inputs, floatType)));
        return forward;
    }

    /** Random inputs, plus the loss weights "fd_w" shaped like the body's output at run time. */
    private static Map<String, HostTensor> feeds(List<Input> inputs, Function<Map<String, Value>, Value> body,
            Random random) throws Exception {
        Map<String, HostTensor> feeds = new LinkedHashMap<>();
        for (Input in : inputs) {
            feeds.put(in.name(), fill(in, random));
        }
        long[] outShape;
        try (GraphRunner r = GraphRunner.open(forwardGraph(inputs, body))) {
            outShape = r.run(feeds).get("fd_y").shape();
        }
        feeds.put("fd_w", HostTensor.ofDoubles(uniform(random, count(outShape)), outShape));
        return feeds;
    }

    /** Outputs "loss" = sum(body * fd_w) and "grad_NAME" for every float input. */
    private static Graph lossAndGradients(List<Input> inputs, Function<Map<String, Value>, Value> body,
            DType floatType) {
        Graph g = new Graph("fd");
        Map<String, Value> values = declare(g, inputs, floatType);
        Value y = body.apply(values);
        Value w = g.input("fd_w", DType.FLOAT64, y.shape()).cast(y.dtype());
        Value loss = y.mul(w).reduceSum(false);
        List<Value> wrt = values.values().stream().filter(v -> v.dtype().isFloating()).toList();
        List<Value> grads = Autodiff.gradients(loss, wrt);
        g.output("loss", loss);
        for (int i = 0; i < wrt.size(); i++) {
            g.output("grad_" + wrt.get(i).name(), grads.get(i));
        }
        return g;
    }

    private static Map<String, Value> declare(Graph g, List<Input> inputs, DType floatType) {
        Map<String, Value> values = new LinkedHashMap<>();
        for (Input in : inputs) {
            DType dtype = in.dtype().isFloating() ? floatType : in.dtype();
            values.put(in.name(), g.input(in.name(), dtype, in.declared()));
        }
        return values;
    }

    private static int count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    private static double[] uniform(Random random, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextDouble() * 2 - 1;
        }
        return v;
    }

    private static HostTensor fill(Input in, Random random) {
        int n = count(in.runtime());
        double[] v = new double[n];
        switch (in.fill()) {
            case BOOLS -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    b[i] = random.nextBoolean();
                }
                return HostTensor.ofBools(b, in.runtime());
            }
            case INDICES_0_TO_4, INDICES_0_TO_2 -> {
                int bound = in.fill() == Fill.INDICES_0_TO_4 ? 5 : 3;
                long[] idx = new long[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = random.nextInt(bound);
                }
                if (in.dtype() == DType.INT32) {
                    int[] narrow = new int[n];
                    for (int i = 0; i < n; i++) {
                        narrow[i] = (int) idx[i];
                    }
                    return HostTensor.ofInts(narrow, in.runtime());
                }
                return HostTensor.ofLongs(idx, in.runtime());
            }
            case UNIFORM -> v = uniform(random, n);
            case POSITIVE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = 0.5 + random.nextDouble() * 1.5;
                }
            }
            case ODD_GRID, EVEN_GRID -> {
                // Points 0.2 apart (odd or even multiples of 0.1) with a little jitter: an odd and an
                // even grid value never tie, and odd ones stay at least 0.05 away from 0.
                int parity = in.fill() == Fill.ODD_GRID ? 1 : 0;
                for (int i = 0; i < n; i++) {
                    v[i] = (2 * (random.nextInt(10) - 5) + parity) * 0.1 + (random.nextDouble() - 0.5) * 0.05;
                }
            }
            case DISTINCT -> {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    order.add(i);
                }
                java.util.Collections.shuffle(order, random);
                for (int i = 0; i < n; i++) {
                    v[i] = order.get(i) * 0.1 - 0.5 + random.nextDouble() * 0.01;
                }
            }
        }
        return HostTensor.ofDoubles(v, in.runtime());
    }
}
