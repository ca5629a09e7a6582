package org.hyperdas.graphs;

import static org.hyperdas.graphs.FiniteDifference.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.exec.GraphRunner;
import org.junit.jupiter.api.Test;

class AutodiffTest {

    private static long backwardNodes(Graph g, String opType) {
        return g.nodes().stream().filter(n -> n.name().startsWith("grad/"))
                .filter(n -> opType == null || n.op().type().equals(opType)).count();
    }

    @Test
    void fanOutGradientsAreSummed() throws Exception {
        // x feeds Exp, Tanh and Mul: its gradient is the sum of three contributions.
        double worst = FiniteDifference.worstRelativeError(List.of(in("x", Shape.of("batch", 3), 2, 3)),
                v -> {
                    Value x = v.get("x");
                    return x.exp().add(x.tanh()).add(x.mul(x.graph().scalar(2, DType.FLOAT64)));
                }, 1e-6, 7);
        assertTrue(worst < 1e-5, "worst relative error " + worst);

        Graph g = new Graph("fanout");
        Value x = g.input("x", DType.FLOAT64, Shape.of(3));
        Value loss = x.exp().add(x.tanh()).add(x.mul(2.0)).reduceSum(false);
        Value grad = Autodiff.gradients(loss, List.of(x)).get(0);
        g.output("grad", grad);
        try (GraphRunner r = GraphRunner.open(g)) {
            double[] xs = {0.1, -0.4, 0.7};
            double[] got = r.run(Map.of("x", HostTensor.ofDoubles(xs, 3))).get("grad").toDoubles();
            for (int i = 0; i < 3; i++) {
                double t = Math.tanh(xs[i]);
                assertEquals(Math.exp(xs[i]) + (1 - t * t) + 2, got[i], 1e-12);
            }
        }
    }

    @Test
    void unusedBranchesGetNoBackwardNodes() {
        Graph plain = new Graph("plain");
        Value x = plain.input("x", DType.FLOAT32, Shape.of("batch", 4));
        Autodiff.gradients(x.exp().reduceSum(false), List.of(x));

        Graph branched = new Graph("branched");
        Value y = branched.input("y", DType.FLOAT32, Shape.of("batch", 4));
        Value w = branched.parameter("w", DType.FLOAT32, Shape.of(4, 4));
        branched.output("side", y.tanh().matmul(w).softmax(-1));
        Autodiff.gradients(y.exp().reduceSum(false), List.of(y));

        assertEquals(backwardNodes(plain, null), backwardNodes(branched, null));
        assertEquals(0, backwardNodes(branched, "MatMul"));
    }

    @Test
    void frozenOperandOfMatMulGetsNoGradientMatMul() {
        Graph g = new Graph("frozen");
        Value x = g.parameter("x", DType.FLOAT32, Shape.of("batch", 3));
        Value frozen = g.initializer("W", HostTensor.ofFloats(new float[12], 3, 4));
        Autodiff.gradients(x.matmul(frozen).reduceSum(false), List.of(x));
        assertEquals(1, backwardNodes(g, "MatMul"), "only dL/dx = g @ W^T");
    }

    @Test
    void transposeOfATransposeIsTheOriginalValue() {
        Graph g = new Graph("transposes");
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", 3, 2));
        assertSame(x, x.transpose(2, 0, 1).transpose(1, 2, 0));
        assertSame(x, x.transpose(0, 1, 2));
        Value twice = x.transpose(2, 0, 1).transpose(2, 0, 1); // not the inverse: a real Transpose
        assertEquals(Shape.of(3, 2, "batch"), twice.shape());
        assertEquals(3, g.nodes().size()); // x.transpose(2, 0, 1) of the first line, and the two of `twice`
    }

    @Test
    void linearWeightGradientIsComputedInTheWeightsLayout() throws Exception {
        // y = x W^T with W [out, in] as a Linear layer stores it: dW = g^T x comes straight out of
        // a MatMul, with no Transpose of the [out, in] gradient after it.
        Graph g = new Graph("linear");
        Value x = g.input("x", DType.FLOAT64, Shape.of("batch", 2, 3));
        Value w = g.parameter("w", DType.FLOAT64, Shape.of(4, 3));
        Value loss = x.matmul(w.transpose(1, 0)).tanh().reduceSum(false);
        g.output("dw", Autodiff.gradients(loss, List.of(w)).get(0));
        String producer = g.toModelProto().getGraph().getNodeList().stream()
                .filter(n -> n.getOutputList().contains("dw")).findFirst().orElseThrow().getOpType();
        assertEquals("MatMul", producer);
        double[] xs = {1, 2, 3, 4, 5, 6, -1, 0, 1, 0.5, 0.25, 2};
        double[] ws = {0.1, -0.2, 0.3, 0.05, 0.4, -0.1, 0.2, 0.2, -0.3, -0.05, 0.1, 0.15};
        try (GraphRunner r = GraphRunner.open(g)) {
            double[] dw = r.run(Map.of("x", HostTensor.ofDoubles(xs, 2, 2, 3), "w", HostTensor.ofDoubles(ws, 4, 3)))
                    .get("dw").toDoubles();
            for (int o = 0; o < 4; o++) {
                for (int i = 0; i < 3; i++) {
                    double expected = 0;
                    for (int row = 0; row < 4; row++) {
                        double y = 0;
                        for (int k = 0; k < 3; k++) {
                            y += xs[row * 3 + k] * ws[o * 3 + k];
                        }
                        expected += (1 - Math.tanh(y) * Math.tanh(y)) * xs[row * 3 + i];
                    }
                    assertEquals(expected, dw[o * 3 + i], 1e-12);
                }
            }
        }
    }

