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
import static org.hyperdas.graphs.ops.OnnxOperator.ABS;
import static org.hyperdas.graphs.ops.OnnxOperator.ADD;
import static org.hyperdas.graphs.ops.OnnxOperator.CAST;
import static org.hyperdas.graphs.ops.OnnxOperator.CONCAT;
import static org.hyperdas.graphs.ops.OnnxOperator.COS;
import static org.hyperdas.graphs.ops.OnnxOperator.CUM_SUM;
import static org.hyperdas.graphs.ops.OnnxOperator.DIV;
import static org.hyperdas.graphs.ops.OnnxOperator.EXP;
import static org.hyperdas.graphs.ops.OnnxOperator.EXPAND;
import static org.hyperdas.graphs.ops.OnnxOperator.GATHER;
import static org.hyperdas.graphs.ops.OnnxOperator.GATHER_ELEMENTS;
import static org.hyperdas.graphs.ops.OnnxOperator.IDENTITY;
import static org.hyperdas.graphs.ops.OnnxOperator.LOG;
import static org.hyperdas.graphs.ops.OnnxOperator.LOG_SOFTMAX;
import static org.hyperdas.graphs.ops.OnnxOperator.MATMUL;
import static org.hyperdas.graphs.ops.OnnxOperator.MAX;
import static org.hyperdas.graphs.ops.OnnxOperator.MIN;
import static org.hyperdas.graphs.ops.OnnxOperator.MUL;
import static org.hyperdas.graphs.ops.OnnxOperator.NEG;
import static org.hyperdas.graphs.ops.OnnxOperator.PAD;
import static org.hyperdas.graphs.ops.OnnxOperator.POW;
import static org.hyperdas.graphs.ops.OnnxOperator.RECIPROCAL;
import static org.hyperdas.graphs.ops.OnnxOperator.REDUCE_MAX;
import static org.hyperdas.graphs.ops.OnnxOperator.REDUCE_MEAN;
import static org.hyperdas.graphs.ops.OnnxOperator.REDUCE_SUM;
import static org.hyperdas.graphs.ops.OnnxOperator.RELU;
import static org.hyperdas.graphs.ops.OnnxOperator.RESHAPE;
import static org.hyperdas.graphs.ops.OnnxOperator.SIGMOID;
import static org.hyperdas.graphs.ops.OnnxOperator.SIN;
import static org.hyperdas.graphs.ops.OnnxOperator.SLICE;
import static org.hyperdas.graphs.ops.OnnxOperator.SOFTMAX;
import static org.hyperdas.graphs.ops.OnnxOperator.SPLIT;
import static org.hyperdas.graphs.ops.OnnxOperator.SQRT;
import static org.hyperdas.graphs.ops.OnnxOperator.SQUEEZE;
import static org.hyperdas.graphs.ops.OnnxOperator.SUB;
import static org.hyperdas.graphs.ops.OnnxOperator.TANH;
import static org.hyperdas.graphs.ops.OnnxOperator.TRANSPOSE;
import static org.hyperdas.graphs.ops.OnnxOperator.TRILU;
import static org.hyperdas.graphs.ops.OnnxOperator.UNSQUEEZE;
import static org.hyperdas.graphs.ops.OnnxOperator.WHERE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hyperdas.graphs.ops.OnnxOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every differentiable op's VJP against central finite differences (float64, ONNX Runtime CPU). */
class GradientCheckTest {
    private static final double TOLERANCE = 1e-5;
    private static final double H = 1e-6;
    private static final Map<String, double[]> WORST_BY_OP = new TreeMap<>();

    /** A finite-difference case of the VJP of {@code op}; its body applies that op at least once. */
    record Case(OnnxOperator op, String variant, List<FiniteDifference.Input> inputs,
            Function<Map<String, Value>, Value> body, double h) {
        Case(OnnxOperator op, String variant, List<FiniteDifference.Input> inputs,
                Function<Map<String, Value>, Value> body) {
            this(op, variant, inputs, body, H);
        }

        @Override
        public String toString() {
            return op.opType() + " " + variant;
        }
    }

    private static Shape s(Object... dims) {
        return Shape.of(dims);
    }

    static Stream<Case> cases() {
        return Stream.of(elementwiseCases(), reductionAndMatMulCases(), dataMovementCases(), indexingCases())
                .flatMap(s -> s);
    }

