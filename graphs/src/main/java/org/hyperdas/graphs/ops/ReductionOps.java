package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Reductions over axes, and ArgMax. */
public sealed interface ReductionOps extends OnnxOp permits ReductionOps.Reduce, ReductionOps.ArgMax {

    enum Kind {
        SUM(OnnxOperator.REDUCE_SUM, Checks.NUMERIC),
        MEAN(OnnxOperator.REDUCE_MEAN, Checks.FLOATS),
        MAX(OnnxOperator.REDUCE_MAX, Checks.NUMERIC);

        private final OnnxOperator schema;
        private final Set<DType> dtypes;

        Kind(OnnxOperator schema, Set<DType> dtypes) {
            this.schema = schema;
            this.dtypes = dtypes;
        }
    }

    /**
     * ReduceSum/Mean/Max over sorted, normalised axes (opset 18+: the axes are input 1, a constant;
     * no axes input means all axes, which only a rank-0 input uses).
     */
    record Reduce(Kind kind, List<Integer> axes, boolean keepdims) implements ReductionOps {

        /** Normalises {@code axes} for a rank-{@code rank} input; none given means all axes. */
        public static Reduce of(Kind kind, int rank, boolean keepdims, int... axes) {
            int[] normalized = axes.length == 0 ? GradientSupport.iota(rank)
                    : Checks.normalizeAxes(kind.schema.opType(), axes, rank);
            return new Reduce(kind, Arrays.stream(normalized).sorted().boxed().toList(), keepdims);
        }

        @Override
        public OnnxOperator schema() {
            return kind.schema;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, axes.isEmpty() ? 1 : 2);
            Value x = in.get(0);
            Checks.dtype(this, x, kind.dtypes);
            List<Dim> dims = new ArrayList<>();
            for (int i = 0; i < x.rank(); i++) {
                if (!axes.contains(i)) {
                    dims.add(x.shape().dim(i));
                } else if (keepdims) {
                    dims.add(Dim.of(1));
                }
            }
            return List.of(ValueType.of(x.dtype(), new Shape(dims)));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("keepdims", keepdims ? 1 : 0));
        }

        int[] axesArray() {
            return axes.stream().mapToInt(Integer::intValue).toArray();
        }

        /** {@code v} (shaped like the output) with the reduced axes present as 1s. */
        Value keptDims(Value v) {
            return keepdims || axes.isEmpty() ? v : v.unsqueeze(axesArray());
        }

        /** How many elements each output averages: static when the reduced dims are, else Size(x)/Size(y). */
        Value reducedCount(Value x, Value y) {
            long count = 1;
            for (int a : axes) {
                Dim d = x.shape().dim(a);
                if (!d.isStatic()) {
                    return x.size().div(y.size()).cast(x.dtype());
                }
                count *= d.size();
            }
            return x.graph().scalar(count, x.dtype());
        }
    }

    /** Index of the maximum along an axis, as int64; no gradient. */
    record ArgMax(int axis, boolean keepdims) implements ReductionOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.ARG_MAX;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Value x = in.get(0);
            Checks.dtype(this, x, Set.of(DType.FLOAT32, DType.FLOAT64, DType.INT32));
            int a = Shape.normalizeAxis(type(), axis, x.rank());
            List<Dim> dims = new ArrayList<>(x.shape().dims());
            if (keepdims) {
                dims.set(a, Dim.of(1));
            } else {
                dims.remove(a);
            }
            return List.of(ValueType.of(DType.INT64, new Shape(dims)));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("axis", axis), Attrs.intAttr("keepdims", keepdims ? 1 : 0));
        }
    }
}
