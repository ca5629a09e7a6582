package org.hyperdas.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtEngineTest {
    static final int N = 2;
    static final int K = 3;
    static final int M = 4;
    static final float[] X = {1, 2, 3, -1, 0, 0.5f};
    static final float[] W = {0.1f, -0.2f, 0.3f, 0.0f, 1.0f, 0.5f, -0.5f, 0.25f, -1.0f, 2.0f, 0.0f, 0.75f};

    private static OnnxMl.ValueInfoProto floatValue(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    /** Y = Softmax(MatMul(X, W), axis=-1), opset 21, IR version 10; W given as an initializer. */
    static byte[] model(OnnxMl.TensorProto w) {
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("matmul_softmax")
                .addInput(floatValue("X", N, K))
                .addInitializer(w)
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("MatMul").addInput("X").addInput("W").addOutput("Z"))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Softmax").addInput("Z").addOutput("Y")
                        .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis").setI(-1)
                                .setType(OnnxMl.AttributeProto.AttributeType.INT)))
                .addOutput(floatValue("Y", N, M))
                .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(10).setProducerName("hyperdas-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(21))
                .setGraph(g).build().toByteArray();
    }

    static OnnxMl.TensorProto inlineW() {
        ByteBuffer b = ByteBuffer.allocate(W.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(W);
        return OnnxMl.TensorProto.newBuilder().setName("W").addDims(K).addDims(M)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array())).build();
    }

    /** Softmax(X W) in double precision, computed independently of ONNX Runtime. */
    static double[] expected() {
        double[] y = new double[N * M];
        for (int i = 0; i < N; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < M; j++) {
                double s = 0;
                for (int k = 0; k < K; k++) {
                    s += (double) X[i * K + k] * W[k * M + j];
                }
                y[i * M + j] = s;
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int j = 0; j < M; j++) {
                y[i * M + j] = Math.exp(y[i * M + j] - max);
                sum += y[i * M + j];
            }
            for (int j = 0; j < M; j++) {
                y[i * M + j] /= sum;
            }
        }
        return y;
    }

    private static void assertClose(double[] want, FloatBuffer got) {
        assertEquals(want.length, got.limit());
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got.get(i), 1e-6, "element " + i);
        }
    }

    @Test
    void runsOnCpuWithDirectInputsAndPinnedOutputs() throws Exception {
        OrtEngine engine = OrtEngine.cpu();
        assertEquals(Device.CPU, engine.device());
        FloatBuffer xBuf = Tensors.floatsOf(X);
        FloatBuffer yBuf = Tensors.floats(N * M);
        try (OrtSession s = engine.session(model(inlineW()));
                OnnxTensor x = Tensors.tensor(xBuf, N, K);
                OnnxTensor y = Tensors.tensor(yBuf, N, M)) {
            for (int run = 0; run < 3; run++) {
                try (OrtSession.Result r = s.run(Map.of("X", x), Map.of("Y", y))) {
                    // A pinned output comes back as the very tensor we passed, written in place.
                    assertSame(y, r.get("Y").orElseThrow());
                }
                assertClose(expected(), yBuf);
                yBuf.put(0, -1f); // overwritten by the next run
            }
            assertArrayEquals(Tensors.toArray(yBuf), Tensors.toFloatArray(y));
        }
    }

    @Test
    void zeroCopyInputSeesInPlaceUpdates() throws Exception {
        FloatBuffer xBuf = Tensors.floats(N * K);
        try (OrtSession s = OrtEngine.cpu().session(model(inlineW()));
                OnnxTensor x = Tensors.tensor(xBuf, N, K);
                OnnxTensor y = Tensors.zerosFloat(N, M)) {
            s.run(Map.of("X", x), Map.of("Y", y)).close();
            // All-zero input: uniform softmax.
            assertEquals(0.25f, Tensors.toFloatArray(y)[0], 1e-7);
            xBuf.put(X).rewind();
            s.run(Map.of("X", x), Map.of("Y", y)).close();
            double[] want = expected();
            float[] got = Tensors.toFloatArray(y);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-6);
            }
        }
    }

    @Test
    void externalDataPointsStraightIntoASafetensorsFile(@TempDir Path dir) throws Exception {
        Path st = dir.resolve("w.safetensors");
        new SafetensorsWriter().addF32("pad", new long[] {3}, new float[] {7, 7, 7})
                .addF32("proj.weight", new long[] {K, M}, W).write(st);
        TensorInfo t;
        try (SafetensorsFile f = SafetensorsFile.open(st)) {
            t = f.tensor("proj.weight");
        }
        OnnxMl.TensorProto w = OnnxMl.TensorProto.newBuilder().setName("W").addDims(K).addDims(M)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("w.safetensors"))
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("offset")
                        .setValue(Long.toString(t.offset())))
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("length")
                        .setValue(Long.toString(t.byteLength())))
                .build();
        FloatBuffer yBuf = Tensors.floats(N * M);
        try (OrtSession s = OrtEngine.cpu().session(model(w), dir);
                OnnxTensor x = Tensors.tensor(Tensors.floatsOf(X), N, K);
                OnnxTensor y = Tensors.tensor(yBuf, N, M)) {
            s.run(Map.of("X", x), Map.of("Y", y)).close();
            assertClose(expected(), yBuf);
        }
    }

    @Test
    void autoFallsBackToCpuWithOneNotice() {
        boolean cudaAvailable = OrtEngine.environment() != null
                && ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        OrtEngine e = OrtEngine.create(Device.AUTO, new PrintStream(notes, true, StandardCharsets.UTF_8));
        String printed = notes.toString(StandardCharsets.UTF_8);
        assertEquals(Device.AUTO, e.requested());
        if (cudaAvailable && e.device().isCuda()) {
            assertEquals("", printed);
            return;
        }
        // This machine has the CPU build and no GPU: one line, then CPU.
        assertEquals(Device.CPU, e.device());
        assertEquals(1, printed.lines().count(), printed);
        assertTrue(printed.startsWith("note: CUDA unavailable"), printed);
        assertTrue(printed.contains("running on CPU"), printed);
    }

    @Test
    void explicitCudaThatCannotWorkIsAnError() {
        String why = OrtEngine.probeCuda(0);
        if (why == null) {
            return; // a real GPU build on a GPU machine: nothing to check here
        }
        String m = assertThrows(BadInputException.class, () -> OrtEngine.create("cuda:0")).getMessage();
        assertTrue(m.startsWith("device 'cuda:0': CUDA cannot be enabled"), m);
        assertTrue(m.contains("--device cpu"), m);
    }

    @Test
    void parsesDeviceStrings() {
        assertEquals(Device.AUTO, Device.parse("auto"));
        assertEquals(Device.CPU, Device.parse("CPU"));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(3), Device.parse("cuda:3"));
        assertEquals("cuda:3", Device.parse("cuda:3").toString());
        for (String bad : new String[] {"tpu", "cuda:", "cuda:-1", "cuda:x", ""}) {
            String m = assertThrows(BadInputException.class, () -> Device.parse(bad)).getMessage();
            assertTrue(m.contains("'" + bad + "'") && m.contains("expected auto, cpu, cuda or cuda:N"), m);
        }
    }

    @Test
    void engineOptions() throws Exception {
        OrtEngine e = OrtEngine.create("cpu");
        assertEquals(Runtime.getRuntime().availableProcessors(), e.intraOpThreads());
        assertEquals(1, e.withIntraOpThreads(1).intraOpThreads());
        try (OrtSession.SessionOptions o = e.sessionOptions()) {
            assertTrue(o != null);
        }
    }

    @Test
    void tensorHelpersCheckShapes() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Tensors.tensor(Tensors.floats(5), 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensors.tensor(FloatBuffer.allocate(6), 2, 3));
        try (OnnxTensor l = Tensors.tensor(Tensors.longsOf(1, 2, 3), 3);
                OnnxTensor d = Tensors.tensor(Tensors.doublesOf(0.5, 1.5), 1, 2)) {
            assertArrayEquals(new long[] {1, 2, 3}, Tensors.toLongArray(l));
            assertArrayEquals(new double[] {0.5, 1.5}, Tensors.toDoubleArray(d));
            assertTrue(Tensors.floats(4).isDirect());
        }
    }
}
