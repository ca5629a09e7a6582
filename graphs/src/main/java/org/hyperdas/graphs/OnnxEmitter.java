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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.hyperdas.graphs.ops.ElementwiseOps;

/** Turns a {@link Graph} into an ONNX ModelProto (IR version 10) with the generated proto classes. */
public final class OnnxEmitter {
    public static final long IR_VERSION = 10;

    private OnnxEmitter() {
    }

    /**
     * Emits the nodes some graph output depends on, in graph order; nodes nothing reads (a dead
     * branch, a backward node whose result a later peephole made unnecessary) are left out, since
     * ONNX Runtime would run them anyway. An output that {@link Graph#output} had to rename with an
     * Identity is instead emitted as the producing node's own output name when nothing else claims
     * that value: an Identity on a graph output is a full copy in ONNX Runtime.
     *
     * @param withValueInfo also declare every intermediate value's type and shape (symbolic dims
     *     as dim_param); ONNX Runtime infers them anyway, so this only helps readers and tools
     */
    public static ModelProto emit(Graph graph, boolean withValueInfo) {
        ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(IR_VERSION)
                .setProducerName("hyperdas-graphs").setGraph(graphProto(graph, withValueInfo, ""));
        graph.opsets().forEach((domain, version) ->
                model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version)));
        return model.build();
    }

    /**
     * A Loop body as a subgraph. ONNX names share one scope across a model and its subgraphs, so
     * every name of the body's own (inputs, initializers, nodes, outputs) is emitted with the
     * prefix "{@code body.name()}/"; a {@link Graph#outer} reference keeps the enclosing graph's name.
     */
    public static GraphProto subgraph(Graph body) {
        return graphProto(body, false, body.name() + "/").build();
    }

    private static GraphProto.Builder graphProto(Graph graph, boolean withValueInfo, String prefix) {
        Map<Value, String> renamed = outputRenames(graph);
        Set<Node> live = liveNodes(graph);
        Map<Value, Value> outer = graph.outerValues();
        Function<Value, String> nameOf = v -> outer.containsKey(v) ? v.name()
                : prefix + renamed.getOrDefault(v, v.name());
        GraphProto.Builder g = GraphProto.newBuilder().setName(graph.name());
        for (Value v : graph.inputs()) {
            g.addInput(valueInfo(nameOf.apply(v), v));
        }
        for (Initializer init : graph.initializers()) {
            g.addInitializer(tensor(init, prefix));
        }
        for (Node node : graph.nodes()) {
            if (!live.contains(node) || isRenamedOutput(node, renamed)) {
                continue;
            }
            NodeProto.Builder n = NodeProto.newBuilder().setName(prefix + node.name()).setOpType(node.op().type())
                    .setDomain(node.op().domain()).addAllAttribute(node.op().attributes());
            node.inputs().forEach(v -> n.addInput(nameOf.apply(v)));
            node.outputs().forEach(v -> n.addOutput(nameOf.apply(v)));
            g.addNode(n);
            if (withValueInfo) {
                node.outputs().stream().filter(v -> !graph.outputs().containsValue(v) && !renamed.containsKey(v))
                        .forEach(v -> g.addValueInfo(valueInfo(nameOf.apply(v), v)));
            }
        }
        for (Map.Entry<String, Value> out : graph.outputs().entrySet()) {
            g.addOutput(valueInfo(prefix + out.getKey(), out.getValue()));
        }
        return g;
    }

    /** Nodes with a path to a graph output. */
    private static Set<Node> liveNodes(Graph graph) {
        Set<Value> needed = new HashSet<>(graph.outputs().values());
        Set<Node> live = new HashSet<>();
        List<Node> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            if (node.outputs().stream().anyMatch(needed::contains)) {
                live.add(node);
                needed.addAll(node.inputs());
            }
        }
        return live;
    }

    /**
     * Values to emit under a graph output's name: the input of each Identity that
     * {@link Graph#output} added, when that input is a node's output, is not a graph output
     * itself, and no earlier output claimed it.
     */
    private static Map<Value, String> outputRenames(Graph graph) {
        Set<Value> outputValues = new HashSet<>(graph.outputs().values());
        Map<Value, String> renamed = new HashMap<>();
        for (Map.Entry<String, Value> out : graph.outputs().entrySet()) {
            Node identity = out.getValue().producer();
            if (identity == null || identity.op() != ElementwiseOps.Unary.IDENTITY) {
                continue;
            }
            Value source = identity.input(0);
            if (source.producer() != null && !outputValues.contains(source) && !renamed.containsKey(source)) {
                renamed.put(source, out.getKey());
            }
        }
        return renamed;
    }

    /** The Identity of an output whose source is emitted under the output's name instead. */
    private static boolean isRenamedOutput(Node node, Map<Value, String> renamed) {
        return node.op() == ElementwiseOps.Unary.IDENTITY && node.output(0).name().equals(renamed.get(node.input(0)));
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

    private static TensorProto tensor(Initializer init, String prefix) {
        Value v = init.value();
        TensorProto.Builder t = TensorProto.newBuilder().setName(prefix + v.name()).setDataType(v.dtype().onnxCode());
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
