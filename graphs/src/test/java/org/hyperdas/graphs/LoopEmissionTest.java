package org.hyperdas.graphs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.ops.ControlFlowOps;
import org.junit.jupiter.api.Test;

/** The Loop op: its emission (body subgraph, scoped names, outer-scope reads) run by ONNX Runtime. */
class LoopEmissionTest {
    private static final double[] ROWS = {1, 2, -3, 0.5, 4, -1};
    private static final double[] SCALE = {2, -1};

    /** acc <- acc * scale + x[i] for i = 0..2, reporting sum(acc) after each iteration. */
    private static Graph recurrence() {
        Graph g = new Graph("outer");
        Value x = g.input("x", DType.FLOAT64, Shape.of(3, 2));
        Value acc0 = g.input("acc", DType.FLOAT64, Shape.of(2));
        Value scale = g.initializer("scale", HostTensor.ofDoubles(SCALE, 2));
        Graph body = new Graph("body");
        Value iteration = body.input("i", DType.INT64, Shape.scalar());
        Value condition = body.input("cond", DType.BOOL, Shape.scalar());
        Value acc = body.input("acc", DType.FLOAT64, Shape.of(2));
        Value next = acc.mul(body.outer(scale)).add(body.outer(x).gather(iteration, 0));
        body.output("cond.next", condition);
        body.output("acc.next", next);
        body.output("sum", next.reduceSum(false));
        List<Value> out = g.apply(new ControlFlowOps.Loop(body, 3), g.scalar(3, DType.INT64),
                g.constant(HostTensor.scalar(1, DType.BOOL)), acc0);
        assertEquals("float64[3]", out.get(1).dtype().toString().toLowerCase() + out.get(1).shape());
        g.output("final", out.get(0));
        g.output("sums", out.get(1));
        return g;
    }

    @Test
    void onnxRuntimeRunsTheLoopAsThePlainRecurrence() throws Exception {
        double[] acc = {0.5, -0.25};
        double[] sums = new double[3];
        double[] expected = acc.clone();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                expected[j] = expected[j] * SCALE[j] + ROWS[2 * i + j];
            }
            sums[i] = expected[0] + expected[1];
        }
        try (GraphRunner r = GraphRunner.open(recurrence())) {
            Map<String, HostTensor> out = r.run(Map.of("x", HostTensor.ofDoubles(ROWS, 3, 2),
                    "acc", HostTensor.ofDoubles(acc, 2)));
            assertArrayEquals(expected, out.get("final").toDoubles(), 0);
            assertArrayEquals(sums, out.get("sums").toDoubles(), 0);
        }
    }

    @Test
    void theBodyIsAGraphAttributeWithScopedNamesAndOuterReads() {
        GraphProto main = recurrence().toModelProto().getGraph();
        NodeProto loop = main.getNodeList().stream().filter(n -> n.getOpType().equals("Loop")).findFirst().orElseThrow();
        GraphProto body = loop.getAttribute(0).getG();
        assertEquals("body", loop.getAttribute(0).getName());
        assertEquals(List.of("body/i", "body/cond", "body/acc"), body.getInputList().stream().map(v -> v.getName()).toList());
        assertEquals(List.of("body/cond.next", "body/acc.next", "body/sum"),
                body.getOutputList().stream().map(v -> v.getName()).toList());
        List<String> read = body.getNodeList().stream().flatMap(n -> n.getInputList().stream()).toList();
        assertTrue(read.contains("scale") && read.contains("x"), "outer values read by their names: " + read);
        assertTrue(read.stream().filter(n -> !n.equals("scale") && !n.equals("x")).allMatch(n -> n.startsWith("body/")),
                "every other name is the body's own: " + read);
        assertEquals(List.of("final", "sums"), loop.getOutputList());
    }

    @Test
    void badLoopsAreRejectedWhenBuilt() {
        Graph g = new Graph("outer");
        Value x = g.input("x", DType.FLOAT64, Shape.of(2));
        Graph body = new Graph("body");
        body.input("i", DType.INT64, Shape.scalar());
        Value condition = body.input("cond", DType.BOOL, Shape.scalar());
        Value acc = body.input("acc", DType.FLOAT64, Shape.of(2));
        body.output("cond.next", condition);
        body.output("acc.next", acc.add(1.0));
        assertThrows(GraphBuildException.class, () -> body.outer(x.exp()), "a computed value is no outer value");
        Value wrongShape = g.input("y", DType.FLOAT64, Shape.of(3));
        GraphBuildException e = assertThrows(GraphBuildException.class, () -> g.apply(new ControlFlowOps.Loop(body, 2),
                g.scalar(2, DType.INT64), g.constant(HostTensor.scalar(1, DType.BOOL)), wrongShape));
        assertTrue(e.getMessage().startsWith("Loop: carried value 0"), e.getMessage());
        assertThrows(GraphBuildException.class, () -> new ControlFlowOps.Loop(body, 0));
    }
}
