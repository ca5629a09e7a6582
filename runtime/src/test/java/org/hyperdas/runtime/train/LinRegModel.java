package org.hyperdas.runtime.train;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * A linear-regression SGD step written with ordinary ONNX ops (opset 21, IR 10):
 * <pre>
 *   inputs : x [N,D] f32, y [N] f32, w [D] f32, count [] i64, loss_sum [1] f64, t [] i64
 *   loss     = mean((x w - y)^2)
 *   w_new    = w - C * x^T (x w - y)          with C = 2 lr / N, x^T r written as MatMul(r, x)
 *   count_new = count + 1, loss_sum_new = loss_sum + double(loss), t_seen = float(t)
 *   debug_pred = x w                          (never fetched by the runner)
 * </pre>
 */
final class LinRegModel {
    static final int N = 8;
    static final int D = 4;
    static final int BATCHES = 4;
    static final float LR = 0.05f;
    static final float C = 2f * LR / N;
    static final float[] W_TRUE = {1.5f, -2.0f, 0.75f, 3.0f};
    static final float[] W0 = {0.1f, 0.2f, -0.3f, 0.4f};

    /** All rows of the data set: BATCHES x N rows of x, and y. */
    final float[] xs = new float[BATCHES * N * D];
    final float[] ys = new float[BATCHES * N];

    LinRegModel(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < ys.length; i++) {
            double s = 0;
            for (int j = 0; j < D; j++) {
                s += xs[i * D + j] * W_TRUE[j];
            }
            ys[i] = (float) (s + 0.01 * r.nextGaussian());
        }
    }

    static OnnxMl.ValueInfoProto value(String name, int elemType, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(elemType).setShape(shape)))
                .build();
    }

    static OnnxMl.ValueInfoProto f32(String name, long... dims) {
        return value(name, TensorProto.DataType.FLOAT_VALUE, dims);
    }

    static NodeProto.Builder node(String op, String output, String... inputs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
        for (String i : inputs) {
            b.addInput(i);
        }
        return b;
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static TensorProto scalarF32(String name, float v) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, v);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array())).build();
    }

    static TensorProto scalarI64(String name, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .setRawData(ByteString.copyFrom(b.array())).build();
    }

    static byte[] model() {
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("linreg_sgd_step")
                .addInput(f32("x", N, D))
                .addInput(f32("y", N))
                .addInput(f32("w", D))
                .addInput(value("count", TensorProto.DataType.INT64_VALUE))
                .addInput(value("loss_sum", TensorProto.DataType.DOUBLE_VALUE, 1))
                .addInput(value("t", TensorProto.DataType.INT64_VALUE))
                .addInitializer(scalarF32("c", C))
                .addInitializer(scalarI64("one", 1))
                .addNode(node("MatMul", "pred", "x", "w"))
                .addNode(node("Sub", "r", "pred", "y"))
                .addNode(node("Mul", "sq", "r", "r"))
                .addNode(node("ReduceMean", "loss", "sq").addAttribute(intAttr("keepdims", 0)))
                // x^T r as r[N] @ x[N,D]. Not Transpose(x) @ r: ONNX Runtime 1.28.0's EXTENDED/ALL
                // optimizations fold that Transpose into a FusedMatMul that ignores it when the
                // second operand is 1-D (measured: wrong values, correct at BASIC).
                .addNode(node("MatMul", "g0", "r", "x"))
                .addNode(node("Mul", "g", "g0", "c"))
                .addNode(node("Sub", "w_new", "w", "g"))
                .addNode(node("Add", "count_new", "count", "one"))
                .addNode(node("Cast", "loss_d", "loss").addAttribute(intAttr("to", TensorProto.DataType.DOUBLE_VALUE)))
                .addNode(node("Add", "loss_sum_new", "loss_sum", "loss_d"))
                .addNode(node("Cast", "t_seen", "t").addAttribute(intAttr("to", TensorProto.DataType.FLOAT_VALUE)))
                .addNode(node("Identity", "debug_pred", "pred"))
                .addOutput(f32("loss"))
                .addOutput(f32("t_seen"))
                .addOutput(f32("w_new", D))
                .addOutput(value("count_new", TensorProto.DataType.INT64_VALUE))
                .addOutput(value("loss_sum_new", TensorProto.DataType.DOUBLE_VALUE, 1))
                .addOutput(f32("debug_pred", N))
                .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(10).setProducerName("hyperdas-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(21))
                .setGraph(g).build().toByteArray();
    }

    static StepSpec.Builder specBuilder() {
        return StepSpec.builder()
                .slot(StepSpec.Slot.f32("w", "w", "w_new", new long[] {D}, W0.clone()))
                .slot(StepSpec.Slot.zeros("count", "count", "count_new", org.hyperdas.runtime.safetensors.DType.I64))
                .slot(StepSpec.Slot.f64("loss_sum", "loss_sum", "loss_sum_new", new long[] {1}, null))
                .batchInput("x", "y")
                .scalarOutput("loss", "t_seen");
    }

    static StepSpec spec() {
        return specBuilder().stepInput("t").build();
    }

    /** Copies batch {@code k mod BATCHES} into the caller's reused buffers. */
    void fill(int k, java.nio.FloatBuffer x, java.nio.FloatBuffer y) {
        int b = k % BATCHES;
        x.duplicate().clear().put(xs, b * N * D, N * D);
        y.duplicate().clear().put(ys, b * N, N);
    }

    /** The same SGD update in plain Java (double accumulation) for {@code steps} steps from {@code w}. */
    double[] reference(float[] w0, int from, int steps) {
        double[] w = new double[D];
        for (int j = 0; j < D; j++) {
            w[j] = w0[j];
        }
        for (int k = from; k < from + steps; k++) {
            int b = k % BATCHES;
            double[] r = new double[N];
            for (int i = 0; i < N; i++) {
                double s = 0;
                for (int j = 0; j < D; j++) {
                    s += xs[(b * N + i) * D + j] * w[j];
                }
                r[i] = s - ys[b * N + i];
            }
            for (int j = 0; j < D; j++) {
                double gj = 0;
                for (int i = 0; i < N; i++) {
                    gj += xs[(b * N + i) * D + j] * r[i];
                }
                w[j] -= C * gj;
            }
        }
        return w;
    }
}
