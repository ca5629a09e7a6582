package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Ops that move data between shapes, and the shape-tensor helpers (Shape, Size, Range, ...). */
public sealed interface ShapeOps extends OnnxOp permits ShapeOps.Reshape, ShapeOps.Transpose, ShapeOps.Unsqueeze,
        ShapeOps.Squeeze, ShapeOps.Concat, ShapeOps.Split, ShapeOps.Slice, ShapeOps.Expand, ShapeOps.Pad,
        ShapeOps.ShapeOf, ShapeOps.Size, ShapeOps.ConstantOfShape, ShapeOps.Range {

    /**
     * Reshape to the shape held by input 1. Entries: positive = that size, 0 = copy the input dim at
     * the same index, -1 = infer; symbolic entries (from Shape ops) are taken as they are.
     */
    record Reshape() implements ShapeOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.RESHAPE;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            return List.of(ShapeInference.reshape(in.get(0), in.get(1)));
        }
    }

    record Transpose(List<Integer> perm) implements ShapeOps {
        public Transpose(int... perm) {
            this(Arrays.stream(perm).boxed().toList());
        }

        @Override
        public OnnxOperator schema() {
            return OnnxOperator.TRANSPOSE;
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
            Checks.arity(this, in);
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
    }

    /** Inserts 1s at sorted, normalised positions of the output (input 1 = the axes constant). */
    record Unsqueeze(List<Integer> axes) implements ShapeOps {
        public static Unsqueeze of(int inputRank, int... axes) {
            int[] normalized = Checks.normalizeAxes("Unsqueeze", axes, inputRank + axes.length);
            return new Unsqueeze(Arrays.stream(normalized).sorted().boxed().toList());
        }

        public long[] longAxes() {
            return ShapeInference.toLongs(axes);
        }

        @Override
        public OnnxOperator schema() {
            return OnnxOperator.UNSQUEEZE;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    }

    /** Removes axes that are static 1s (explicit axes only: a symbolic dim might not be 1). */
    record Squeeze(List<Integer> axes) implements ShapeOps {
        public static Squeeze of(Shape shape, int... axes) {
            int[] normalized = Checks.normalizeAxes("Squeeze", axes, shape.rank());
            return new Squeeze(Arrays.stream(normalized).sorted().boxed().toList());
        }

        public long[] longAxes() {
            return ShapeInference.toLongs(axes);
        }

        @Override
        public OnnxOperator schema() {
            return OnnxOperator.SQUEEZE;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    }

    record Concat(int axis) implements ShapeOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.CONCAT;
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
            Shape out = first.shape().withDim(a, ShapeInference.sum(along));
            return List.of(new ValueType(first.dtype(), out, contents));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("axis", axis));
        }
    }

    /** Splits along an axis into pieces whose sizes input 1 holds. */
    record Split(int axis, int count) implements ShapeOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.SPLIT;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    }

    /**
     * ONNX Slice with static parameters (inputs 1-4 are their constants). Ends clamp to the dim;
     * negative starts/ends count from the end.
     */
    record Slice(List<Long> starts, List<Long> ends, List<Integer> axes, List<Long> steps) implements ShapeOps {
        /** Slicing this far means "to the end" whatever the dim. */
        static final long TO_END = Integer.MAX_VALUE;

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
            return ShapeInference.toLongs(axes);
        }

        @Override
        public OnnxOperator schema() {
            return OnnxOperator.SLICE;
        }

        private Dim slicedDim(Dim d, int k) {
            long start = starts.get(k);
            long end = ends.get(k);
            long step = steps.get(k);
            if (d.isStatic()) {
                return Dim.of(ShapeInference.resolveSlice(d.size(), start, end, step)[1]);
            }
            if (start == 0 && end >= TO_END && step == 1) {
                return d;
            }
            // Same symbolic slice, same symbol: the VJP's index range gets this very name.
            return Dim.of(d + "[" + start + ":" + end + ":" + step + "]");
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Value x = in.get(0);
            Shape out = x.shape();
            for (int k = 0; k < axes.size(); k++) {
                out = out.withDim(axes.get(k), slicedDim(x.shape().dim(axes.get(k)), k));
            }
            List<Dim> contents = null;
            if (x.rank() == 1 && x.type().contents() != null) {
                long[] r = ShapeInference.resolveSlice(x.shape().dim(0).size(), starts.get(0), ends.get(0), steps.get(0));
                contents = new ArrayList<>();
                for (long i = 0; i < r[1]; i++) {
                    contents.add(x.type().contents().get((int) (r[0] + i * steps.get(0))));
                }
            }
            return List.of(new ValueType(x.dtype(), out, contents));
        }
    }

    /** Broadcast to the shape input 1 holds (known at build time). */
    record Expand() implements ShapeOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.EXPAND;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Value x = in.get(0);
            Shape target = new Shape(Checks.contents(this, in.get(1), "shape"));
            return List.of(ValueType.of(x.dtype(), Shape.broadcast(type(), x.shape(), target)));
        }
    }

    /** Constant zero padding; input 1 holds the pads [begins..., ends...] (non-negative). */
    record Pad(List<Long> pads) implements ShapeOps {
        public Pad(long... pads) {
            this(Arrays.stream(pads).boxed().toList());
        }

        @Override
        public OnnxOperator schema() {
            return OnnxOperator.PAD;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    }

    /** The input's shape (dims start..end-1) as a 1-D int64 tensor whose contents the IR knows. */
    record ShapeOf(int start, int end) implements ShapeOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.SHAPE;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    record Size() implements ShapeOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.SIZE;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            return List.of(ValueType.of(DType.INT64, Shape.scalar()));
        }
    }

    /** A tensor of the shape input 0 holds, filled with one value. */
    record ConstantOfShape(double value, DType dtype) implements ShapeOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.CONSTANT_OF_SHAPE;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    record Range() implements ShapeOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.RANGE;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            for (Value v : in) {
                Checks.dtype(this, v, Set.of(DType.INT64, DType.INT32, DType.FLOAT32, DType.FLOAT64));
                Checks.sameDType(this, in.get(0), v);
                Checks.rank(this, v, 0);
            }
            return List.of(ValueType.of(in.get(0).dtype(), new Shape(List.of(ShapeInference.rangeLength(in)))));
        }
    }
}
