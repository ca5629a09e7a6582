package org.hyperdas.graphs;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hyperdas.graphs.ops.ElementwiseOps;
import org.hyperdas.graphs.ops.IndexOps;
import org.hyperdas.graphs.ops.ShapeOps;
import org.hyperdas.runtime.feeds.Feed;

/**
 * A graph under construction. Nodes are appended in a valid topological order (an op can only
 * use values that exist), which {@link Autodiff} and the emitter rely on.
 *
 * <p>Graph inputs come in two kinds with the same ONNX form: {@link #input} for data fed each run
 * and {@link #parameter} for trainable tensors (also fed each run, because ONNX Runtime freezes
 * initializers at session creation); {@link #parameters()} lists the latter for optimizers.
 * Frozen tensors are initializers, inline ({@link #initializer}) or in an external file
 * ({@link #externalInitializer}).
 */
public final class Graph {
    /** The default-domain opset the ops are written against (axes as inputs, ScatterND reduction). */
    public static final int DEFAULT_OPSET = 21;

    private static final Pattern VALID_NAME = Pattern.compile("[A-Za-z0-9_.:/\\-\\[\\]]+");

    private final String name;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Value> inputs = new ArrayList<>();
    private final List<Value> parameters = new ArrayList<>();
    private final List<Initializer> initializers = new ArrayList<>();
    private final Map<String, Value> outputs = new LinkedHashMap<>();
    private final Map<Value, Value> outerValues = new LinkedHashMap<>();
    private final Map<String, Integer> opsets = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, Value> scalarCache = new HashMap<>();
    private final Deque<String> scopes = new ArrayDeque<>();
    private long counter;

    public Graph(String name) {
        checkName(name);
        this.name = name;
        opsets.put("", DEFAULT_OPSET);
    }

    public String name() {
        return name;
    }

    // ---- graph inputs and initializers ----

    /** Data fed on each run (a batch, a mask, token ids). */
    public Value input(String name, DType dtype, Shape shape) {
        Value v = newValue(name, ValueType.of(dtype, shape));
        inputs.add(v);
        return v;
    }

    /** The schema's feed {@code feed}: its name, element type and symbolic dims. */
    public Value input(Feed feed) {
        DType dtype = switch (feed.type()) {
            case INT64 -> DType.INT64;
            case FLOAT32 -> DType.FLOAT32;
            case BOOL -> DType.BOOL;
        };
        return input(feed.name(), dtype, Shape.of(feed.dims().toArray()));
    }

    /**
     * The schema's float feed {@code feed} in the compute dtype {@code floatType} (a graph built in
     * float64 widens its float32 feeds).
     */
    public Value input(Feed feed, DType floatType) {
        if (feed.type() != Feed.ElementType.FLOAT32 || !floatType.isFloating()) {
            throw new GraphBuildException("input " + feed + ": only float feeds take a compute dtype, got " + floatType);
        }
        return input(feed.name(), floatType, Shape.of(feed.dims().toArray()));
    }

    /** A trainable tensor: a graph input too, but listed in {@link #parameters()}. */
    public Value parameter(String name, DType dtype, Shape shape) {
        Value v = input(name, dtype, shape);
        parameters.add(v);
        return v;
    }

    /** A frozen tensor stored inline in the model. */
    public Value initializer(String name, HostTensor data) {
        Value v = newValue(name, constantType(data));
        initializers.add(new Initializer(v, data));
        return v;
    }

    /** A frozen tensor whose bytes stay in an external file (e.g. inside a .safetensors file). */
    public Value externalInitializer(String name, DType dtype, Shape shape, ExternalData data) {
        if (!shape.isStatic()) {
            throw new GraphBuildException("external initializer '" + name + "': shape " + shape + " must be static");
        }
        long expected = shape.numElements() * dtype.byteSize();
        if (data.length() != expected) {
            throw new GraphBuildException("external initializer '" + name + "': " + dtype + shape + " needs "
                    + expected + " bytes, external data has length " + data.length());
        }
        Value v = newValue(name, ValueType.of(dtype, shape));
        initializers.add(new Initializer(v, data));
        return v;
    }

