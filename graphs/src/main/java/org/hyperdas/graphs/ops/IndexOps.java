package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Indexing ops (Gather, scatters), CumSum and Trilu. */
public sealed interface IndexOps extends OnnxOp permits IndexOps.Gather, IndexOps.GatherElements, IndexOps.ScatterND,
        IndexOps.ScatterElements, IndexOps.CumSum, IndexOps.Trilu {

    /**
     * numpy take along {@code axis}. Output: data dims before the axis, the indices' dims, data dims
     * after it. The VJP scatters with reduction "add" (ScatterND, opset 18), which ONNX Runtime's
     * CPU kernel runs in float32 and float64 and which sums repeated indices; indices must be
     * non-negative for it.
     */
    record Gather(int axis) implements IndexOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.GATHER;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    }

    /** torch.gather: indices of data's rank pick one element each along {@code axis}. */
    record GatherElements(int axis) implements IndexOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.GATHER_ELEMENTS;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    }

    /** Writes (or combines, per reduction) updates into a copy of data at index tuples; no gradient. */
    record ScatterND(String reduction) implements IndexOps {
        public ScatterND {
            Checks.reduction("ScatterND", reduction);
        }

        @Override
        public OnnxOperator schema() {
            return OnnxOperator.SCATTER_ND;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    record ScatterElements(int axis, String reduction) implements IndexOps {
        public ScatterElements {
            Checks.reduction("ScatterElements", reduction);
        }

        @Override
        public OnnxOperator schema() {
            return OnnxOperator.SCATTER_ELEMENTS;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    record CumSum(int axis, boolean exclusive, boolean reverse) implements IndexOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.CUM_SUM;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Checks.dtype(this, in.get(0), Checks.NUMERIC);
            Shape.normalizeAxis(type(), axis, in.get(0).rank());
            return List.of(ValueType.of(in.get(0).dtype(), in.get(0).shape()));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("exclusive", exclusive ? 1 : 0), Attrs.intAttr("reverse", reverse ? 1 : 0));
        }
    }

    /** Keeps the lower (or upper) triangle of the last two axes from diagonal k (input 1); linear. */
    record Trilu(boolean upper, long k) implements IndexOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.TRILU;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
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
    }
}
