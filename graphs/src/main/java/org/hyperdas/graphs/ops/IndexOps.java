package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Op;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Indexing ops (Gather, scatters), CumSum and Trilu. */
public final class IndexOps {
    private IndexOps() {
    }

    private static final Set<String> REDUCTIONS = Set.of("none", "add", "mul", "max", "min");

    private static void checkReduction(String opType, String reduction) {
        if (!REDUCTIONS.contains(reduction)) {
            throw new GraphBuildException(opType + ": reduction '" + reduction + "' is not one of " + REDUCTIONS);
        }
    }

    /**
     * numpy take along {@code axis}. Output: data dims before the axis, the indices' dims, data dims
     * after it. The VJP scatters with reduction "add" (ScatterND, opset 18), which ONNX Runtime's
     * CPU kernel runs in float32 and float64 and which sums repeated indices; indices must be
     * non-negative for it.
     */
    public record Gather(int axis) implements Op {
        @Override
        public String type() {
            return "Gather";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value data = in.get(0);
            Value indices = in.get(1);
            Checks.dtype(this, indices, Checks.INDICES);
            int a = Shape.normalizeAxis(type(), axis, data.rank());
            List<Dim> dims = new ArrayList<>(data.shape().dims().subList(0, a));
            dims.addAll(indices.shape().dims());
            dims.addAll(data.shape().dims().subList(a + 1, data.rank()));
            List<Dim> contents = null;
            if (data.rank() == 1 && data.type().contents() != null && indices.type().contents() != null) {
                List<Dim> from = data.type().contents();
                contents = indices.type().contents().stream()
                        .map(i -> from.get((int) (i.size() < 0 ? i.size() + from.size() : i.size()))).toList();
            }
            return List.of(new ValueType(data.dtype(), new Shape(dims), contents));
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
            Value data = node.input(0);
            Value indices = node.input(1);
            Value g = grads.get(0);
            Graph graph = data.graph();
            int r = data.rank();
            int q = indices.rank();
            int a = Shape.normalizeAxis(type(), axis, r);
            // Scatter along axis 0: bring the indexed axis of data, and the index dims of g, to the front.
            int[] gradPerm = new int[g.rank()];
            int p = 0;
            for (int i = a; i < a + q; i++) {
                gradPerm[p++] = i;
            }
            for (int i = 0; i < a; i++) {
                gradPerm[p++] = i;
            }
            for (int i = a + q; i < g.rank(); i++) {
                gradPerm[p++] = i;
            }
            int[] dataPerm = new int[r];
            dataPerm[0] = a;
            for (int i = 0, j = 1; i < r; i++) {
                if (i != a) {
                    dataPerm[j++] = i;
                }
            }
            Value updates = g.transpose(gradPerm); // no node when gradPerm is the identity
            List<Dim> frontDims = Arrays.stream(dataPerm).mapToObj(i -> data.shape().dim(i)).toList();
            Value zeros = graph.zeros(GradientSupport.shapeTensor(graph, new Shape(frontDims), data), g.dtype());
            Value index64 = indices.dtype() == DType.INT64 ? indices : indices.cast(DType.INT64);
            Value scattered = zeros.scatterND(index64.unsqueeze(q), updates, "add");
            int[] inverse = new int[r];
            for (int i = 0; i < r; i++) {
                inverse[dataPerm[i]] = i;
            }
            return Arrays.asList(scattered.transpose(inverse), null); // no node when dataPerm is the identity
        }
    }

    /** torch.gather: indices of data's rank pick one element each along {@code axis}. */
    public record GatherElements(int axis) implements Op {
        @Override
        public String type() {
            return "GatherElements";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value data = in.get(0);
            Value indices = in.get(1);
            Checks.dtype(this, indices, Checks.INDICES);
            Shape.normalizeAxis(type(), axis, data.rank());
            if (indices.rank() != data.rank()) {
                throw new GraphBuildException("GatherElements: ranks differ: " + data.shape() + " vs indices "
                        + indices.shape());
            }
            return List.of(ValueType.of(data.dtype(), indices.shape()));
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
            Value data = node.input(0);
            Value scattered = GradientSupport.zerosLike(data)
                    .scatterElements(node.input(1), grads.get(0), axis, "add");
            return Arrays.asList(scattered, null);
        }
    }

