package org.hyperdas.graphs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Shape rules are checked when a node is added, with messages naming the op and the shapes. */
class ShapeRulesTest {
    private final Graph g = new Graph("rules");

    private static void assertMessage(String expected, Executable build) {
        GraphBuildException e = assertThrows(GraphBuildException.class, build);
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
    }

    @Test
    void matmulInnerDimMismatch() {
        Value a = g.input("a", DType.FLOAT32, Shape.of("batch", 4, 8));
        Value b = g.input("b", DType.FLOAT32, Shape.of(6, 3));
        assertMessage("MatMul: inner dims differ: [batch,4,8] x [6,3]", () -> a.matmul(b));
    }

    @Test
    void broadcastingRules() {
        Value batch = g.input("a", DType.FLOAT32, Shape.of("batch", 3));
        Value seq = g.input("b", DType.FLOAT32, Shape.of("seq", 3));
        Value four = g.input("c", DType.FLOAT32, Shape.of(4, 3));
        Value one = g.input("d", DType.FLOAT32, Shape.of(1, 3));
        assertMessage("Add: shapes do not broadcast: [batch,3] vs [seq,3]", () -> batch.add(seq));
        assertMessage("Mul: shapes do not broadcast: [batch,3] vs [4,3]", () -> batch.mul(four));
        assertEquals(Shape.of("batch", 3), batch.add(one).shape());
        assertEquals(Shape.of("batch", 3), batch.sub(batch).shape());
        assertEquals(Shape.of(2, "batch", 3), g.input("e", DType.FLOAT32, Shape.of(2, 1, 1)).add(batch).shape());
    }

    @Test
    void unsupportedDtypeNamesTheOp() {
        Value ids = g.input("ids", DType.INT64, Shape.of(3));
        assertMessage("Sqrt: input 'ids' int64[3] has dtype int64; supported: float32, float64", ids::sqrt);
        Value flag = g.input("flag", DType.BOOL, Shape.of(3));
        assertMessage("Add: input 'flag'", () -> flag.add(flag));
        Value f = g.input("f", DType.FLOAT32, Shape.of(3));
        assertMessage("Add: dtypes differ", () -> f.add(g.input("d", DType.FLOAT64, Shape.of(3))));
    }

    @Test
    void reshapeInfersSymbolicDims() {
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", "seq", 64));
        Value flat = x.reshape(-1, 64);
        assertEquals(Shape.of("batch*seq", 64), flat.shape());
        Value back = flat.reshape(g.concat(0, g.constantLongs(-1), x.shapeTensor(1, 3)));
        assertEquals(Shape.of("batch", "seq", 64), back.shape());
        assertEquals(Shape.of("batch", "seq", 4, 16), x.reshape(0, 0, 4, 16).shape());
        assertMessage("Reshape: cannot reshape [2,3] to [4,2]",
                () -> g.input("s", DType.FLOAT32, Shape.of(2, 3)).reshape(4, 2));
    }

    @Test
    void otherShapeRules() {
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", 4));
        assertMessage("Squeeze: dim 1 of [batch,4] is not a static 1", () -> x.squeeze(1));
        assertMessage("Transpose: perm [0, 0]", () -> x.transpose(0, 0));
        assertMessage("Concat: shapes differ outside axis 0", () -> g.concat(0, x, x.transpose(1, 0)));
        assertEquals(Shape.of("batch+batch", 4), g.concat(0, x, x).shape());
        assertEquals(Shape.of("batch", 2), x.slice(1, 1, 3).shape());
        assertEquals(Shape.of("seq", 4), x.gather(g.input("i", DType.INT64, Shape.of("seq")), 0).shape());
        assertEquals(List.of(Shape.of("batch", 1), Shape.of("batch", 3)),
                x.split(1, 1, 3).stream().map(Value::shape).toList());
        assertMessage("Split: sizes [1, 2] do not add up", () -> x.split(1, 1, 2));
        assertMessage("Softmax: axis 2 out of range for rank 2", () -> x.softmax(2));
    }

    @Test
    void namesAreValidatedAndUnique() {
        g.input("x", DType.FLOAT32, Shape.of(1));
        assertMessage("name 'x' is already used", () -> g.parameter("x", DType.FLOAT32, Shape.of(1)));
        assertMessage("invalid name 'a b'", () -> g.input("a b", DType.FLOAT32, Shape.of(1)));
    }
}