    /** An inline constant with a generated name. */
    public Value constant(HostTensor data) {
        return initializer(freshName("Constant"), data);
    }

    /** A 1-D int64 constant, the usual form of shapes, axes and indices. */
    public Value constantLongs(long... values) {
        return constant(HostTensor.ofLongs(values, values.length));
    }

    /** A rank-0 constant of the given dtype; one per (dtype, value) in the graph. */
    public Value scalar(double value, DType dtype) {
        String key = dtype + ":" + Double.doubleToLongBits(value);
        return scalarCache.computeIfAbsent(key, k -> constant(HostTensor.scalar(value, dtype)));
    }

    private static ValueType constantType(HostTensor data) {
        Shape shape = Shape.ofStatic(data.shape());
        boolean smallIndexVector = (data.dtype() == DType.INT64 || data.dtype() == DType.INT32)
                && shape.rank() <= 1 && data.numElements() <= 64;
        if (!smallIndexVector) {
            return ValueType.of(data.dtype(), shape);
        }
        List<Dim> contents = Arrays.stream(data.toLongs()).mapToObj(Dim::of).toList();
        return new ValueType(data.dtype(), shape, contents);
    }

    /**
     * A value of an enclosing graph (an input or initializer of the graph a Loop with this body is
     * added to) that this graph reads by its name; it is no input of this graph. Reads of one outer
     * value share a reference.
     */
    public Value outer(Value value) {
        if (value.graph() == this || value.producer() != null) {
            throw new GraphBuildException("graph '" + name + "': outer value " + value + " must be an input or"
                    + " initializer of an enclosing graph");
        }
        for (Map.Entry<Value, Value> e : outerValues.entrySet()) {
            if (e.getValue() == value) {
                return e.getKey();
            }
        }
        Value ref = newValue(value.name(), value.type());
        outerValues.put(ref, value);
        return ref;
    }

    /** References made by {@link #outer}, each with the enclosing graph's value it stands for. */
    public Map<Value, Value> outerValues() {
        return Collections.unmodifiableMap(outerValues);
    }

    // ---- outputs ----

    /** Declares a graph output; adds an Identity when the value is named differently. */
    public Value output(String name, Value value) {
        checkOwn(value);
        Value named = value.name().equals(name) ? value : apply(name, ElementwiseOps.Unary.IDENTITY, value).get(0);
        if (outputs.putIfAbsent(name, named) != null) {
            throw new GraphBuildException("graph '" + this.name + "': output '" + name + "' declared twice");
        }
        return named;
    }

    // ---- ops without a natural receiver (the rest are methods of Value) ----

    public Value concat(int axis, Value... values) {
        return apply1(new ShapeOps.Concat(axis), values);
    }

    public Value concat(int axis, List<Value> values) {
        return concat(axis, values.toArray(Value[]::new));
    }

    /** Elementwise {@code condition ? a : b} with broadcasting. */
    public Value where(Value condition, Value a, Value b) {
        return apply1(new ElementwiseOps.Where(), condition, a, b);
    }

    /** [start, limit) in steps of delta; rank-0 inputs of one numeric dtype. */
    public Value range(Value start, Value limit, Value delta) {
        return apply1(new ShapeOps.Range(), start, limit, delta);
    }

    /** A tensor of the shape held by the 1-D int64 {@code shape}, filled with {@code value}. */
    public Value constantOfShape(Value shape, double value, DType dtype) {
        return apply1(new ShapeOps.ConstantOfShape(value, dtype), shape);
    }

    public Value zeros(Value shape, DType dtype) {
        return constantOfShape(shape, 0, dtype);
    }

    /** Lower (or upper) triangle of the last two axes, e.g. a causal mask from a ones matrix. */
    public Value trilu(Value x, boolean upper, long k) {
        return apply1(new IndexOps.Trilu(upper, k), x, scalar(k, DType.INT64));
    }