    @Test
    void gradientWithRespectToAnIntermediateActivation() throws Exception {
        Graph g = new Graph("activation");
        Value x = g.input("x", DType.FLOAT64, Shape.of(2, 2));
        Value w = g.parameter("w", DType.FLOAT64, Shape.of(2, 2));
        Value h = x.matmul(w);
        Value loss = h.tanh().reduceSum(false);
        List<Value> grads = Autodiff.gradients(loss, List.of(h, w));
        g.output("dh", grads.get(0));
        g.output("dw", grads.get(1));
        g.output("h", h);
        try (GraphRunner r = GraphRunner.open(g)) {
            Map<String, HostTensor> out = r.run(Map.of(
                    "x", HostTensor.ofDoubles(new double[] {1, 2, 3, 4}, 2, 2),
                    "w", HostTensor.ofDoubles(new double[] {0.1, -0.2, 0.3, 0.05}, 2, 2)));
            double[] hs = out.get("h").toDoubles();
            double[] dh = out.get("dh").toDoubles();
            for (int i = 0; i < 4; i++) {
                assertEquals(1 - Math.tanh(hs[i]) * Math.tanh(hs[i]), dh[i], 1e-12);
            }
            // dw = x^T dh
            double[] dw = out.get("dw").toDoubles();
            assertEquals(1 * dh[0] + 3 * dh[2], dw[0], 1e-12);
            assertEquals(2 * dh[1] + 4 * dh[3], dw[3], 1e-12);
        }
    }

    @Test
    void seededVectorJacobianProduct() throws Exception {
        Graph g = new Graph("seeded");
        Value x = g.input("x", DType.FLOAT64, Shape.of(3));
        Value seed = g.input("seed", DType.FLOAT64, Shape.of(3));
        g.output("vjp", Autodiff.gradients(x.mul(x), seed, List.of(x)).get(0));
        try (GraphRunner r = GraphRunner.open(g)) {
            double[] got = r.run(Map.of("x", HostTensor.ofDoubles(new double[] {1, 2, 3}, 3),
                    "seed", HostTensor.ofDoubles(new double[] {1, 10, 100}, 3))).get("vjp").toDoubles();
            assertArrayEquals(new double[] {2, 40, 600}, got, 1e-12);
        }
    }

    @Test
    void unreachableParameterIsReportedByName() {
        Graph g = new Graph("unreachable");
        Value x = g.input("x", DType.FLOAT32, Shape.of(2));
        Value unused = g.parameter("decoder.bias", DType.FLOAT32, Shape.of(2));
        GraphBuildException e = assertThrows(GraphBuildException.class,
                () -> Autodiff.gradients(x.exp().reduceSum(false), List.of(x, unused)));
        assertTrue(e.getMessage().contains("'decoder.bias'") && e.getMessage().contains("does not influence"),
                e.getMessage());
    }

    @Test
    void pathThroughAnIntegerValueIsReported() {
        Graph g = new Graph("intpath");
        Value x = g.parameter("x", DType.FLOAT32, Shape.of(2));
        Value rounded = x.cast(DType.INT64).cast(DType.FLOAT32);
        GraphBuildException e = assertThrows(GraphBuildException.class,
                () -> Autodiff.gradients(rounded.reduceSum(false), List.of(x)));
        assertTrue(e.getMessage().contains("Cast") && e.getMessage().contains("int64"), e.getMessage());
    }

    @Test
    void differentiatingWithRespectToAnIntegerInputIsRejected() {
        Graph g = new Graph("intwrt");
        Value ids = g.input("ids", DType.INT64, Shape.of(2));
        Value table = g.parameter("table", DType.FLOAT32, Shape.of(5, 3));
        Value loss = table.gather(ids, 0).reduceSum(false);
        GraphBuildException e = assertThrows(GraphBuildException.class,
                () -> Autodiff.gradients(loss, List.of(ids)));
        assertTrue(e.getMessage().contains("'ids'") && e.getMessage().contains("int64"), e.getMessage());
    }

    @Test
    void nonScalarLossNeedsASeed() {
        Graph g = new Graph("nonscalar");
        Value x = g.parameter("x", DType.FLOAT32, Shape.of(2));
        assertThrows(GraphBuildException.class, () -> Autodiff.gradients(x.exp(), List.of(x)));
    }
}
