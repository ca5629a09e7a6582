package org.hyperdas.graphs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.ops.LinalgOps;
import org.junit.jupiter.api.Test;

/**
 * numpy matmul with 1-D operands. ONNX Runtime 1.28 at ALL_OPT fuses {@code MatMul(Transpose(A), b)}
 * with a 1-D {@code b} into a FusedMatMul that computes wrong numbers, so the IR never hands ONNX
 * Runtime a 1-D MatMul operand: it promotes the vector with Unsqueeze, multiplies 2-D, and
 * squeezes the promoted axis away.
 */
class MatMulVectorTest {
    private static final float[] A = {1, 2, 3, 4, 5, 6}; // [[1,2],[3,4],[5,6]]

    @Test
    void transposedMatrixTimesVectorRunsAtAllOpt() throws Exception {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Graph g = new Graph("transposed_times_vector");
            Value a = g.input("a", dtype, Shape.of(3, 2));
            Value b = g.input("b", dtype, Shape.of(3));
            Value y = a.transpose(1, 0).matmul(b);
            assertEquals(Shape.of(2), y.shape());
            g.output("y", y);
            assertNoVectorMatMul(g);
            try (GraphRunner r = GraphRunner.open(g)) { // default options: ORT_ENABLE_ALL
                Map<String, HostTensor> out = r.run(Map.of("a", tensor(dtype, A, 3, 2),
                        "b", tensor(dtype, new float[] {1, 1, 1}, 3)));
                assertArrayEquals(new long[] {2}, out.get("y").shape());
                assertArrayEquals(new double[] {9, 12}, out.get("y").toDoubles(), 0, dtype.toString());
            }
        }
    }

    @Test
    void vectorOperandsOnEitherSide() throws Exception {
        Graph g = new Graph("vectors");
        Value a = g.input("a", DType.FLOAT32, Shape.of(3, 2));
        Value u = g.input("u", DType.FLOAT32, Shape.of(3));
        Value w = g.input("w", DType.FLOAT32, Shape.of(2));
        Value batched = g.input("batched", DType.FLOAT32, Shape.of("batch", 2, 3));
        g.output("u_a", u.matmul(a)); // [3] x [3,2] -> [2]
        g.output("w_at", w.matmul(a.transpose(1, 0))); // [2] x [2,3] -> [3]
        g.output("u_u", u.matmul(u)); // [3] x [3] -> []
        g.output("batched_u", batched.matmul(u)); // [batch,2,3] x [3] -> [batch,2]
        g.output("u_batched_t", u.matmul(batched.transposeLastTwo())); // [3] x [batch,3,2] -> [batch,2]
        assertEquals(Shape.scalar(), g.outputs().get("u_u").shape());
        assertEquals(Shape.of("batch", 2), g.outputs().get("batched_u").shape());
        assertEquals(Shape.of("batch", 2), g.outputs().get("u_batched_t").shape());
        assertNoVectorMatMul(g);
        try (GraphRunner r = GraphRunner.open(g)) {
            Map<String, HostTensor> out = r.run(Map.of(
                    "a", HostTensor.ofFloats(A, 3, 2),
                    "u", HostTensor.ofFloats(new float[] {1, 0, 2}, 3),
                    "w", HostTensor.ofFloats(new float[] {1, -1}, 2),
                    "batched", HostTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6, 0, 1, 0, 1, 0, 1}, 2, 2, 3)));
            assertArrayEquals(new float[] {11, 14}, out.get("u_a").toFloats());
            assertArrayEquals(new float[] {-1, -1, -1}, out.get("w_at").toFloats());
            assertArrayEquals(new float[] {5}, out.get("u_u").toFloats());
            assertArrayEquals(new long[] {}, out.get("u_u").shape());
            assertArrayEquals(new float[] {7, 16, 0, 3}, out.get("batched_u").toFloats());
            assertArrayEquals(new float[] {7, 16, 0, 3}, out.get("u_batched_t").toFloats());
        }
    }

    @Test
    void theMatMulOpItselfRejectsVectors() {
        Graph g = new Graph("raw");
        Value a = g.input("a", DType.FLOAT32, Shape.of(2, 3));
        Value b = g.input("b", DType.FLOAT32, Shape.of(3));
        GraphBuildException e = assertThrows(GraphBuildException.class,
                () -> g.apply1(new LinalgOps.MatMul(), a, b));
        assertTrue(e.getMessage().startsWith("MatMul: 1-D operand: [2,3] x [3]"), e.getMessage());
        GraphBuildException inner = assertThrows(GraphBuildException.class,
                () -> a.matmul(g.input("c", DType.FLOAT32, Shape.of(4))));
        assertEquals("MatMul: inner dims differ: [2,3] x [4]", inner.getMessage());
    }

    private static void assertNoVectorMatMul(Graph g) {
        for (Node n : g.nodes()) {
            if (n.op().type().equals("MatMul")) {
                for (Value in : n.inputs()) {
                    assertTrue(in.rank() >= 2, n + " has the 1-D operand " + in);
                }
            }
        }
    }

    private static HostTensor tensor(DType dtype, float[] values, long... shape) {
        if (dtype == DType.FLOAT32) {
            return HostTensor.ofFloats(values, shape);
        }
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return HostTensor.ofDoubles(d, shape);
    }
}
