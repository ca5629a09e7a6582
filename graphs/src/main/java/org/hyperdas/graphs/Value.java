package org.hyperdas.graphs;

import java.util.List;
import org.hyperdas.graphs.ops.ElementwiseOps;
import org.hyperdas.graphs.ops.ElementwiseOps.Binary;
import org.hyperdas.graphs.ops.ElementwiseOps.Compare;
import org.hyperdas.graphs.ops.ElementwiseOps.Logical;
import org.hyperdas.graphs.ops.ElementwiseOps.Unary;
import org.hyperdas.graphs.ops.IndexOps;
import org.hyperdas.graphs.ops.LinalgOps;
import org.hyperdas.graphs.ops.ReductionOps;
import org.hyperdas.graphs.ops.ShapeOps;

/**
 * A typed tensor value of a {@link Graph}: a graph input, an initializer or a node output. Values
 * are immutable and compared by identity. The methods apply ops fluently, each checking dtypes and
 * shapes at once: {@code x.matmul(w).add(b).relu()}.
 */
public final class Value {
    private final Graph graph;
    private final String name;
    private final ValueType type;
    private final Node producer;

    Value(Graph graph, String name, ValueType type, Node producer) {
        this.graph = graph;
        this.name = name;
        this.type = type;
        this.producer = producer;
    }

    public Graph graph() {
        return graph;
    }

    public String name() {
        return name;
    }

    public ValueType type() {
        return type;
    }

    public DType dtype() {
        return type.dtype();
    }

    public Shape shape() {
        return type.shape();
    }

    public int rank() {
        return type.shape().rank();
    }

    /** The node computing this value; null for graph inputs and initializers. */
    public Node producer() {
        return producer;
    }

    /** The same tensor under an explicit name (an Identity node; ONNX Runtime removes it). */
    public Value alias(String newName) {
        return graph.apply(newName, Unary.IDENTITY, this).get(0);
    }

    private Value scalarLike(double v) {
        return graph.scalar(v, dtype());
    }

    // ---- elementwise arithmetic (numpy broadcasting) ----

    public Value add(Value other) {
        return graph.apply1(Binary.ADD, this, other);
    }

    public Value add(double c) {
        return add(scalarLike(c));
    }

    public Value sub(Value other) {
        return graph.apply1(Binary.SUB, this, other);
    }

    public Value sub(double c) {
        return sub(scalarLike(c));
    }

    /** {@code c - this}. */
    public Value rsub(double c) {
        return scalarLike(c).sub(this);
    }

    public Value mul(Value other) {
        return graph.apply1(Binary.MUL, this, other);
    }

    public Value mul(double c) {
        return mul(scalarLike(c));
    }

    public Value div(Value other) {
        return graph.apply1(Binary.DIV, this, other);
    }

    public Value div(double c) {
        return div(scalarLike(c));
    }

    /** Elementwise maximum of two tensors. */
    public Value max(Value other) {
        return graph.apply1(Binary.MAX, this, other);
    }

    /** Elementwise minimum of two tensors. */
    public Value min(Value other) {
        return graph.apply1(Binary.MIN, this, other);
    }

    /** {@code this ^ exponent} for a constant exponent. */
    public Value pow(double exponent) {
        return graph.apply1(new ElementwiseOps.Pow(exponent), this, scalarLike(exponent));
    }

    public Value neg() {
        return graph.apply1(Unary.NEG, this);
    }

    public Value exp() {
        return graph.apply1(Unary.EXP, this);
    }

    public Value log() {
        return graph.apply1(Unary.LOG, this);
    }

    public Value sqrt() {
        return graph.apply1(Unary.SQRT, this);
    }

    public Value reciprocal() {
        return graph.apply1(Unary.RECIPROCAL, this);
    }

    public Value sigmoid() {
        return graph.apply1(Unary.SIGMOID, this);
    }

    public Value tanh() {
        return graph.apply1(Unary.TANH, this);
    }

    public Value sin() {
        return graph.apply1(Unary.SIN, this);
    }

    /**
     * Cosine. ONNX Runtime's CPU provider has Cos only for float32; in float64 this is
     * {@code sin(x + pi/2)}, which has the same value and gradient.
     */
    public Value cos() {
        if (dtype() == DType.FLOAT64) {
            return add(Math.PI / 2).sin();
        }
        return graph.apply1(Unary.COS, this);
    }