    /** Arithmetic, unary math, Where, Max/Min, Cast, Identity. */
    private static Stream<Case> elementwiseCases() {
        return Stream.of(
                new Case(ADD, "[2,3]+[2,3]", List.of(in("a", s(2, 3), 2, 3), in("b", s(2, 3), 2, 3)),
                        v -> v.get("a").add(v.get("b"))),
                new Case(ADD, "[batch,3]+[3]", List.of(in("a", s("batch", 3), 2, 3), in("b", s(3), 3)),
                        v -> v.get("a").add(v.get("b"))),
                new Case(ADD, "[2,1,3]+[4,1]", List.of(in("a", s(2, 1, 3), 2, 1, 3), in("b", s(4, 1), 4, 1)),
                        v -> v.get("a").add(v.get("b"))),
                new Case(SUB, "[batch,3]-[1,3]", List.of(in("a", s("batch", 3), 3, 3), in("b", s(1, 3), 1, 3)),
                        v -> v.get("a").sub(v.get("b"))),
                new Case(MUL, "[2,3]*[2,1]", List.of(in("a", s(2, 3), 2, 3), in("b", s(2, 1), 2, 1)),
                        v -> v.get("a").mul(v.get("b"))),
                new Case(MUL, "[batch,2,3]*[3]", List.of(in("a", s("batch", 2, 3), 2, 2, 3), in("b", s(3), 3)),
                        v -> v.get("a").mul(v.get("b"))),
                new Case(MUL, "x*x (same value twice)", List.of(in("a", s(2, 3), 2, 3)),
                        v -> v.get("a").mul(v.get("a"))),
                new Case(DIV, "[2,3]/[3]", List.of(in("a", s(2, 3), 2, 3), in("b", POSITIVE, s(3), 3)),
                        v -> v.get("a").div(v.get("b"))),
                new Case(DIV, "[1]/[batch,2]", List.of(in("a", s(1), 1), in("b", POSITIVE, s("batch", 2), 3, 2)),
                        v -> v.get("a").div(v.get("b"))),
                new Case(NEG, "[batch,3]", List.of(in("x", s("batch", 3), 2, 3)), v -> v.get("x").neg()),
                new Case(EXP, "[2,3]", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").exp()),
                new Case(LOG, "[batch,3]", List.of(in("x", POSITIVE, s("batch", 3), 2, 3)), v -> v.get("x").log()),
                new Case(SQRT, "[2,3]", List.of(in("x", POSITIVE, s(2, 3), 2, 3)), v -> v.get("x").sqrt()),
                new Case(RECIPROCAL, "[2,3]", List.of(in("x", POSITIVE, s(2, 3), 2, 3)),
                        v -> v.get("x").reciprocal()),
                new Case(POW, "x^3", List.of(in("x", s("batch", 3), 2, 3)), v -> v.get("x").pow(3)),
                new Case(POW, "x^-1.5", List.of(in("x", POSITIVE, s(2, 3), 2, 3)), v -> v.get("x").pow(-1.5)),
                new Case(SIGMOID, "[2,3]", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").sigmoid()),
                new Case(TANH, "[batch,3]", List.of(in("x", s("batch", 3), 4, 3)), v -> v.get("x").tanh()),
                new Case(SIN, "[batch,3]", List.of(in("x", s("batch", 3), 2, 3)), v -> v.get("x").sin()),
                new Case(COS, "[2,3]", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").cos()),
                new Case(RELU, "[2,4]", List.of(in("x", ODD_GRID, s(2, 4), 2, 4)), v -> v.get("x").relu()),
                new Case(ABS, "[2,4]", List.of(in("x", ODD_GRID, s(2, 4), 2, 4)), v -> v.get("x").abs()),
                new Case(WHERE, "cond[2,3] ? [2,3] : [3]",
                        List.of(in("c", BOOLS, s(2, 3), 2, 3), in("a", s(2, 3), 2, 3), in("b", s(3), 3)),
                        v -> v.get("a").graph().where(v.get("c"), v.get("a"), v.get("b"))),
                new Case(MAX, "[2,3] vs [3]", List.of(in("a", ODD_GRID, s(2, 3), 2, 3), in("b", EVEN_GRID, s(3), 3)),
                        v -> v.get("a").max(v.get("b"))),
                new Case(MIN, "[batch,3] vs [batch,3]",
                        List.of(in("a", ODD_GRID, s("batch", 3), 2, 3), in("b", EVEN_GRID, s("batch", 3), 2, 3)),
                        v -> v.get("a").min(v.get("b"))),
                new Case(CAST, "float64->float64", List.of(in("x", s(2, 3), 2, 3)),
                        v -> v.get("x").cast(DType.FLOAT64)),
                // float32 rounding needs a larger step; the function is linear so h=1e-2 is exact.
                new Case(CAST, "float64->float32->float64", List.of(in("x", s(2, 3), 2, 3)),
                        v -> v.get("x").cast(DType.FLOAT32).cast(DType.FLOAT64), 1e-2),
                new Case(IDENTITY, "[2,3]", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").identity()));
    }

    /** Reductions, MatMul (vectors, batches, a transposed weight), the Pow shortcuts. */
    private static Stream<Case> reductionAndMatMulCases() {
        return Stream.of(
                new Case(REDUCE_SUM, "axis 1", List.of(in("x", s(2, 3, 2), 2, 3, 2)),
                        v -> v.get("x").reduceSum(false, 1)),
                new Case(REDUCE_SUM, "axes 0,2 keepdims", List.of(in("x", s(2, 3, 2), 2, 3, 2)),
                        v -> v.get("x").reduceSum(true, 0, 2)),
                new Case(REDUCE_SUM, "all of [batch,3]", List.of(in("x", s("batch", 3), 3, 3)),
                        v -> v.get("x").reduceSum(false)),
                new Case(REDUCE_MEAN, "axis -1", List.of(in("x", s("batch", 4), 2, 4)),
                        v -> v.get("x").reduceMean(false, -1)),
                new Case(REDUCE_MEAN, "symbolic axis keepdims", List.of(in("x", s("batch", 3), 4, 3)),
                        v -> v.get("x").reduceMean(true, 0)),
                new Case(REDUCE_MAX, "axis 1", List.of(in("x", DISTINCT, s(2, 4), 2, 4)),
                        v -> v.get("x").reduceMax(false, 1)),
                new Case(REDUCE_MAX, "axes 0,1 keepdims", List.of(in("x", DISTINCT, s("batch", 3), 2, 3)),
                        v -> v.get("x").reduceMax(true, 0, 1)),
                new Case(MATMUL, "[2,3]x[3,4]", List.of(in("a", s(2, 3), 2, 3), in("b", s(3, 4), 3, 4)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case(MATMUL, "[batch,2,3]x[3,4]",
                        List.of(in("a", s("batch", 2, 3), 2, 2, 3), in("b", s(3, 4), 3, 4)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case(MATMUL, "[2,1,2,3]x[3,3,2]",
                        List.of(in("a", s(2, 1, 2, 3), 2, 1, 2, 3), in("b", s(3, 3, 2), 3, 3, 2)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case(MATMUL, "[3]x[batch,3,2]", List.of(in("a", s(3), 3), in("b", s("batch", 3, 2), 2, 3, 2)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case(MATMUL, "[2,3]x[3]", List.of(in("a", s(2, 3), 2, 3), in("b", s(3), 3)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case(MATMUL, "[3]x[3]", List.of(in("a", s(3), 3), in("b", s(3), 3)),
                        v -> v.get("a").matmul(v.get("b"))),
                new Case(MATMUL, "[batch,3]xTranspose(w[4,3])",
                        List.of(in("a", s("batch", 3), 2, 3), in("w", s(4, 3), 4, 3)),
                        v -> v.get("a").matmul(v.get("w").transpose(1, 0))),
                new Case(MATMUL, "[batch,2,3]xTranspose(w[4,3])",
                        List.of(in("a", s("batch", 2, 3), 2, 2, 3), in("w", s(4, 3), 4, 3)),
                        v -> v.get("a").matmul(v.get("w").transpose(1, 0))),
                new Case(POW, "x^2", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").pow(2)),
                new Case(POW, "x^1", List.of(in("x", s(2, 3), 2, 3)), v -> v.get("x").pow(1)));
    }

    /** Transpose, Reshape, Unsqueeze/Squeeze, Concat, Split, Slice, Expand. */
    private static Stream<Case> dataMovementCases() {
        return Stream.of(
                new Case(TRANSPOSE, "perm 2,0,1", List.of(in("x", s("batch", 3, 2), 2, 3, 2)),
                        v -> v.get("x").transpose(2, 0, 1)),
                new Case(TRANSPOSE, "perm 2,0,1 then 1,0,2", List.of(in("x", s("batch", 3, 2), 2, 3, 2)),
                        v -> v.get("x").transpose(2, 0, 1).transpose(1, 0, 2)),
                new Case(RESHAPE, "[batch,6] -> [0,2,3]", List.of(in("x", s("batch", 6), 2, 6)),
                        v -> v.get("x").reshape(0, 2, 3)),
                new Case(RESHAPE, "[2,3,4] -> [-1,4]", List.of(in("x", s(2, 3, 4), 2, 3, 4)),
                        v -> v.get("x").reshape(-1, 4)),
                new Case(RESHAPE, "[batch,seq,4] -> [-1,4] (runtime batch*seq)",
                        List.of(in("x", s("batch", "seq", 4), 2, 3, 4)),
                        v -> v.get("x").reshape(-1, 4)),
                new Case(RESHAPE, "target from Shape ops", List.of(in("x", s("batch", 2, 3), 2, 2, 3)),
                        v -> {
                            Value x = v.get("x");
                            return x.reshape(x.graph().concat(0, x.shapeTensor(0, 1), x.graph().constantLongs(6)));
                        }),
                new Case(UNSQUEEZE, "axes 0,-1", List.of(in("x", s("batch", 3), 2, 3)),
                        v -> v.get("x").unsqueeze(0, -1)),
                new Case(SQUEEZE, "axis 1", List.of(in("x", s("batch", 1, 3), 2, 1, 3)),
                        v -> v.get("x").squeeze(1)),
                new Case(CONCAT, "axis 1 static", List.of(in("a", s(2, 3), 2, 3), in("b", s(2, 2), 2, 2)),
                        v -> v.get("a").graph().concat(1, v.get("a"), v.get("b"))),
                new Case(CONCAT, "symbolic axis 0", List.of(in("a", s("batch", 2), 2, 2), in("b", s("seq", 2), 3, 2)),
                        v -> v.get("a").graph().concat(0, v.get("a"), v.get("b"), v.get("a"))),
                new Case(SPLIT, "sizes 1,2 (one piece unused)", List.of(in("x", s("batch", 3), 2, 3)),
                        v -> v.get("x").split(1, 1, 2).get(1)),
                new Case(SPLIT, "both pieces", List.of(in("x", s(4, 3), 4, 3)),
                        v -> {
                            List<Value> parts = v.get("x").split(0, 3, 1);
                            return parts.get(0).mul(parts.get(1));
                        }),
                new Case(SLICE, "static 1:4 (pad route)", List.of(in("x", s("batch", 5), 2, 5)),
                        v -> v.get("x").slice(1, 1, 4)),
                new Case(SLICE, "step 2 and negative step", List.of(in("x", s(5, 4), 5, 4)),
                        v -> v.get("x").slice(new long[] {0, -1}, new long[] {5, -5}, new int[] {0, 1},
                                new long[] {2, -2})),
                new Case(SLICE, "symbolic axis 1:end", List.of(in("x", s("seq", 3), 4, 3)),
                        v -> v.get("x").slice(0, 1, Long.MAX_VALUE)),
                new Case(SLICE, "symbolic axis 0:-1", List.of(in("x", s(2, "seq"), 2, 4)),
                        v -> v.get("x").slice(1, 0, -1)),
                new Case(EXPAND, "[3,1] -> [2,3,4]", List.of(in("x", s(3, 1), 3, 1)),
                        v -> v.get("x").expand(v.get("x").graph().constantLongs(2, 3, 4))),
                new Case(EXPAND, "[1,3] -> [batch,3]", List.of(in("x", s(1, 3), 1, 3), in("y", s("batch", 3), 2, 3)),
                        v -> v.get("x").expand(v.get("y").shapeTensor()).mul(v.get("y"))));
    }

    /** Gather, GatherElements, the softmax family, CumSum, Trilu, Pad. */
    private static Stream<Case> indexingCases() {
        return Stream.of(
                new Case(GATHER, "axis 0 embedding, repeated ids",
                        List.of(in("e", s(5, 3), 5, 3), in("ids", INDICES_0_TO_4, s("batch", 4), 2, 4)),
                        v -> v.get("e").gather(v.get("ids"), 0)),
                new Case(GATHER, "axis 1, int32 indices",
                        List.of(in("x", s(2, 3, 2), 2, 3, 2), indices("i", DType.INT32, INDICES_0_TO_2, s(4), 4)),
                        v -> v.get("x").gather(v.get("i"), 1)),
                new Case(GATHER, "axis 1, scalar index", List.of(in("x", s("batch", 3, 2), 2, 3, 2)),
                        v -> v.get("x").gather(v.get("x").graph().scalar(2, DType.INT64), 1)),
                new Case(GATHER_ELEMENTS, "axis 1",
                        List.of(in("x", s(3, 4), 3, 4), in("i", INDICES_0_TO_2, s(3, 5), 3, 5)),
                        v -> v.get("x").gatherElements(v.get("i"), 1)),
                new Case(SOFTMAX, "axis -1", List.of(in("x", s("batch", 4), 2, 4)), v -> v.get("x").softmax(-1)),
                new Case(SOFTMAX, "axis 0", List.of(in("x", s(3, 2), 3, 2)), v -> v.get("x").softmax(0)),
                new Case(LOG_SOFTMAX, "axis -1", List.of(in("x", s("batch", 4), 3, 4)),
                        v -> v.get("x").logSoftmax(-1)),
                new Case(CUM_SUM, "axis 1", List.of(in("x", s("batch", 4), 2, 4)),
                        v -> v.get("x").cumSum(1, false, false)),
                new Case(CUM_SUM, "exclusive reverse", List.of(in("x", s(4, 2), 4, 2)),
                        v -> v.get("x").cumSum(0, true, true)),
                new Case(TRILU, "lower", List.of(in("x", s(3, 3), 3, 3)),
                        v -> v.get("x").graph().trilu(v.get("x"), false, 0)),
                new Case(TRILU, "upper k=1, batched", List.of(in("x", s("batch", 3, 4), 2, 3, 4)),
                        v -> v.get("x").graph().trilu(v.get("x"), true, 1)),
                new Case(PAD, "begin/end", List.of(in("x", s("batch", 3), 2, 3)),
                        v -> v.get("x").pad(0, 1, 1, 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void vjpMatchesFiniteDifferences(Case c) throws Exception {
        double worst = FiniteDifference.worstRelativeError(c.inputs(), c.body(), c.h(), c.toString().hashCode());
        synchronized (WORST_BY_OP) {
            double[] entry = WORST_BY_OP.computeIfAbsent(c.op().opType(), k -> new double[2]);
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

    /**
     * Every operator the table declares differentiable has at least one case above, and each
     * case's graph really applies its operator, so the case checks that operator's rule: in
     * float64 against finite differences, or, for a float32-only kernel (Cos; float64 cos is
     * built from Sin), in float32 against the float64 gradients the finite differences verify.
     */
    @Test
    void everyDifferentiableOperatorHasACase() {
        Map<OnnxOperator, List<Case>> byOp = cases().collect(Collectors.groupingBy(Case::op,
                () -> new EnumMap<>(OnnxOperator.class), Collectors.toList()));
        List<OnnxOperator> uncovered = Arrays.stream(OnnxOperator.values())
                .filter(op -> !op.differentiable().isEmpty() && !byOp.containsKey(op)).toList();
        assertEquals(List.of(), uncovered, "differentiable operators without a finite-difference case");
        byOp.forEach((op, cases) -> {
            for (Case c : cases) {
                boolean applied = false;
                for (DType dtype : List.of(DType.FLOAT64, DType.FLOAT32)) {
                    Graph g = FiniteDifference.forwardGraph(c.inputs(), c.body(), dtype);
                    applied |= g.nodes().stream().anyMatch(n -> n.op().schema() == op);
                }
                assertTrue(applied, c + ": applies no " + op.opType());
            }
        });
    }

    @AfterAll
    static void printTable() {
        StringBuilder table = new StringBuilder("\nFinite-difference check (float64, h=1e-6)\n");
        table.append(String.format("%-16s %5s %12s%n", "op", "cases", "worst rel err"));
        WORST_BY_OP.forEach((op, e) -> table.append(String.format("%-16s %5d %12.2e%n", op, (int) e[1], e[0])));
        System.out.println(table);
    }
}
