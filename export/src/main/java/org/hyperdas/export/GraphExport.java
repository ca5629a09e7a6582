package org.hyperdas.export;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.OnnxEmitter;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * Turns a built {@link Graph} into an exported .onnx file that follows its {@link GraphSpec}:
 * <ul>
 *   <li>inputs nothing reads (the builders declare e.g. label inputs that an exported graph does
 *       not use) and initializers nothing reads are dropped;
 *   <li>the inputs and outputs must be exactly the spec's, with its element types and ranks;
 *       they are put in the spec's order, and each dim gets the spec's name ({@code dim_param})
 *       or, for a fixed dim, must already be the manifest's number;
 *   <li>the default-domain opset must be the spec's;
 *   <li>every node input must be defined before use;
 *   <li>producer, and metadata {@code hyperdas.spec}, {@code hyperdas.spec_version} and the
 *       caller's entries, are set.
 * </ul>
 * A graph that breaks a rule is a bug of the exporter, reported as {@link IllegalStateException}.
 */
public final class GraphExport {
    public static final String META_SPEC = "hyperdas.spec";
    public static final String META_SPEC_VERSION = "hyperdas.spec_version";

    private GraphExport() {
    }

    /**
     * The conforming model.
     *
     * @param fixedDims the value of each fixed dim of the spec, by dim name
     * @param metadata extra metadata_props (method, mode, ...)
     */
    public static ModelProto model(Graph graph, GraphSpec spec, Map<String, Long> fixedDims,
            ExportManifest.Producer producer, Map<String, String> metadata) {
        ModelProto emitted = OnnxEmitter.emit(graph, false);
        GraphProto g = emitted.getGraph();
        String where = "graph '" + graph.name() + "' (spec " + spec.spec() + ")";

        Set<String> read = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            read.addAll(n.getInputList());
        }
        for (ValueInfoProto o : g.getOutputList()) {
            read.add(o.getName());
        }
        Map<String, ValueInfoProto> inputs = new LinkedHashMap<>();
        for (ValueInfoProto in : g.getInputList()) {
            if (read.contains(in.getName())) {
                inputs.put(in.getName(), in);
            }
        }
        Map<String, ValueInfoProto> outputs = new LinkedHashMap<>();
        g.getOutputList().forEach(o -> outputs.put(o.getName(), o));
        checkNames(where, "inputs", inputs.keySet(), spec.inputs());
        checkNames(where, "outputs", outputs.keySet(), spec.outputs());

        GraphProto.Builder out = g.toBuilder().clearInput().clearOutput().clearInitializer();
        for (GraphSpec.TensorSpec t : spec.inputs()) {
            out.addInput(conform(where, inputs.get(t.name()), t, spec, fixedDims));
        }
        for (TensorProto init : g.getInitializerList()) {
            if (read.contains(init.getName())) {
                out.addInitializer(init);
            }
        }
        for (GraphSpec.TensorSpec t : spec.outputs()) {
            out.addOutput(conform(where, outputs.get(t.name()), t, spec, fixedDims));
        }
        GraphProto finished = out.build();
        checkDefinedBeforeUse(where, finished);

        int opset = -1;
        for (OperatorSetIdProto o : emitted.getOpsetImportList()) {
            if (o.getDomain().isEmpty()) {
                opset = (int) o.getVersion();
            }
        }
        if (opset != spec.opset()) {
            throw new IllegalStateException(where + ": default-domain opset " + opset + ", the spec says "
                    + spec.opset());
        }
        ModelProto.Builder m = emitted.toBuilder().setGraph(finished).setProducerName(producer.name())
                .setProducerVersion(producer.version()).setDocString(spec.description()).clearMetadataProps();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_SPEC, spec.spec());
        meta.put(META_SPEC_VERSION, Integer.toString(spec.specVersion()));
        meta.putAll(metadata);
        meta.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** {@link #model}, written atomically to {@code file}. */
    public static void write(Path file, Graph graph, GraphSpec spec, Map<String, Long> fixedDims,
            ExportManifest.Producer producer, Map<String, String> metadata) throws IOException {
        AtomicFiles.writeBytes(file, model(graph, spec, fixedDims, producer, metadata).toByteArray());
    }

    private static void checkNames(String where, String what, Set<String> actual, List<GraphSpec.TensorSpec> spec) {
        Set<String> expected = new HashSet<>();
        spec.forEach(t -> expected.add(t.name()));
        if (!actual.equals(expected)) {
            throw new IllegalStateException(where + ": " + what + " " + actual + ", the spec lists " + expected);
        }
    }

    private static ValueInfoProto conform(String where, ValueInfoProto v, GraphSpec.TensorSpec t, GraphSpec spec,
            Map<String, Long> fixedDims) {
        TypeProto.Tensor tensor = v.getType().getTensorType();
        if (tensor.getElemType() != t.onnxElemType()) {
            throw new IllegalStateException(where + ": '" + t.name() + "' has elem_type " + tensor.getElemType()
                    + ", the spec says " + t.dtype());
        }
        List<TensorShapeProto.Dimension> dims = tensor.getShape().getDimList();
        if (dims.size() != t.shape().size()) {
            throw new IllegalStateException(where + ": '" + t.name() + "' has rank " + dims.size() + ", the spec says "
                    + t.shape());
        }
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.size(); i++) {
            String name = t.shape().get(i);
            GraphSpec.DimSpec d = spec.dim(name).orElseThrow(() -> new IllegalStateException(
                    "spec " + spec.spec() + ": dim '" + name + "' of '" + t.name() + "' is not among its dims"));
            TensorShapeProto.Dimension actual = dims.get(i);
            if (d.fixed()) {
                Long value = fixedDims.get(name);
                if (value == null || !actual.hasDimValue() || actual.getDimValue() != value) {
                    throw new IllegalStateException(where + ": '" + t.name() + "' dim " + i + " is " + actual
                            + ", expected the fixed " + name + " = " + value);
                }
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(value));
            } else {
                if (actual.hasDimValue()) {
                    throw new IllegalStateException(where + ": '" + t.name() + "' dim " + i + " is the number "
                            + actual.getDimValue() + ", the spec says the dynamic " + name);
                }
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(name));
            }
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(tensor.getElemType()).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(t.name()).setType(type).setDocString(t.meaning()).build();
    }

    private static void checkDefinedBeforeUse(String where, GraphProto g) {
        Set<String> defined = new HashSet<>();
        g.getInputList().forEach(v -> defined.add(v.getName()));
        g.getInitializerList().forEach(t -> defined.add(t.getName()));
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw new IllegalStateException(where + ": node '" + n.getName() + "' reads '" + in
                            + "' before anything defines it");
                }
            }
            for (String o : n.getOutputList()) {
                defined.add(o);
            }
        }
        for (ValueInfoProto o : g.getOutputList()) {
            if (!defined.contains(o.getName())) {
                throw new IllegalStateException(where + ": output '" + o.getName() + "' is produced by no node");
            }
        }
    }
}
