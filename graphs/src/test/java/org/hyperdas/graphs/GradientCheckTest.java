package org.hyperdas.graphs;

import static org.hyperdas.graphs.FiniteDifference.Fill.BOOLS;
import static org.hyperdas.graphs.FiniteDifference.Fill.DISTINCT;
import static org.hyperdas.graphs.FiniteDifference.Fill.EVEN_GRID;
import static org.hyperdas.graphs.FiniteDifference.Fill.INDICES_0_TO_2;
import static org.hyperdas.graphs.FiniteDifference.Fill.INDICES_0_TO_4;
import static org.hyperdas.graphs.FiniteDifference.Fill.ODD_GRID;
import static org.hyperdas.graphs.FiniteDifference.Fill.POSITIVE;
import static org.hyperdas.graphs.FiniteDifference.in;
import static org.hyperdas.graphs.FiniteDifference.indices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every differentiable op's VJP against central finite differences (float64, ONNX Runtime CPU). */
class GradientCheckTest {
    private static final double TOLERANCE = 1e-5;
    private static final double H = 1e-6;
    private static final Map<String, double[]> WORST_BY_OP = new TreeMap<>();

    record Case(String op, String variant, List<FiniteDifference.Input> inputs,
            Function<Map<String, Value>, Value> body, double h) {
        Case(String op, String variant, List<FiniteDifference.Input> inputs, Function<Map<String, Value>, Value> body) {
            this(op, variant, inputs, body, H);
        }

        @Override
        public String toString() {
            return op + " " + variant;
        }
    }

