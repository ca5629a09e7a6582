package org.hyperdas.graphs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Map;
import org.hyperdas.graphs.exec.GraphRunner;
import org.junit.jupiter.api.Test;

/** bfloat16 and float16: storage types that Cast (and only Cast) turns into float32. */
class StorageTypesTest {

    @Test
    void scalarsRoundTripThroughTheirBits() {
        assertEquals(1.5, HostTensor.scalar(1.5, DType.BFLOAT16).toDoubles()[0]);
        assertEquals(-0.333984375, HostTensor.scalar(-1.0 / 3, DType.BFLOAT16).toDoubles()[0]);
        assertEquals(1.5, HostTensor.scalar(1.5, DType.FLOAT16).toDoubles()[0]);
        assertEquals(-0.333251953125, HostTensor.scalar(-1.0 / 3, DType.FLOAT16).toDoubles()[0]);
        assertEquals(65504, HostTensor.scalar(65504, DType.FLOAT16).toDoubles()[0]);
        assertEquals(Double.POSITIVE_INFINITY, HostTensor.scalar(1e6, DType.FLOAT16).toDoubles()[0]);
        assertEquals(Math.pow(2, -24), HostTensor.scalar(Math.pow(2, -24), DType.FLOAT16).toDoubles()[0]);
    }

    @Test
    void castToFloat32RunsOnOnnxRuntime() throws Exception {
        Graph g = new Graph("cast16");
        Value b = g.input("b", DType.BFLOAT16, Shape.of(2));
        Value h = g.input("h", DType.FLOAT16, Shape.of(2));
        g.output("bf", b.cast(DType.FLOAT32));
        g.output("hf", h.cast(DType.FLOAT32));
        g.output("same", b.identity());
        byte[] bf = {(byte) 0xc0, 0x3f, 0x00, (byte) 0xc0}; // 1.5, -2 as little-endian bf16
        byte[] hf = {0x00, 0x3e, 0x00, (byte) 0xc0}; // 1.5, -2 as little-endian f16
        Map<String, HostTensor> out;
        try (GraphRunner r = GraphRunner.open(g)) {
            out = r.run(Map.of("b", HostTensor.wrap(DType.BFLOAT16, new long[] {2}, ByteBuffer.allocateDirect(4).put(bf).flip()),
                    "h", HostTensor.wrap(DType.FLOAT16, new long[] {2}, ByteBuffer.allocateDirect(4).put(hf).flip())));
        }
        assertArrayEquals(new double[] {1.5, -2}, out.get("bf").toDoubles());
        assertArrayEquals(new double[] {1.5, -2}, out.get("hf").toDoubles());
        assertEquals(DType.BFLOAT16, out.get("same").dtype());
        assertArrayEquals(new double[] {1.5, -2}, out.get("same").toDoubles());
    }

    @Test
    void arithmeticRejectsStorageTypes() {
        Graph g = new Graph("no16");
        Value b = g.input("b", DType.BFLOAT16, Shape.of(2));
        assertThrows(GraphBuildException.class, () -> b.add(b));
    }
}