    /** Writes (or combines, per reduction) updates into a copy of data at index tuples; no gradient. */
    public record ScatterND(String reduction) implements Op {
        public ScatterND {
            checkReduction("ScatterND", reduction);
        }

        @Override
        public String type() {
            return "ScatterND";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 3);
            Value data = in.get(0);
            Value indices = in.get(1);
            Value updates = in.get(2);
            Checks.dtype(this, indices, Set.of(DType.INT64));
            Checks.sameDType(this, data, updates);
            Dim k = indices.rank() == 0 ? null : indices.shape().dim(indices.rank() - 1);
            if (k == null || !k.isStatic() || k.size() > data.rank()) {
                throw new GraphBuildException("ScatterND: indices " + indices.shape()
                        + " need a static last dim <= rank of data " + data.shape());
            }
            List<Dim> expected = new ArrayList<>(indices.shape().dims().subList(0, indices.rank() - 1));
            expected.addAll(data.shape().dims().subList((int) k.size(), data.rank()));
            if (!updates.shape().equals(new Shape(expected))) {
                throw new GraphBuildException("ScatterND: updates " + updates.shape() + " should be " + new Shape(expected)
                        + " for data " + data.shape() + " and indices " + indices.shape());
            }
            return List.of(data.type());
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.stringAttr("reduction", reduction));
        }
    }

    /** Element-wise scatter along an axis (inverse of GatherElements); no gradient. */
    public record ScatterElements(int axis, String reduction) implements Op {
        public ScatterElements {
            checkReduction("ScatterElements", reduction);
        }

        @Override
        public String type() {
            return "ScatterElements";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 3);
            Value data = in.get(0);
            Value indices = in.get(1);
            Value updates = in.get(2);
            Checks.dtype(this, indices, Checks.INDICES);
            Checks.sameDType(this, data, updates);
            Shape.normalizeAxis(type(), axis, data.rank());
            if (!indices.shape().equals(updates.shape()) || indices.rank() != data.rank()) {
                throw new GraphBuildException("ScatterElements: indices " + indices.shape() + " and updates "
                        + updates.shape() + " must match each other and the rank of data " + data.shape());
            }
            return List.of(data.type());
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("axis", axis), Attrs.stringAttr("reduction", reduction));
        }
    }

    /** Running sum along {@code axis} (input 1 is the axis constant); the VJP is the reversed running sum. */
    public record CumSum(int axis, boolean exclusive, boolean reverse) implements Op {
        @Override
        public String type() {
            return "CumSum";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Checks.dtype(this, in.get(0), Checks.NUMERIC);
            Shape.normalizeAxis(type(), axis, in.get(0).rank());
            return List.of(ValueType.of(in.get(0).dtype(), in.get(0).shape()));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("exclusive", exclusive ? 1 : 0), Attrs.intAttr("reverse", reverse ? 1 : 0));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            return Arrays.asList(grads.get(0).cumSum(axis, exclusive, !reverse), null);
        }
    }

    /** Keeps the lower (or upper) triangle of the last two axes from diagonal k (input 1); linear. */
    public record Trilu(boolean upper, long k) implements Op {
        @Override
        public String type() {
            return "Trilu";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value x = in.get(0);
            Checks.dtype(this, x, Set.of(DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.BOOL));
            if (x.rank() < 2) {
                throw new GraphBuildException("Trilu: input " + x + " needs rank >= 2");
            }
            return List.of(ValueType.of(x.dtype(), x.shape()));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("upper", upper ? 1 : 0));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            return Arrays.asList(node.output(0).graph().trilu(grads.get(0), upper, k), null);
        }
    }
}