    public Value relu() {
        return graph.apply1(Unary.RELU, this);
    }

    public Value abs() {
        return graph.apply1(Unary.ABS, this);
    }

    /** -1, 0 or 1 per element; no gradient. */
    public Value sign() {
        return graph.apply1(Unary.SIGN, this);
    }

    public Value identity() {
        return graph.apply1(Unary.IDENTITY, this);
    }

    public Value cast(DType to) {
        return graph.apply1(new ElementwiseOps.Cast(to), this);
    }

    // ---- comparisons and logic (bool results, no gradient) ----

    public Value equal(Value other) {
        return graph.apply1(Compare.EQUAL, this, other);
    }

    public Value less(Value other) {
        return graph.apply1(Compare.LESS, this, other);
    }

    public Value lessOrEqual(Value other) {
        return graph.apply1(Compare.LESS_OR_EQUAL, this, other);
    }

    public Value greater(Value other) {
        return graph.apply1(Compare.GREATER, this, other);
    }

    public Value greaterOrEqual(Value other) {
        return graph.apply1(Compare.GREATER_OR_EQUAL, this, other);
    }

    public Value not() {
        return graph.apply1(Logical.NOT, this);
    }

    public Value and(Value other) {
        return graph.apply1(Logical.AND, this, other);
    }

    public Value or(Value other) {
        return graph.apply1(Logical.OR, this, other);
    }

    // ---- reductions ----

    /** Sum over {@code axes} (all axes when none are given). */
    public Value reduceSum(boolean keepdims, int... axes) {
        return reduce(ReductionOps.Kind.SUM, keepdims, axes);
    }

    public Value reduceMean(boolean keepdims, int... axes) {
        return reduce(ReductionOps.Kind.MEAN, keepdims, axes);
    }

    public Value reduceMax(boolean keepdims, int... axes) {
        return reduce(ReductionOps.Kind.MAX, keepdims, axes);
    }

    private Value reduce(ReductionOps.Kind kind, boolean keepdims, int[] axes) {
        ReductionOps.Reduce op = ReductionOps.Reduce.of(kind, rank(), keepdims, axes);
        if (op.axes().isEmpty()) {
            return graph.apply1(op, this);
        }
        return graph.apply1(op, this, graph.constantLongs(op.axes().stream().mapToLong(Integer::longValue).toArray()));
    }

    /** Index of the maximum along {@code axis} (int64); no gradient. */
    public Value argMax(int axis, boolean keepdims) {
        return graph.apply1(new ReductionOps.ArgMax(axis, keepdims), this);
    }

    // ---- linear algebra and normalisation ----

    /**
     * numpy matmul: batch dims broadcast; 1-D operands are promoted by explicit Unsqueeze/Squeeze
     * around a 2-D MatMul (see {@link LinalgOps#matmul}).
     */
    public Value matmul(Value other) {
        return LinalgOps.matmul(this, other);
    }

    public Value softmax(int axis) {
        return graph.apply1(new LinalgOps.Softmax(axis, false), this);
    }

    public Value logSoftmax(int axis) {
        return graph.apply1(new LinalgOps.Softmax(axis, true), this);
    }

    // ---- shape manipulation ----

    /** Dims start..end-1 of the runtime shape as a 1-D int64 tensor (the IR knows its contents, symbols included). */
    public Value shapeTensor(int start, int end) {
        return graph.apply1(new ShapeOps.ShapeOf(start, end), this);
    }

    /** The runtime shape as a 1-D int64 tensor. */
    public Value shapeTensor() {
        return shapeTensor(0, rank());
    }

    /** Number of elements, a rank-0 int64. */
    public Value size() {
        return graph.apply1(new ShapeOps.Size(), this);
    }

    /**
     * Reshape to a static target: positive sizes, 0 = copy the input dim at the same index,
     * -1 = infer (at most one). Symbolic dims survive through 0 and -1.
     */
    public Value reshape(long... target) {
        return reshape(graph.constantLongs(target));
    }

    /** Reshape to a target held by a 1-D int64 tensor, e.g. built from {@link #shapeTensor(int, int)}. */
    public Value reshape(Value target) {
        return graph.apply1(new ShapeOps.Reshape(), this, target);
    }

