package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Op;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Reductions over axes, and ArgMax. */
public final class ReductionOps {
    private ReductionOps() {
    }

    public enum Kind {
        SUM("ReduceSum", Checks.NUMERIC),
        MEAN("ReduceMean", Checks.FLOATS),
        MAX("ReduceMax", Checks.NUMERIC);

        private final String type;
        private final Set<DType> dtypes;

        Kind(String type, Set<DType> dtypes) {
            this.type = type;
            this.dtypes = dtypes;
        }
    }

    /**
     * ReduceSum/Mean/Max over sorted, normalised axes (opset 18+: the axes are input 1, a constant;
     * no axes input means all axes, which only a rank-0 input uses).
     */
    public record Reduce(Kind kind, List<Integer> axes, boolean keepdims) implements Op {

        /** Normalises {@code axes} for a rank-{@code rank} input; none given means all axes. */
        public static Reduce of(Kind kind, int rank, boolean keepdims, int... axes) {
            int[] normalized = axes.length == 0 ? GradientSupport.iota(rank) : Checks.normalizeAxes(kind.type, axes, rank);
            return new Reduce(kind, Arrays.stream(normalized).sorted().boxed().toList(), keepdims);
        }

        @Override
        public String type() {
            return kind.type;
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

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Value x = node.input(0);
            Graph graph = x.graph();
            Value gKept = keptDims(grads.get(0));
            Value xShape = GradientSupport.shapeTensor(graph, x.shape(), x);
            Value gx = switch (kind) {
                case SUM -> gKept.expand(xShape);
                case MEAN -> gKept.expand(xShape).div(reducedCount(x, node.output(0)));
                case MAX -> {
                    // Ties share the gradient equally, like torch.amax.
                    Value hits = x.equal(keptDims(node.output(0))).cast(x.dtype());
                    Value ties = hits.reduceSum(true, axesArray());
                    yield hits.mul(gKept.div(ties));
                }
            };
            return Arrays.asList(gx, null);
        }

        private int[] axesArray() {
            return axes.stream().mapToInt(Integer::intValue).toArray();
        }

        /** {@code v} (shaped like the output) with the reduced axes present as 1s. */
        private Value keptDims(Value v) {
            return keepdims || axes.isEmpty() ? v : v.unsqueeze(axesArray());
        }

        /** How many elements each output averages: static when the reduced dims are, else Size(x)/Size(y). */
        private Value reducedCount(Value x, Value y) {
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
    public record ArgMax(int axis, boolean keepdims) implements Op {
        @Override
        public String type() {
            return "ArgMax";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 1);
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