    private static Shape s(Object... dims) {
        return Shape.of(dims);
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("Add", "[2,3]+[2,3]", List.of(in("a", s(2, 3), 2, 3), in("b", s(2, 3), 2, 3)),
                        v -> v.get("a").add(v.get("b"))),
                new Case("Add", "[batch,3]+[3]", List.of(in("a", s("batch", 3), 2, 3), in("b", s(3), 3)),
                        v -> v.get("a").add(v.get("b"))),
                new Case("Add", "[2,1,3]+[4,1]", List.of(in("a", s(2, 1, 3), 2, 1, 3), in("b", s(4, 1), 4, 1)),
                        v -> v.get("a").add(v.get("b"))),
                new Case("Sub", "[batch,3]-[1,3]", List.of(in("a", s("batch", 3), 3, 3), in("b", s(1, 3), 1, 3)),
                        v -> v.get("a").sub(v.get("b"))),
                new Case("Mul", "[2,3]*[2,1]", List.of(in("a", s(2, 3), 2, 3), in("b", s(2, 1), 2, 1)),
                        v -> v.get("a").mul(v.get("b"))),
                new Case("Mul", "[batch,2,3]*[3]", List.of(in("a", s("batch", 2, 3), 2, 2, 3), in("b", s(3), 3)),
                        v -> v.get("a").mul(v.get("b"))),
                new Case("Mul", "x*x (same value twice)", List.of(in("a", s(2, 3), 2, 3)),
                        v -> v.get("a").mul(v.get("a"))),
                new Case("Div", "[2,3]/[3]", List.of(in("a", s(2, 3), 2, 3), in("b", POSITIVE, s(3), 3)),
                        v -> v.get("a").div(v.get("b"))),
                new Case("Div", "[1]/[batch,2]", List.of(in("a", s(1), 1), in("b", POSITIVE, s("batch", 2), 3, 2)),
                        v -> v.get("a").div(v.get("b"))),
                new Case("Neg", "[batch,3]", List.of(in("x", s("batch", 3), 2, 3)), v -> v.get("x").neg()),
                new Case("Exp", "[2,3]", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").exp()),
                new Case("Log", "[batch,3]", List.of(in("x", POSITIVE, s("batch", 3), 2, 3)), v -> v.get("x").log()),
                new Case("Sqrt", "[2,3]", List.of(in("x", POSITIVE, s(2, 3), 2, 3)), v -> v.get("x").sqrt()),
                new Case("Reciprocal", "[2,3]", List.of(in("x", POSITIVE, s(2, 3), 2, 3)),
                        v -> v.get("x").reciprocal()),
                new Case("Pow", "x^3", List.of(in("x", s("batch", 3), 2, 3)), v -> v.get("x").pow(3)),
                new Case("Pow", "x^-1.5", List.of(in("x", POSITIVE, s(2, 3), 2, 3)), v -> v.get("x").pow(-1.5)),
                new Case("Sigmoid", "[2,3]", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").sigmoid()),
                new Case("Tanh", "[batch,3]", List.of(in("x", s("batch", 3), 4, 3)), v -> v.get("x").tanh()),
                new Case("Sin", "[batch,3]", List.of(in("x", s("batch", 3), 2, 3)), v -> v.get("x").sin()),
                new Case("Cos", "[2,3]", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").cos()),
                new Case("Relu", "[2,4]", List.of(in("x", ODD_GRID, s(2, 4), 2, 4)), v -> v.get("x").relu()),
                new Case("Abs", "[2,4]", List.of(in("x", ODD_GRID, s(2, 4), 2, 4)), v -> v.get("x").abs()),
                new Case("Where", "cond[2,3] ? [2,3] : [3]",
                        List.of(in("c", BOOLS, s(2, 3), 2, 3), in("a", s(2, 3), 2, 3), in("b", s(3), 3)),
                        v -> v.get("a").graph().where(v.get("c"), v.get("a"), v.get("b"))),
                new Case("Max", "[2,3] vs [3]", List.of(in("a", ODD_GRID, s(2, 3), 2, 3), in("b", EVEN_GRID, s(3), 3)),
                        v -> v.get("a").max(v.get("b"))),
                new Case("Min", "[batch,3] vs [batch,3]",
                        List.of(in("a", ODD_GRID, s("batch", 3), 2, 3), in("b", EVEN_GRID, s("batch", 3), 2, 3)),
                        v -> v.get("a").min(v.get("b"))),
                new Case("Cast", "float64->float64", List.of(in("x", s(2, 3), 2, 3)),
                        v -> v.get("x").cast(DType.FLOAT64)),
                // float32 rounding needs a larger step; the function is linear so h=1e-2 is exact.
                new Case("Cast", "float64->float32->float64", List.of(in("x", s(2, 3), 2, 3)),
                        v -> v.get("x").cast(DType.FLOAT32).cast(DType.FLOAT64), 1e-2),
                new Case("Identity", "[2,3]", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").identity()),
                new Case("ReduceSum", "axis 1", List.of(in("x", s(2, 3, 2), 2, 3, 2)),
                        v -> v.get("x").reduceSum(false, 1)),
                new Case("ReduceSum", "axes 0,2 keepdims", List.of(in("x", s(2, 3, 2), 2, 3, 2)),
                        v -> v.get("x").reduceSum(true, 0, 2)),
                new Case("ReduceSum", "all of [batch,3]", List.of(in("x", s("batch", 3), 3, 3)),
                        v -> v.get("x").reduceSum(false)),
                new Case("ReduceMean", "axis -1", List.of(in("x", s("batch", 4), 2, 4)),
                        v -> v.get("x").reduceMean(false, -1)),
                new Case("ReduceMean", "symbolic axis keepdims", List.of(in("x", s("batch", 3), 4, 3)),
                        v -> v.get("x").reduceMean(true, 0)),
                new Case("ReduceMax", "axis 1", List.of(in("x", DISTINCT, s(2, 4), 2, 4)),
                        v -> v.get("x").reduceMax(false, 1)),
                new Case("ReduceMax", "axes 0,1 keepdims", List.of(in("x", DISTINCT, s("batch", 3), 2, 3)),
                        v -> v.get("x").reduceMax(true, 0, 1)),
                new Case("MatMul", "[2,3]x[3,4]", List.of(in("a", s(2, 3), 2, 3), in("b", s(3, 4), 3, 4)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case("MatMul", "[batch,2,3]x[3,4]",
                        List.of(in("a", s("batch", 2, 3), 2, 2, 3), in("b", s(3, 4), 3, 4)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case("MatMul", "[2,1,2,3]x[3,3,2]",
                        List.of(in("a", s(2, 1, 2, 3), 2, 1, 2, 3), in("b", s(3, 3, 2), 3, 3, 2)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case("MatMul", "[3]x[batch,3,2]", List.of(in("a", s(3), 3), in("b", s("batch", 3, 2), 2, 3, 2)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case("MatMul", "[2,3]x[3]", List.of(in("a", s(2, 3), 2, 3), in("b", s(3), 3)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case("MatMul", "[3]x[3]", List.of(in("a", s(3), 3), in("b", s(3), 3)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case("MatMul", "[batch,3]xTranspose(w[4,3])",
                        List.of(in("a", s("batch", 3), 2, 3), in("w", s(4, 3), 4, 3)),
                        v -> v.get("a").matmul(v.get("w").transpose(1, 0))),
                new Case("MatMul", "[batch,2,3]xTranspose(w[4,3])",
                        List.of(in("a", s("batch", 2, 3), 2, 2, 3), in("w", s(4, 3), 4, 3)),
                        v -> v.get("a").matmul(v.get("w").transpose(1, 0))),
                new Case("Pow", "x^2", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").pow(2)),
                new Case("Pow", "x^1", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").pow(1)),
                new Case("Transpose", "perm 2,0,1", List.of(in("x", s("batch", 3, 2), 2, 3, 2)),
                        v -> v.get("x").transpose(2, 0, 1)),
                new Case("Transpose", "perm 2,0,1 then 1,0,2", List.of(in("x", s("batch", 3, 2), 2, 3, 2)),
                        v -> v.get("x").transpose(2, 0, 1).transpose(1, 0, 2)),
                new Case("Reshape", "[batch,6] -> [0,2,3]", List.of(in("x", s("batch", 6), 2, 6)),
                        v -> v.get("x").reshape(0, 2, 3)),
                new Case("Reshape", "[2,3,4] -> [-1,4]", List.of(in("x", s(2, 3, 4), 2, 3, 4)),
                        v -> v.get("x").reshape(-1, 4)),
                new Case("Reshape", "[batch,seq,4] -> [-1,4] (runtime batch*seq)",
                        List.of(in("x", s("batch", "seq", 4), 2, 3, 4)),
                        v -> v.get("x").reshape(-1, 4)),
                new Case("Reshape", "target from Shape ops", List.of(in("x", s("batch", 2, 3), 2, 2, 3)),
                        v -> {
                            Value x = v.get("x");
                            return x.reshape(x.graph().concat(0, x.shapeTensor(0, 1), x.graph().constantLongs(6)));
                        }),
                new Case("Unsqueeze", "axes 0,-1", List.of(in("x", s("batch", 3), 2, 3)),
                        v -> v.get("x").unsqueeze(0, -1)),
                new Case("Squeeze", "axis 1", List.of(in("x", s("batch", 1, 3), 2, 1, 3)),
                        v -> v.get("x").squeeze(1)),
                new Case("Concat", "axis 1 static", List.of(in("a", s(2, 3), 2, 3), in("b", s(2, 2), 2, 2)),
                        v -> v.get("a").graph().concat(1, v.get("a"), v.get("b"))),
                new Case("Concat", "symbolic axis 0", List.of(in("a", s("batch", 2), 2, 2), in("b", s("seq", 2), 3, 2)),
                        v -> v.get("a").graph().concat(0, v.get("a"), v.get("b"), v.get("a"))),
                new Case("Split", "sizes 1,2 (one piece unused)", List.of(in("x", s("batch", 3), 2, 3)),
                        v -> v.get("x").split(1, 1, 2).get(1)),
                new Case("Split", "both pieces", List.of(in("x", s(4, 3), 4, 3)),
                        v -> {
                            List<Value> parts = v.get("x").split(0, 3, 1);
                            return parts.get(0).mul(parts.get(1));
                        }),
                new Case("Slice", "static 1:4 (pad route)", List.of(in("x", s("batch", 5), 2, 5)),
                        v -> v.get("x").slice(1, 1, 4)),
                new Case("Slice", "step 2 and negative step", List.of(in("x", s(5, 4), 5, 4)),
                        v -> v.get("x").slice(new long[] {0, -1}, new long[] {5, -5}, new int[] {0, 1},
                                new long[] {2, -2})),
                new Case("Slice", "symbolic axis 1:end", List.of(in("x", s("seq", 3), 4, 3)),
                        v -> v.get("x").slice(0, 1, Long.MAX_VALUE)),
                new Case("Slice", "symbolic axis 0:-1", List.of(in("x", s(2, "seq"), 2, 4)),
                        v -> v.get("x").slice(1, 0, -1)),
                new Case("Expand", "[3,1] -> [2,3,4]", List.of(in("x", s(3, 1), 3, 1)),
                        v -> v.get("x").expand(v.get("x").graph().constantLongs(2, 3, 4))),
                new Case("Expand", "[1,3] -> [batch,3]", List.of(in("x", s(1, 3), 1, 3), in("y", s("batch", 3), 2, 3)),
                        v -> v.get("x").expand(v.get("y").shapeTensor()).mul(v.get("y"))),
                new Case("Gather", "axis 0 embedding, repeated ids",
                        List.of(in("e", s(5, 3), 5, 3), in("ids", INDICES_0_TO_4, s("batch", 4), 2, 4)),
                        v -> v.get("e").gather(v.get("ids"), 0)),
                new Case("Gather", "axis 1, int32 indices",
                        List.of(in("x", s(2, 3, 2), 2, 3, 2), indices("i", DType.INT32, INDICES_0_TO_2, s(4), 4)),
                        v -> v.get("x").gather(v.get("i"), 1)),
                new Case("Gather", "axis 1, scalar index", List.of(in("x", s("batch", 3, 2), 2, 3, 2)),
                        v -> v.get("x").gather(v.get("x").graph().scalar(2, DType.INT64), 1)),
                new Case("GatherElements", "axis 1",
                        List.of(in("x", s(3, 4), 3, 4), in("i", INDICES_0_TO_2, s(3, 5), 3, 5)),
                        v -> v.get("x").gatherElements(v.get("i"), 1)),
                new Case("Softmax", "axis -1", List.of(in("x", s("batch", 4), 2, 4)), v -> v.get("x").softmax(-1)),
                new Case("Softmax", "axis 0", List.of(in("x", s(3, 2), 3, 2)), v -> v.get("x").softmax(0)),
                new Case("LogSoftmax", "axis -1", List.of(in("x", s("batch", 4), 3, 4)),
                        v -> v.get("x").logSoftmax(-1)),
                new Case("CumSum", "axis 1", List.of(in("x", s("batch", 4), 2, 4)),
                        v -> v.get("x").cumSum(1, false, false)),
                new Case("CumSum", "exclusive reverse", List.of(in("x", s(4, 2), 4, 2)),
                        v -> v.get("x").cumSum(0, true, true)),
                new Case("Trilu", "lower", List.of(in("x", s(3, 3), 3, 3)),
                        v -> v.get("x").graph().trilu(v.get("x"), false, 0)),
                new Case("Trilu", "upper k=1, batched", List.of(in("x", s("batch", 3, 4), 2, 3, 4)),
                        v -> v.get("x").graph().trilu(v.get("x"), true, 1)),
                new Case("Pad", "begin/end", List.of(in("x", s("batch", 3), 2, 3)),
                        v -> v.get("x").pad(0, 1, 1, 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void vjpMatchesFiniteDifferences(Case c) throws Exception {
        double worst = FiniteDifference.worstRelativeError(c.inputs(), c.body(), c.h(), c.toString().hashCode());
        synchronized (WORST_BY_OP) {
            double[] entry = WORST_BY_OP.computeIfAbsent(c.op(), k -> new double[2]);
            entry[0] = Math.max(entry[0], worst);
            entry[1]++;
        }
        assertTrue(worst < TOLERANCE, c + ": worst relative error " + worst);
    }

    /** The same losses in float32, the training dtype: kernels exist and gradients agree with float64. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float32GradientsAgreeWithFloat64(Case c) throws Exception {
        double deviation = FiniteDifference.float32Deviation(c.inputs(), c.body(), c.toString().hashCode());
        assertTrue(deviation < 1e-3, c + ": float32 gradients deviate by " + deviation);
    }

    @AfterAll
    static void printTable() {
        StringBuilder table = new StringBuilder("\nFinite-difference check (float64, h=1e-6)\n");
        table.append(String.format("%-16s %5s %12s%n", "op", "cases", "worst rel err"));
        WORST_BY_OP.forEach((op, e) -> table.append(String.format("%-16s %5d %12.2e%n", op, (int) e[1], e[0])));
        System.out.println(table);
    }
}
