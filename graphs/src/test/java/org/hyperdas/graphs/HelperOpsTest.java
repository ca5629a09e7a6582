package org.hyperdas.graphs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.hyperdas.graphs.exec.GraphRunner;
import org.junit.jupiter.api.Test;

/** The non-differentiable helpers run in ONNX Runtime and compute what their shapes promise. */
class HelperOpsTest {

    @Test
    void positionIdsCausalMaskAndPredictions() throws Exception {
        Graph g = new Graph("helpers");
        Value mask = g.input("mask", DType.INT64, Shape.of("batch", "seq"));
        Value logits = g.input("logits", DType.FLOAT32, Shape.of("batch", "seq", 3));
        // Position ids from an attention mask with left padding: cumsum(mask) - 1, clamped at 0.
        Value positions = mask.cumSum(1, false, false).sub(1).max(g.scalar(0, DType.INT64));
        g.output("positions", positions);
        // Causal mask [seq, seq] from the runtime length: lower triangle of ones.
        Value seqLen = logits.shapeTensor(1, 2);
        Value square = g.concat(0, seqLen, seqLen);
        Value causal = g.trilu(g.constantOfShape(square, 1, DType.INT64), false, 0).equal(g.scalar(1, DType.INT64));
        assertEquals(Shape.of("seq", "seq"), causal.shape());
        g.output("causal", causal.cast(DType.INT64));
        g.output("argmax", logits.argMax(-1, false));
        Value range = g.range(g.scalar(0, DType.INT64), seqLen.squeeze(0), g.scalar(1, DType.INT64));
        assertEquals(Shape.of("seq"), range.shape());
        g.output("range", range);
        g.output("size", logits.size());
        g.output("shape", logits.shapeTensor());
        Value attended = mask.greater(g.scalar(0, DType.INT64)).and(range.less(g.scalar(2, DType.INT64)));
        g.output("first_two_attended", attended.not().not().cast(DType.INT64));

        try (GraphRunner r = GraphRunner.open(g)) {
            Map<String, HostTensor> out = r.run(Map.of(
                    "mask", HostTensor.ofLongs(new long[] {0, 1, 1, 1, 1, 1}, 2, 3),
                    "logits", HostTensor.ofFloats(new float[] {0, 5, 1, 9, 1, 2, 1, 1, 3, 0, 0, -1, 2, 7, 1, 4, 0, 0}, 2, 3, 3)));
            assertArrayEquals(new long[] {0, 0, 1, 0, 1, 2}, out.get("positions").toLongs());
            assertArrayEquals(new long[] {1, 0, 0, 1, 1, 0, 1, 1, 1}, out.get("causal").toLongs());
            assertArrayEquals(new long[] {1, 0, 2, 0, 1, 0}, out.get("argmax").toLongs());
            assertArrayEquals(new long[] {0, 1, 2}, out.get("range").toLongs());
            assertArrayEquals(new long[] {18}, out.get("size").toLongs());
            assertArrayEquals(new long[] {2, 3, 3}, out.get("shape").toLongs());
            assertArrayEquals(new long[] {0, 1, 0, 1, 1, 0}, out.get("first_two_attended").toLongs());
        }
    }
}
