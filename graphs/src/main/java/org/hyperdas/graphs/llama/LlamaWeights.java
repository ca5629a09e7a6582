package org.hyperdas.graphs.llama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.ExternalData;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * Where a Llama graph gets its weights, by Hugging Face tensor name
 * ({@code model.layers.3.mlp.up_proj.weight}, see {@code LlamaConfig.expectedTensors()}):
 * <ul>
 *   <li>{@link #external}: frozen initializers whose bytes stay in the model's .safetensors files
 *       (ONNX external data pointing at each tensor's byte range; no converted copy is written).
 *       F32 tensors are used as they are; BF16/F16 ones are declared in their own dtype and Cast to
 *       float32, a Cast of a constant that ONNX Runtime folds once at session creation. The
 *       locations are relative to {@link #externalDataFolder()}, which the session must get as
 *       {@code session.model_external_initializers_file_folder_path} (ONNX Runtime rejects
 *       absolute locations and paths leaving that folder).
 *   <li>{@link #inputs}: graph parameters (inputs fed each run) named exactly as the HF tensors,
 *       for training the model's own weights and for graphs too big to hold weights.
 *   <li>{@link #inline}: initializers stored in the model bytes (tests, tiny models).
 * </ul>
 * A weight is declared in a graph the first time a builder asks for it and reused after that, so
 * several prefixes built into one graph share one copy.
 *
 * <p>{@link #prefixed} puts a prefix before every name the graph gets, while tensors are still
 * looked up by their HF names: a graph can then hold two models built from the same checkpoint
 * layout, e.g. a frozen target ({@code model.layers.0...} initializers) and a trainable copy of
 * some of its layers ({@code hypernet.model.layers.0...} parameters).
 */
public final class LlamaWeights {
    private enum Kind { EXTERNAL, INPUTS, INLINE }

    private final Kind kind;
    private final WeightStore store;
    private final Path folder;
    private final DType inputType;
    private final Map<String, HostTensor> tensors;
    private final String prefix;
    private final boolean storeNamesPrefixed;
    private final Map<Graph, Map<String, Value>> declared = Collections.synchronizedMap(new WeakHashMap<>());

    private LlamaWeights(Kind kind, WeightStore store, DType inputType, Map<String, HostTensor> tensors,
            String prefix) {
        this(kind, store, store == null ? null : commonFolder(store), inputType, tensors, prefix, false);
    }

    private LlamaWeights(Kind kind, WeightStore store, Path folder, DType inputType, Map<String, HostTensor> tensors,
            String prefix, boolean storeNamesPrefixed) {
        this.kind = kind;
        this.store = store;
        this.folder = folder;
        this.inputType = inputType;
        this.tensors = tensors;
        this.prefix = prefix;
        this.storeNamesPrefixed = storeNamesPrefixed;
    }

    /** Frozen weights read by ONNX Runtime straight from the safetensors files of {@code store}. */
    public static LlamaWeights external(WeightStore store) {
        return new LlamaWeights(Kind.EXTERNAL, store, null, Map.of(), "");
    }

    /**
     * Frozen external weights of a store whose tensor names already carry {@code prefix}, e.g. a
     * run's parameters.safetensors ({@code hypernet.model.layers.0.mlp.up_proj.weight}): asked for
     * {@code name}, it reads the store's tensor {@code prefix + name} and declares it under that
     * same name.
     */
    public static LlamaWeights external(WeightStore store, String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new GraphBuildException("weights: a name prefix must be non-empty");
        }
        return new LlamaWeights(Kind.EXTERNAL, store, commonFolder(store), null, Map.of(), prefix, true);
    }

    /** Weights as float32 graph parameters named as the HF tensors. */
    public static LlamaWeights inputs() {
        return inputs(DType.FLOAT32);
    }

    /** Weights as graph parameters of {@code dtype} (float32 or float64) named as the HF tensors. */
    public static LlamaWeights inputs(DType dtype) {
        return new LlamaWeights(Kind.INPUTS, null, dtype, Map.of(), "");
    }

    /** Weights stored inline in the model (the tensors' own dtype, cast to the compute dtype if needed). */
    public static LlamaWeights inline(Map<String, HostTensor> tensors) {
        return new LlamaWeights(Kind.INLINE, null, null, Map.copyOf(tensors), "");
    }

    /**
     * The same weights declared under {@code prefix + name} in a graph (e.g. "hypernet." gives the
     * parameter {@code hypernet.model.layers.0.mlp.up_proj.weight}); tensors are still read under
     * their unprefixed names. Prefixes add up: {@code prefixed("a.").prefixed("b.")} names "a.b.x".
     * The result keeps its own record of declared weights.
     */
    public LlamaWeights prefixed(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new GraphBuildException("weights: a name prefix must be non-empty");
        }
        return new LlamaWeights(kind, store, folder, inputType, tensors, this.prefix + prefix, storeNamesPrefixed);
    }

    /** The prefix put before every graph name ("" unless {@link #prefixed}). */
    public String prefix() {
        return prefix;
    }

    /**
     * The folder external locations are relative to (pass it to the session); empty unless
     * {@link #external}. Usually the model folder; for a Hugging Face cache snapshot, whose files
     * are symlinks into {@code ../../blobs}, the blobs folder (the deepest folder holding every
     * weight file's real location), so no location leaves the folder ONNX Runtime is given.
     */
    public Optional<Path> externalDataFolder() {
        return kind == Kind.EXTERNAL ? Optional.of(folder()) : Optional.empty();
    }

    /** True when the weights are graph inputs that every run must feed. */
    public boolean areInputs() {
        return kind == Kind.INPUTS;
    }

    private Path folder() {
        return folder;
    }

    /** The deepest folder holding the real (symlinks resolved) location of every weight file. */
    private static Path commonFolder(WeightStore store) {
        Path common = null;
        for (SafetensorsFile file : store.files()) {
            Path parent = realPath(file.path()).getParent();
            if (common == null) {
                common = parent;
            }
            while (!parent.startsWith(common)) {
                common = common.getParent();
            }
        }
        return common == null ? store.folder().toAbsolutePath().normalize() : common;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new GraphBuildException("weights: cannot resolve " + p + ": " + e.getMessage());
        }
    }

    /**
     * The weight {@code name} of static {@code shape} in {@code graph}, as {@code computeType};
     * declared on first use (as {@code prefix() + name}) and cached per graph. Any name the
     * source holds may be asked for, not only those of a Llama checkpoint (inputs hold any name).
     */
    public Value get(Graph graph, String name, long[] shape, DType computeType) {
        Map<String, Value> perGraph = declared.computeIfAbsent(graph, g -> new HashMap<>());
        String key = name + "@" + computeType;
        Value cached = perGraph.get(key);
        if (cached != null) {
            return cached;
        }
        Value stored = perGraph.get(name);
        if (stored == null) {
            stored = declare(graph, name, shape);
            perGraph.put(name, stored);
        }
        Value v = stored.dtype() == computeType ? stored : stored.cast(computeType);
        perGraph.put(key, v);
        return v;
    }

    private Value declare(Graph graph, String name, long[] shape) {
        String graphName = prefix + name;
        return switch (kind) {
            case INPUTS -> graph.parameter(graphName, inputType, Shape.ofStatic(shape));
            case INLINE -> {
                HostTensor t = tensors.get(name);
                if (t == null) {
                    throw new GraphBuildException("inline weights: no tensor '" + name + "'");
                }
                checkShape(name, t.shape(), shape);
                yield graph.initializer(graphName, t);
            }
            case EXTERNAL -> {
                TensorInfo t = store.tensor(storeNamesPrefixed ? graphName : name);
                checkShape(name, t.shape(), shape);
                Path file = realPath(t.file());
                if (!file.startsWith(folder())) {
                    throw new GraphBuildException("weights: " + file + " is not inside " + folder()
                            + " (external data must stay inside the session's folder)");
                }
                String location = folder().relativize(file).toString();
                yield graph.externalInitializer(graphName, storageType(t), Shape.ofStatic(shape),
                        new ExternalData(location, t.offset(), t.byteLength()));
            }
        };
    }

    private static DType storageType(TensorInfo t) {
        return switch (t.dtype()) {
            case F32 -> DType.FLOAT32;
            case F64 -> DType.FLOAT64;
            case BF16 -> DType.BFLOAT16;
            case F16 -> DType.FLOAT16;
            default -> throw new GraphBuildException("weights: tensor '" + t.name() + "' has dtype " + t.dtype()
                    + ", expected F32, BF16, F16 or F64");
        };
    }

    private static void checkShape(String name, long[] actual, long[] expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new GraphBuildException("weights: tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + ", the config implies " + Arrays.toString(expected));
        }
    }

    @Override
    public String toString() {
        return "LlamaWeights[" + kind.name().toLowerCase() + (store != null ? " " + folder() : "")
                + (prefix.isEmpty() ? "" : " prefix " + prefix) + "]";
    }
}
