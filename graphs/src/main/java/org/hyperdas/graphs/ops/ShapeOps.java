package org.hyperdas.graphs.ops;

import static org.hyperdas.graphs.ops.GradientSupport.shapeTensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Op;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Ops that move data between shapes, and the shape-tensor helpers (Shape, Size, Range, ...). */
public final class ShapeOps {
    private ShapeOps() {
    }

    private static long[] toLongs(List<Integer> axes) {
        return axes.stream().mapToLong(Integer::longValue).toArray();
    }

    private static int[] toInts(List<Integer> axes) {
        return axes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<Value> firstOnly(Value grad, int inputs) {
        List<Value> out = new ArrayList<>(Collections.nCopies(inputs, (Value) null));
        out.set(0, grad);
        return out;
    }

    /**
     * Reshape to the shape held by input 1. Entries: positive = that size, 0 = copy the input dim at
     * the same index, -1 = infer; symbolic entries (from Shape ops) are taken as they are.
     */
    public record Reshape() implements Op {
        @Override
        public String type() {
            return "Reshape";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value x = in.get(0);
            Value target = in.get(1);
            if (target.dtype() != DType.INT64 || target.rank() != 1 || !target.shape().dim(0).isStatic()) {
                throw new GraphBuildException("Reshape: target " + target + " must be a 1-D int64 tensor of static length");
            }
            List<Dim> entries = target.type().contents();
            if (entries == null) {
                List<Dim> dims = new ArrayList<>();
                for (long i = 0; i < target.shape().dim(0).size(); i++) {
                    dims.add(x.graph().freshDim());
                }
                return List.of(ValueType.of(x.dtype(), new Shape(dims)));
            }
            List<Dim> dims = new ArrayList<>();
            int inferAt = -1;
            for (int i = 0; i < entries.size(); i++) {
                Dim e = entries.get(i);
                if (e instanceof Dim.Static s && s.size() == 0) {
                    if (i >= x.rank()) {
                        throw new GraphBuildException("Reshape: entry " + i + " copies a dim " + x.shape() + " lacks");
                    }
                    dims.add(x.shape().dim(i));
                } else if (e instanceof Dim.Static s && s.size() == -1) {
                    if (inferAt >= 0) {
                        throw new GraphBuildException("Reshape: more than one -1 in target " + entries);
                    }
                    inferAt = i;
                    dims.add(null);
                } else if (e instanceof Dim.Static s && s.size() < 0) {
                    throw new GraphBuildException("Reshape: invalid entry " + s.size() + " in target " + entries);
                } else {
                    dims.add(e);
                }
            }
            DimProduct total = DimProduct.of(x.shape().dims());
            DimProduct known = DimProduct.of(dims.stream().filter(d -> d != null).toList());
            boolean allStatic = total.symbols().isEmpty() && known.symbols().isEmpty();
            if (inferAt >= 0) {
                DimProduct rest = total.divide(known);
                if (rest == null && allStatic) {
                    throw new GraphBuildException("Reshape: cannot reshape " + x.shape() + " to " + entries);
                }
                dims.set(inferAt, rest != null ? rest.toDim() : x.graph().freshDim());
            } else if (total.symbols().equals(known.symbols()) && total.coefficient() != known.coefficient()) {
                throw new GraphBuildException("Reshape: cannot reshape " + x.shape() + " to " + new Shape(dims));
            }
            return List.of(ValueType.of(x.dtype(), new Shape(dims)));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Value x = node.input(0);
            return firstOnly(grads.get(0).reshape(shapeTensor(x.graph(), x.shape(), x)), 2);
        }
    }

    public record Transpose(List<Integer> perm) implements Op {
        public Transpose(int... perm) {
            this(Arrays.stream(perm).boxed().toList());
        }

        @Override
        public String type() {
            return "Transpose";
        }

        /** True for 0, 1, ..., n-1. */
        public static boolean isIdentity(int... perm) {
            for (int i = 0; i < perm.length; i++) {
                if (perm[i] != i) {
                    return false;
                }
            }
            return true;
        }

        /** The permutation of {@code Transpose(outer)} applied after this one, as one permutation. */
        public int[] compose(int... outer) {
            if (outer.length != perm.size()) {
                throw new GraphBuildException("Transpose: cannot compose " + perm + " with " + Arrays.toString(outer));
            }
            int[] out = new int[outer.length];
            for (int i = 0; i < outer.length; i++) {
                out[i] = perm.get(outer[i]);
            }
            return out;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 1);
            Value x = in.get(0);
            List<Integer> sorted = new ArrayList<>(perm);
            Collections.sort(sorted);
            if (!sorted.equals(Arrays.stream(GradientSupport.iota(x.rank())).boxed().toList())) {
                throw new GraphBuildException("Transpose: perm " + perm + " is not a permutation for " + x.shape());
            }
            List<Dim> dims = perm.stream().map(p -> x.shape().dim(p)).toList();
            return List.of(ValueType.of(x.dtype(), new Shape(dims)));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intsAttr("perm", perm.stream().map(Integer::longValue).toList()));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return true;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            int[] inverse = new int[perm.size()];
            for (int i = 0; i < inverse.length; i++) {
                inverse[perm.get(i)] = i;
            }
            return List.of(grads.get(0).transpose(inverse));
        }
    }

    /** Inserts 1s at sorted, normalised positions of the output (input 1 = the axes constant). */
    public record Unsqueeze(List<Integer> axes) implements Op {
        public static Unsqueeze of(int inputRank, int... axes) {
            int[] normalized = Checks.normalizeAxes("Unsqueeze", axes, inputRank + axes.length);
            return new Unsqueeze(Arrays.stream(normalized).sorted().boxed().toList());
        }

        public long[] longAxes() {
            return toLongs(axes);
        }

        @Override
        public String type() {
            return "Unsqueeze";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value x = in.get(0);
            List<Dim> dims = new ArrayList<>(x.shape().dims());
            for (int a : axes) {
                if (a > dims.size()) {
                    throw new GraphBuildException("Unsqueeze: axis " + a + " out of range for " + x.shape());
                }
                dims.add(a, Dim.of(1));
            }
            return List.of(new ValueType(x.dtype(), new Shape(dims), x.rank() <= 1 ? x.type().contents() : null));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            return firstOnly(grads.get(0).squeeze(toInts(axes)), 2);
        }
    }

    /** Removes axes that are static 1s (explicit axes only: a symbolic dim might not be 1). */
    public record Squeeze(List<Integer> axes) implements Op {
        public static Squeeze of(Shape shape, int... axes) {
            int[] normalized = Checks.normalizeAxes("Squeeze", axes, shape.rank());
            return new Squeeze(Arrays.stream(normalized).sorted().boxed().toList());
        }

        public long[] longAxes() {
            return toLongs(axes);
        }

        @Override
        public String type() {
            return "Squeeze";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value x = in.get(0);
            List<Dim> dims = new ArrayList<>();
            for (int i = 0; i < x.rank(); i++) {
                if (!axes.contains(i)) {
                    dims.add(x.shape().dim(i));
                } else if (!x.shape().dim(i).isOne()) {
                    throw new GraphBuildException("Squeeze: dim " + i + " of " + x.shape() + " is not a static 1");
                }
            }
            return List.of(new ValueType(x.dtype(), new Shape(dims), x.rank() <= 1 ? x.type().contents() : null));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            return firstOnly(grads.get(0).unsqueeze(toInts(axes)), 2);
        }
    }

    public record Concat(int axis) implements Op {
        @Override
        public String type() {
            return "Concat";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            if (in.isEmpty()) {
                throw new GraphBuildException("Concat: needs at least one input");
            }
            Value first = in.get(0);
            int a = Shape.normalizeAxis(type(), axis, first.rank());
            List<Dim> along = new ArrayList<>();
            List<Dim> contents = new ArrayList<>();
            for (Value v : in) {
                Checks.sameDType(this, first, v);
                boolean sameOtherDims = v.rank() == first.rank();
                for (int i = 0; sameOtherDims && i < v.rank(); i++) {
                    sameOtherDims = i == a || v.shape().dim(i).equals(first.shape().dim(i));
                }
                if (!sameOtherDims) {
                    throw new GraphBuildException("Concat: shapes differ outside axis " + axis + ": " + first.shape()
                            + " vs " + v.shape());
                }
                along.add(v.shape().dim(a));
                if (contents != null && v.type().contents() != null && v.rank() == 1) {
                    contents.addAll(v.type().contents());
                } else {
                    contents = null;
                }
            }
            Shape out = first.shape().withDim(a, sum(along));
            return List.of(new ValueType(first.dtype(), out, contents));
        }

        /** Static sum when all are static, else a symbol naming the sum ("seq+1"). */
        private static Dim sum(List<Dim> dims) {
            long total = 0;
            List<String> symbols = new ArrayList<>();
            for (Dim d : dims) {
                if (d.isStatic()) {
                    total += d.size();
                } else {
                    symbols.add(d.toString());
                }
            }
            if (symbols.isEmpty()) {
                return Dim.of(total);
            }
            return Dim.of(String.join("+", symbols) + (total > 0 ? "+" + total : ""));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("axis", axis));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return true;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Graph graph = node.output(0).graph();
            int a = Shape.normalizeAxis(type(), axis, node.input(0).rank());
            List<Value> in = node.inputs();
            Value sizes = shapeTensor(graph, new Shape(in.stream().map(v -> v.shape().dim(a)).toList()),
                    in.toArray(Value[]::new));
            List<Value> pieces = grads.get(0).split(a, sizes, in.size());
            List<Value> out = new ArrayList<>();
            for (int i = 0; i < in.size(); i++) {
                out.add(wanted[i] ? pieces.get(i) : null);
            }
            return out;
        }
    }

    /** Splits along an axis into pieces whose sizes input 1 holds. */
    public record Split(int axis, int count) implements Op {
        @Override
        public String type() {
            return "Split";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value x = in.get(0);
            int a = Shape.normalizeAxis(type(), axis, x.rank());
            Value sizes = in.get(1);
            if (sizes.dtype() != DType.INT64 || sizes.rank() != 1 || !sizes.shape().dim(0).equals(Dim.of(count))) {
                throw new GraphBuildException("Split: sizes " + sizes + " must be a 1-D int64 tensor of length " + count);
            }
            List<Dim> pieces = sizes.type().contents();
            if (pieces == null) {
                pieces = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    pieces.add(x.graph().freshDim());
                }
            } else if (pieces.stream().allMatch(Dim::isStatic) && x.shape().dim(a).isStatic()
                    && pieces.stream().mapToLong(Dim::size).sum() != x.shape().dim(a).size()) {
                throw new GraphBuildException("Split: sizes " + pieces + " do not add up to dim " + a + " of " + x.shape());
            }
            List<ValueType> out = new ArrayList<>();
            for (Dim d : pieces) {
                out.add(ValueType.of(x.dtype(), x.shape().withDim(a, d)));
            }
            return out;
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("axis", axis));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            List<Value> parts = new ArrayList<>();
            for (int i = 0; i < grads.size(); i++) {
                Value g = grads.get(i);
                parts.add(g != null ? g : GradientSupport.zerosLike(node.output(i)));
            }
            return firstOnly(node.output(0).graph().concat(axis, parts), 2);
        }
    }

    /**
     * ONNX Slice with static parameters (inputs 1-4 are their constants). Ends clamp to the dim;
     * negative starts/ends count from the end.
     */
    public record Slice(List<Long> starts, List<Long> ends, List<Integer> axes, List<Long> steps) implements Op {
        /** Slicing this far means "to the end" whatever the dim. */
        private static final long TO_END = Integer.MAX_VALUE;

        public static Slice of(int rank, long[] starts, long[] ends, int[] axes, long[] steps) {
            if (starts.length != ends.length || starts.length != axes.length || starts.length != steps.length) {
                throw new GraphBuildException("Slice: starts, ends, axes and steps need the same length");
            }
            for (long s : steps) {
                if (s == 0) {
                    throw new GraphBuildException("Slice: step 0");
                }
            }
            int[] normalized = Checks.normalizeAxes("Slice", axes, rank);
            return new Slice(Arrays.stream(starts).boxed().toList(), Arrays.stream(ends).boxed().toList(),
                    Arrays.stream(normalized).boxed().toList(), Arrays.stream(steps).boxed().toList());
        }

        public long[] longAxes() {
            return toLongs(axes);
        }

        @Override
        public String type() {
            return "Slice";
        }

        /** [first index, count] of a slice of a static dim, with ONNX's clamping. */
        static long[] resolve(long dim, long start, long end, long step) {
            long s = start < 0 ? start + dim : start;
            long e = end < 0 ? end + dim : end;
            if (step > 0) {
                s = Math.max(0, Math.min(s, dim));
                e = Math.max(0, Math.min(e, dim));
                return new long[] {s, Math.max(0, (e - s + step - 1) / step)};
            }
            s = Math.max(-1, Math.min(s, dim - 1));
            e = Math.max(-1, Math.min(e, dim - 1));
            return new long[] {s, Math.max(0, (s - e + (-step) - 1) / (-step))};
        }

        private Dim slicedDim(Dim d, int k) {
            long start = starts.get(k);
            long end = ends.get(k);
            long step = steps.get(k);
            if (d.isStatic()) {
                return Dim.of(resolve(d.size(), start, end, step)[1]);
            }
            if (start == 0 && end >= TO_END && step == 1) {
                return d;
            }
            // Same symbolic slice, same symbol: the VJP's index range gets this very name.
            return Dim.of(d + "[" + start + ":" + end + ":" + step + "]");
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 5);
            Value x = in.get(0);
            Shape out = x.shape();
            for (int k = 0; k < axes.size(); k++) {
                out = out.withDim(axes.get(k), slicedDim(x.shape().dim(axes.get(k)), k));
            }
            List<Dim> contents = null;
            if (x.rank() == 1 && x.type().contents() != null) {
                long[] r = resolve(x.shape().dim(0).size(), starts.get(0), ends.get(0), steps.get(0));
                contents = new ArrayList<>();
                for (long i = 0; i < r[1]; i++) {
                    contents.add(x.type().contents().get((int) (r[0] + i * steps.get(0))));
                }
            }
            return List.of(new ValueType(x.dtype(), out, contents));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        /**
         * Static dims with step 1 (the common case, e.g. halves for RoPE): zero-pad the gradient
         * back. Otherwise scatter it, axis by axis, into zeros at the sliced positions (a Range of
         * the dim, sliced like the forward).
         */
        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Value x = node.input(0);
            Value g = grads.get(0);
            Graph graph = x.graph();
            int r = x.rank();
            boolean padable = true;
            for (int k = 0; k < axes.size(); k++) {
                padable &= steps.get(k) == 1 && x.shape().dim(axes.get(k)).isStatic();
            }
            if (padable) {
                long[] pads = new long[2 * r];
                for (int k = 0; k < axes.size(); k++) {
                    int a = axes.get(k);
                    long dim = x.shape().dim(a).size();
                    long[] sl = resolve(dim, starts.get(k), ends.get(k), 1);
                    pads[a] = sl[0];
                    pads[a + r] = dim - sl[0] - sl[1];
                }
                return firstOnly(g.pad(pads), 5);
            }
            Value acc = g;
            for (int k = 0; k < axes.size(); k++) {
                int a = axes.get(k);
                if (starts.get(k) == 0 && ends.get(k) >= TO_END && steps.get(k) == 1) {
                    continue;
                }
                Value zero = graph.scalar(0, DType.INT64);
                Value one = graph.scalar(1, DType.INT64);
                Value positions = graph.range(zero, GradientSupport.dimScalar(x, a), one)
                        .slice(new long[] {starts.get(k)}, new long[] {ends.get(k)}, new int[] {0},
                                new long[] {steps.get(k)});
                int[] others = new int[r - 1];
                for (int j = 0, o = 0; j < r; j++) {
                    if (j != a) {
                        others[o++] = j;
                    }
                }
                Value index = positions.unsqueeze(others).expand(shapeTensor(graph, acc.shape(), acc));
                Shape full = acc.shape().withDim(a, x.shape().dim(a));
                acc = graph.zeros(shapeTensor(graph, full, acc, x), g.dtype()).scatterElements(index, acc, a, "none");
            }
            return firstOnly(acc, 5);
        }
    }

    /** Broadcast to the shape input 1 holds (known at build time). */
    public record Expand() implements Op {
        @Override
        public String type() {
            return "Expand";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value x = in.get(0);
            Shape target = new Shape(Checks.contents(this, in.get(1), "shape"));
            return List.of(ValueType.of(x.dtype(), Shape.broadcast(type(), x.shape(), target)));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            return firstOnly(GradientSupport.unbroadcast(grads.get(0), node.input(0)), 2);
        }
    }

    /** Constant zero padding; input 1 holds the pads [begins..., ends...] (non-negative). */
    public record Pad(List<Long> pads) implements Op {
        public Pad(long... pads) {
            this(Arrays.stream(pads).boxed().toList());
        }

        @Override
        public String type() {
            return "Pad";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value x = in.get(0);
            int r = x.rank();
            if (pads.size() != 2 * r || pads.stream().anyMatch(p -> p < 0)) {
                throw new GraphBuildException("Pad: pads " + pads + " must be " + 2 * r + " non-negative numbers for "
                        + x.shape());
            }
            List<Dim> dims = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                long extra = pads.get(i) + pads.get(i + r);
                Dim d = x.shape().dim(i);
                dims.add(extra == 0 ? d : d.isStatic() ? Dim.of(d.size() + extra) : Dim.of(d + "+" + extra));
            }
            return List.of(ValueType.of(x.dtype(), new Shape(dims)));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        /** Cuts the padding off each padded axis with a Split whose middle piece has exactly the input's dim. */
        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Value x = node.input(0);
            int r = x.rank();
            Value acc = grads.get(0);
            for (int i = 0; i < r; i++) {
                long begin = pads.get(i);
                long end = pads.get(i + r);
                if (begin == 0 && end == 0) {
                    continue;
                }
                List<Dim> parts = new ArrayList<>();
                if (begin > 0) {
                    parts.add(Dim.of(begin));
                }
                int keep = parts.size();
                parts.add(x.shape().dim(i));
                if (end > 0) {
                    parts.add(Dim.of(end));
                }
                acc = acc.split(i, shapeTensor(x.graph(), new Shape(parts), x), parts.size()).get(keep);
            }
            return firstOnly(acc, 2);
        }
    }

    /** The input's shape (dims start..end-1) as a 1-D int64 tensor whose contents the IR knows. */
    public record ShapeOf(int start, int end) implements Op {
        @Override
        public String type() {
            return "Shape";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 1);
            Shape s = in.get(0).shape();
            if (start < 0 || end > s.rank() || start > end) {
                throw new GraphBuildException("Shape: range [" + start + ", " + end + ") invalid for " + s);
            }
            return List.of(ValueType.shapeTensor(s.dims().subList(start, end)));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("start", start), Attrs.intAttr("end", end));
        }
    }

    /** Element count as a rank-0 int64. */
    public record Size() implements Op {
        @Override
        public String type() {
            return "Size";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 1);
            return List.of(ValueType.of(DType.INT64, Shape.scalar()));
        }
    }

    /** A tensor of the shape input 0 holds, filled with one value. */
    public record ConstantOfShape(double value, DType dtype) implements Op {
        @Override
        public String type() {
            return "ConstantOfShape";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 1);
            Value shape = in.get(0);
            if (shape.dtype() != DType.INT64 || shape.rank() != 1 || !shape.shape().dim(0).isStatic()) {
                throw new GraphBuildException("ConstantOfShape: shape " + shape + " must be a 1-D int64 tensor of static length");
            }
            List<Dim> dims = shape.type().contents();
            if (dims == null) {
                dims = new ArrayList<>();
                for (long i = 0; i < shape.shape().dim(0).size(); i++) {
                    dims.add(shape.graph().freshDim());
                }
            }
            return List.of(ValueType.of(dtype, new Shape(dims)));
        }

        @Override
        public List<AttributeProto> attributes() {
            HostTensor one = HostTensor.scalar(value, dtype);
            return List.of(Attrs.tensorAttr("value", HostTensor.wrap(dtype, new long[] {1}, one.buffer())));
        }
    }

    /** [start, limit) in steps of delta (rank-0 inputs); no gradient. */
    public record Range() implements Op {
        @Override
        public String type() {
            return "Range";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 3);
            for (Value v : in) {
                Checks.dtype(this, v, Set.of(DType.INT64, DType.INT32, DType.FLOAT32, DType.FLOAT64));
                Checks.sameDType(this, in.get(0), v);
                Checks.rank(this, v, 0);
            }
            Dim start = scalarContent(in.get(0));
            Dim limit = scalarContent(in.get(1));
            Dim delta = scalarContent(in.get(2));
            Dim length;
            if (start != null && limit != null && delta != null && start.isStatic() && limit.isStatic()
                    && delta.isStatic() && delta.size() != 0) {
                long span = limit.size() - start.size();
                long step = delta.size();
                length = Dim.of(Math.max(0, Math.floorDiv(span + step + (step > 0 ? -1 : 1), step)));
            } else if (Dim.of(0).equals(start) && Dim.of(1).equals(delta) && limit != null) {
                length = limit;
            } else {
                length = in.get(0).graph().freshDim();
            }
            return List.of(ValueType.of(in.get(0).dtype(), new Shape(List.of(length))));
        }

        private static Dim scalarContent(Value v) {
            List<Dim> c = v.type().contents();
            return c == null ? null : c.get(0);
        }
    }
}