    /**
     * Permutes the axes. An identity permutation returns this value, and a transpose that undoes
     * the Transpose producing this value returns that Transpose's input: no node either way (a
     * backward pass through a transposed weight then needs no transpose at all).
     */
    public Value transpose(int... perm) {
        if (perm.length == rank()) {
            if (ShapeOps.Transpose.isIdentity(perm)) {
                return this;
            }
            if (producer != null && producer.op() instanceof ShapeOps.Transpose inner
                    && ShapeOps.Transpose.isIdentity(inner.compose(perm))) {
                return producer.input(0);
            }
        }
        return graph.apply1(new ShapeOps.Transpose(perm), this);
    }

    /** Swaps the last two axes. */
    public Value transposeLastTwo() {
        int[] perm = new int[rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[perm.length - 2] = perm.length - 1;
        perm[perm.length - 1] = perm.length - 2;
        return transpose(perm);
    }

    /** Inserts size-1 axes at {@code axes} (positions in the output). */
    public Value unsqueeze(int... axes) {
        ShapeOps.Unsqueeze op = ShapeOps.Unsqueeze.of(rank(), axes);
        return graph.apply1(op, this, graph.constantLongs(op.longAxes()));
    }

    /** Removes the given axes, which must be static 1s. */
    public Value squeeze(int... axes) {
        ShapeOps.Squeeze op = ShapeOps.Squeeze.of(shape(), axes);
        return graph.apply1(op, this, graph.constantLongs(op.longAxes()));
    }

    /** Splits along {@code axis} into pieces of the given static sizes. */
    public List<Value> split(int axis, long... sizes) {
        return split(axis, graph.constantLongs(sizes), sizes.length);
    }

    /** Splits along {@code axis} into {@code count} pieces whose sizes a 1-D int64 tensor holds. */
    public List<Value> split(int axis, Value sizes, int count) {
        return graph.apply(new ShapeOps.Split(axis, count), this, sizes);
    }

    /** {@code x[start:end]} along one axis. */
    public Value slice(int axis, long start, long end) {
        return slice(new long[] {start}, new long[] {end}, new int[] {axis}, new long[] {1});
    }

    /** ONNX Slice with static starts, ends, axes and steps (ends clamp, negatives count from the end). */
    public Value slice(long[] starts, long[] ends, int[] axes, long[] steps) {
        ShapeOps.Slice op = ShapeOps.Slice.of(rank(), starts, ends, axes, steps);
        return graph.apply1(op, this, graph.constantLongs(starts), graph.constantLongs(ends),
                graph.constantLongs(op.longAxes()), graph.constantLongs(steps));
    }

    /** Broadcasts to the shape held by a 1-D int64 tensor (known at build time, symbols allowed). */
    public Value expand(Value shape) {
        return graph.apply1(new ShapeOps.Expand(), this, shape);
    }

    /** Constant zero padding: {@code pads} = [begin_0..begin_{r-1}, end_0..end_{r-1}], all >= 0. */
    public Value pad(long... pads) {
        return graph.apply1(new ShapeOps.Pad(pads), this, graph.constantLongs(pads));
    }

    // ---- indexing ----

    /** numpy take: {@code indices} (int64/int32, non-negative) select along {@code axis}. */
    public Value gather(Value indices, int axis) {
        return graph.apply1(new IndexOps.Gather(axis), this, indices);
    }

    /** torch.gather: {@code indices} has this value's rank and picks one element per position. */
    public Value gatherElements(Value indices, int axis) {
        return graph.apply1(new IndexOps.GatherElements(axis), this, indices);
    }

    /** Copy with {@code updates} written (or added, reduction "add") at the index tuples. */
    public Value scatterND(Value indices, Value updates, String reduction) {
        return graph.apply1(new IndexOps.ScatterND(reduction), this, indices, updates);
    }

    public Value scatterElements(Value indices, Value updates, int axis, String reduction) {
        return graph.apply1(new IndexOps.ScatterElements(axis, reduction), this, indices, updates);
    }

    /** Running sum along {@code axis}. */
    public Value cumSum(int axis, boolean exclusive, boolean reverse) {
        return graph.apply1(new IndexOps.CumSum(axis, exclusive, reverse), this, graph.scalar(axis, DType.INT64));
    }

    /** For messages: {@code 'x' float64[batch,4]}. */
    @Override
    public String toString() {
        return "'" + name + "' " + dtype() + shape();
    }
}