    // ---- low-level node creation ----

    /** Adds a node with a generated name, checking the op's shape rule first. */
    public List<Value> apply(Op op, Value... operands) {
        return apply(freshName(op.type()), op, operands);
    }

    /** Like {@link #apply(Op, Value...)} for single-output ops. */
    public Value apply1(Op op, Value... operands) {
        List<Value> out = apply(op, operands);
        if (out.size() != 1) {
            throw new GraphBuildException(op.type() + ": has " + out.size() + " outputs, expected one");
        }
        return out.get(0);
    }

    /** Adds a node whose (single) output gets exactly {@code name}. */
    public List<Value> apply(String name, Op op, Value... operands) {
        List<Value> in = List.of(operands);
        for (Value v : in) {
            checkOwn(v);
        }
        List<ValueType> types = op.inferTypes(in);
        checkName(name);
        if (types.size() == 1) {
            claim(name);
        } else {
            for (int i = 0; i < types.size(); i++) {
                claim(name + ":" + i);
            }
        }
        Node node = new Node(this, name, op, in, types);
        nodes.add(node);
        return node.outputs();
    }

    /**
     * Prefixes generated names ("grad/Mul_12", "blocks.0/MatMul_3") until closed; scopes nest.
     * Explicit names (inputs, outputs, aliases) are never prefixed.
     */
    public Scope scope(String prefix) {
        checkName(prefix);
        scopes.push(prefix);
        return () -> {
            if (!scopes.isEmpty() && scopes.peek().equals(prefix)) {
                scopes.pop();
            }
        };
    }

    /** An open name scope; closing it ends the prefix. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** A symbolic dim for a size the IR cannot express (e.g. a data-dependent reshape). */
    public Dim freshDim() {
        return Dim.of("?" + (++counter));
    }

    /** Registers another opset, e.g. {@code useOpset("com.microsoft", 1)} for contrib ops. */
    public void useOpset(String domain, int version) {
        opsets.put(domain, version);
    }

    // ---- views ----

    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** All graph inputs (data and parameters) in creation order. */
    public List<Value> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    public List<Value> parameters() {
        return Collections.unmodifiableList(parameters);
    }

    public List<Initializer> initializers() {
        return Collections.unmodifiableList(initializers);
    }

    public Map<String, Value> outputs() {
        return Collections.unmodifiableMap(outputs);
    }

    public Map<String, Integer> opsets() {
        return Collections.unmodifiableMap(opsets);
    }

    // ---- emission ----

    public ModelProto toModelProto() {
        return OnnxEmitter.emit(this, false);
    }

    public byte[] toBytes() {
        return toModelProto().toByteArray();
    }

    /** Writes the model; external-data locations resolve against the file's folder. */
    public void writeTo(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        boolean moved = false;
        try {
            Files.write(tmp, toBytes());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp); // a failed write (disk full) leaves no half-written file
            }
        }
    }

    // ---- naming ----

    private Value newValue(String name, ValueType type) {
        checkName(name);
        claim(name);
        return new Value(this, name, type, null);
    }

    private String freshName(String base) {
        String prefix = String.join("/", (Iterable<String>) scopes::descendingIterator);
        String candidate;
        do {
            candidate = (prefix.isEmpty() ? "" : prefix + "/") + base + "_" + (++counter);
        } while (names.contains(candidate));
        return candidate;
    }

    private void claim(String valueName) {
        if (!names.add(valueName)) {
            throw new GraphBuildException("graph '" + name + "': name '" + valueName + "' is already used");
        }
    }

    private static void checkName(String name) {
        if (name == null || !VALID_NAME.matcher(name).matches()) {
            throw new GraphBuildException("invalid name '" + name + "': use letters, digits and _ . : / - [ ]");
        }
    }

    private void checkOwn(Value v) {
        if (v.graph() != this) {
            throw new GraphBuildException("value '" + v.name() + "' belongs to graph '" + v.graph().name()
                    + "', not '" + name + "'");
        }
    }
}
