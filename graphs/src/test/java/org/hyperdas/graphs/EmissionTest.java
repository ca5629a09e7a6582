package org.hyperdas.graphs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.exec.GraphRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmissionTest {

    @Test
    void modelHeaderInputsAndInitializers() {
        Graph g = new Graph("mlp");
        Value x = g.input("x", DType.FLOAT32, Shape.of("batch", 4));
        Value w = g.parameter("w", DType.FLOAT32, Shape.of(4, 2));
        Value b = g.initializer("b", HostTensor.ofFloats(new float[] {1, 2}, 2));
        g.output("y", x.matmul(w).add(b).relu());
        g.useOpset("com.microsoft", 1);

        ModelProto model = g.toModelProto();
        assertEquals(10, model.getIrVersion());
        assertEquals(21, model.getOpsetImport(0).getVersion());
        assertEquals("", model.getOpsetImport(0).getDomain());
        assertEquals("com.microsoft", model.getOpsetImport(1).getDomain());
        assertEquals("batch", model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals(2, model.getGraph().getInputCount());
        assertEquals("b", model.getGraph().getInitializer(0).getName());
        assertEquals(8, model.getGraph().getInitializer(0).getRawData().size());
        assertEquals("y", model.getGraph().getOutput(0).getName());
        assertEquals(List.of(w), g.parameters());
        // The output's Identity is not emitted: Relu writes "y" itself (an Identity on a graph
        // output is a copy in ONNX Runtime), so the intermediate values are MatMul's and Add's.
        assertEquals(List.of("MatMul", "Add", "Relu"),
                model.getGraph().getNodeList().stream().map(n -> n.getOpType()).toList());
        assertEquals("y", model.getGraph().getNode(2).getOutput(0));
        assertEquals(2, OnnxEmitter.emit(g, true).getGraph().getValueInfoCount());
    }

    @Test
    void nodesNoOutputNeedsAreLeftOutAndRenamedOutputsStillRun() throws Exception {
        Graph g = new Graph("pruned");
        Value x = g.input("x", DType.FLOAT32, Shape.of(2));
        x.exp().log(); // dead branch
        Value doubled = x.mul(2.0);
        g.output("a", doubled);
        g.output("b", doubled); // a second output of the same value keeps its Identity
        g.output("c", doubled.add(1.0)); // reads the value emitted as "a"
        ModelProto model = g.toModelProto();
        assertEquals(List.of("Mul", "Identity", "Add"),
                model.getGraph().getNodeList().stream().map(n -> n.getOpType()).toList());
        try (GraphRunner r = GraphRunner.open(g)) {
            Map<String, HostTensor> out = r.run(Map.of("x", HostTensor.ofFloats(new float[] {1, 2}, 2)));
            assertArrayEquals(new float[] {2, 4}, out.get("a").toFloats());
            assertArrayEquals(new float[] {2, 4}, out.get("b").toFloats());
            assertArrayEquals(new float[] {3, 5}, out.get("c").toFloats());
        }
    }

    /** 16 bytes of header, then the tensor: like a tensor inside a .safetensors file. */
    private static Path writeRawFile(Path dir, String name, ByteBuffer payload) throws Exception {
        ByteBuffer file = ByteBuffer.allocate(16 + payload.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(0xDEADBEEFL).putLong(42);
        file.put(payload);
        Path path = dir.resolve(name);
        Files.write(path, file.array());
        return path;
    }

    @Test
    void externalDataInitializersAreReadFromTheFile(@TempDir Path dir) throws Exception {
        double[] weights = {0.5, -1.5, 2.25, 3.0, -4.0, 10.0};
        ByteBuffer doubles = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : weights) {
            doubles.putDouble(v);
        }
        writeRawFile(dir, "weights.bin", doubles.flip());
        float[] scales = {2f, 3f};
        ByteBuffer floats = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(2f).putFloat(3f);
        writeRawFile(dir, "scales.bin", floats.flip());

        Graph g = new Graph("external");
        Value x = g.input("x", DType.FLOAT64, Shape.of("batch", 3));
        Value w = g.externalInitializer("w", DType.FLOAT64, Shape.of(3, 2), new ExternalData("weights.bin", 16, 48));
        Value s = g.externalInitializer("s", DType.FLOAT32, Shape.of(2), new ExternalData("scales.bin", 16, 8));
        g.output("y", x.matmul(w).mul(s.cast(DType.FLOAT64)));

        TensorProto wProto = g.toModelProto().getGraph().getInitializer(0);
        assertEquals(TensorProto.DataLocation.EXTERNAL, wProto.getDataLocation());
        assertEquals("offset", wProto.getExternalData(1).getKey());
        assertEquals("16", wProto.getExternalData(1).getValue());

        Map<String, HostTensor> feed = Map.of("x", HostTensor.ofDoubles(new double[] {1, 0, 0, 0, 1, 1}, 2, 3));
        double[] expected = {
            weights[0] * scales[0], weights[1] * scales[1],
            (weights[2] + weights[4]) * scales[0], (weights[3] + weights[5]) * scales[1]};
        try (GraphRunner fromBytes = GraphRunner.open(g, dir)) {
            assertArrayEquals(expected, fromBytes.run(feed).get("y").toDoubles(), 1e-12);
        }
        Path modelFile = dir.resolve("model.onnx");
        g.writeTo(modelFile);
        try (GraphRunner fromFile = GraphRunner.open(modelFile)) {
            assertArrayEquals(expected, fromFile.run(feed).get("y").toDoubles(), 1e-12);
        }
    }

    @Test
    void externalDataIsCheckedAtBuildTime() {
        Graph g = new Graph("bad");
        assertThrows(GraphBuildException.class,
                () -> g.externalInitializer("w", DType.FLOAT32, Shape.of(3), new ExternalData("w.bin", 0, 8)));
        // ONNX Runtime refuses locations outside the model folder; say so before it does.
        assertThrows(GraphBuildException.class, () -> new ExternalData("/abs/w.bin", 0, 8));
        assertThrows(GraphBuildException.class, () -> new ExternalData("../w.bin", 0, 8));
    }
}
