package org.hyperdas.graphs.exec;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;

/**
 * Runs a graph (or a model file) on ONNX Runtime's CPU provider with named {@link HostTensor}s.
 * Inputs are passed zero-copy (direct buffers); outputs are copied into new HostTensors. Meant for
 * tests, tools and small runs; a training loop wants pinned outputs instead.
 */
public final class GraphRunner implements AutoCloseable {
    private final OrtSession session;

    private GraphRunner(OrtSession session) {
        this.session = session;
    }

    /** The process-wide ONNX Runtime environment (one per JVM). */
    public static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }

    public static GraphRunner open(Graph graph) throws OrtException {
        return open(graph, new OrtSession.SessionOptions());
    }

    /** Opens a graph whose external initializers live in {@code externalDataFolder}. */
    public static GraphRunner open(Graph graph, Path externalDataFolder) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.addConfigEntry("session.model_external_initializers_file_folder_path",
                externalDataFolder.toAbsolutePath().toString());
        return open(graph, options);
    }

    public static GraphRunner open(Graph graph, OrtSession.SessionOptions options) throws OrtException {
        return new GraphRunner(environment().createSession(graph.toBytes(), options));
    }

    /** Opens a model file; external data resolves against its folder. */
    public static GraphRunner open(Path modelFile) throws OrtException {
        return new GraphRunner(environment().createSession(modelFile.toString(), new OrtSession.SessionOptions()));
    }

    public OrtSession session() {
        return session;
    }

    /** Runs with the given inputs and returns every graph output by name. */
    public Map<String, HostTensor> run(Map<String, HostTensor> inputs) throws OrtException {
        return run(inputs, session.getOutputNames());
    }

    /** Runs computing only the named outputs (ONNX Runtime skips nodes they do not need). */
    public Map<String, HostTensor> run(Map<String, HostTensor> inputs, Set<String> outputNames) throws OrtException {
        OrtEnvironment env = environment();
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : inputs.entrySet()) {
                OnnxTensor t = toOrt(env, e.getValue());
                created.add(t);
                feeds.put(e.getKey(), t);
            }
            Map<String, HostTensor> outputs = new LinkedHashMap<>();
            try (OrtSession.Result result = session.run(feeds, outputNames)) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    outputs.put(e.getKey(), fromOrt((OnnxTensor) e.getValue()));
                }
            }
            return outputs;
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor toOrt(OrtEnvironment env, HostTensor t) throws OrtException {
        // HostTensor bytes are little-endian; ORT reads native order, the same on every platform it ships for.
        ByteBuffer data = t.buffer().order(ByteOrder.nativeOrder());
        return switch (t.dtype()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, data.asFloatBuffer(), t.shape());
            case FLOAT64 -> OnnxTensor.createTensor(env, data.asDoubleBuffer(), t.shape());
            case INT32 -> OnnxTensor.createTensor(env, data.asIntBuffer(), t.shape());
            case INT64 -> OnnxTensor.createTensor(env, data.asLongBuffer(), t.shape());
            case BOOL -> OnnxTensor.createTensor(env, data, t.shape(), OnnxJavaType.BOOL);
            case FLOAT16 -> OnnxTensor.createTensor(env, data, t.shape(), OnnxJavaType.FLOAT16);
            case BFLOAT16 -> OnnxTensor.createTensor(env, data, t.shape(), OnnxJavaType.BFLOAT16);
        };
    }

    private static HostTensor fromOrt(OnnxTensor t) {
        TensorInfo info = t.getInfo();
        DType dtype = switch (info.type) {
            case FLOAT -> DType.FLOAT32;
            case DOUBLE -> DType.FLOAT64;
            case INT32 -> DType.INT32;
            case INT64 -> DType.INT64;
            case BOOL -> DType.BOOL;
            case FLOAT16 -> DType.FLOAT16;
            case BFLOAT16 -> DType.BFLOAT16;
            default -> throw new IllegalStateException("unsupported output type " + info.type);
        };
        ByteBuffer bytes = t.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return HostTensor.wrap(dtype, info.getShape(), bytes);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
