package org.hyperdas.graphs;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.util.Map;

/** Turns a {@link Graph} into an ONNX ModelProto (IR version 10) with the generated proto classes. */
public final class OnnxEmitter {
    public static final long IR_VERSION = 10;

    private OnnxEmitter() {
    }

    /**
     * @param withValueInfo also declare every intermediate value's type and shape (symbolic dims
     *     as dim_param); ONNX Runtime infers them anyway, so this only helps readers and tools
     */
    public static ModelProto emit(Graph graph, boolean withValueInfo) {
        GraphProto.Builder g = GraphProto.newBuilder().setName(graph.name());
        for (Value v : graph.inputs()) {
            g.addInput(valueInfo(v.name(), v));
        }
        for (Initializer init : graph.initializers()) {
            g.addInitializer(tensor(init));
        }
        for (Node node : graph.nodes()) {
            NodeProto.Builder n = NodeProto.newBuilder().setName(node.name()).setOpType(node.op().type())
                    .setDomain(node.op().domain()).addAllAttribute(node.op().attributes());
            node.inputs().forEach(v -> n.addInput(v.name()));
            node.outputs().forEach(v -> n.addOutput(v.name()));
            g.addNode(n);
            if (withValueInfo) {
                node.outputs().stream().filter(v -> !graph.outputs().containsValue(v))
                        .forEach(v -> g.addValueInfo(valueInfo(v.name(), v)));
            }
        }
        for (Map.Entry<String, Value> out : graph.outputs().entrySet()) {
            g.addOutput(valueInfo(out.getKey(), out.getValue()));
        }
        ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(IR_VERSION)
                .setProducerName("hyperdas-graphs").setGraph(g);
        graph.opsets().forEach((domain, version) ->
                model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version)));
        return model.build();
    }

    private static ValueInfoProto valueInfo(String name, Value v) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Dim d : v.shape().dims()) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Dim.Static s) {
                dim.setDimValue(s.size());
            } else {
                dim.setDimParam(d.toString());
            }
            shape.addDim(dim);
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(v.dtype().onnxCode()).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private static TensorProto tensor(Initializer init) {
        Value v = init.value();
        TensorProto.Builder t = TensorProto.newBuilder().setName(v.name()).setDataType(v.dtype().onnxCode());
        for (long d : v.shape().staticDims()) {
            t.addDims(d);
        }
        if (init.data() instanceof HostTensor inline) {
            t.setRawData(ByteString.copyFrom(inline.buffer()));
        } else if (init.data() instanceof ExternalData ext) {
            t.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", ext.location()))
                    .addExternalData(entry("offset", Long.toString(ext.offset())))
                    .addExternalData(entry("length", Long.toString(ext.length())));
        }
        return t.build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
