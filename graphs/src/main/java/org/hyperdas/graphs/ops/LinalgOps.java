package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.List;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** MatMul and the softmax family. */
public sealed interface LinalgOps extends OnnxOp permits LinalgOps.MatMul, LinalgOps.Softmax {

    /**
     * numpy matmul of any operands of rank >= 1: a 1-D left operand gets a leading 1, a 1-D right
     * one a trailing 1, both removed after. The promotion is explicit (Unsqueeze, a 2-D or batched
     * {@link MatMul}, Squeeze), so ONNX Runtime never sees a 1-D MatMul operand: its 1.28 optimizer
     * (ALL_OPT) fuses {@code MatMul(Transpose(A), b)} with a 1-D {@code b} into a FusedMatMul that
     * computes wrong numbers. The reshapes are free and their VJPs are exact.
     */
    static Value matmul(Value a, Value b) {
        if (a.rank() != 1 && b.rank() != 1) {
            return a.graph().apply1(new MatMul(), a, b);
        }
        if (a.rank() == 0 || b.rank() == 0) {
            throw new GraphBuildException("MatMul: scalar operand: " + a.shape() + " x " + b.shape());
        }
        Dim inner = a.rank() == 1 ? a.shape().dim(0) : a.shape().dim(a.rank() - 1);
        Dim rows = b.rank() == 1 ? b.shape().dim(0) : b.shape().dim(b.rank() - 2);
        if (!inner.equals(rows)) {
            throw new GraphBuildException("MatMul: inner dims differ: " + a.shape() + " x " + b.shape());
        }
        boolean aVector = a.rank() == 1;
        boolean bVector = b.rank() == 1;
        Value y = a.graph().apply1(new MatMul(), aVector ? a.unsqueeze(0) : a, bVector ? b.unsqueeze(1) : b);
        int r = y.rank();
        if (aVector && bVector) {
            return y.squeeze(r - 2, r - 1);
        }
        return y.squeeze(aVector ? r - 2 : r - 1);
    }

    /**
     * ONNX MatMul on operands of rank >= 2 (batch dims broadcast). 1-D operands are rejected: use
     * {@link #matmul} ({@code Value.matmul}), which promotes them explicitly.
     */
    record MatMul() implements LinalgOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.MATMUL;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Value a = in.get(0);
            Value b = in.get(1);
            Checks.dtype(this, a, Checks.NUMERIC);
            Checks.sameDType(this, a, b);
            if (a.rank() == 0 || b.rank() == 0) {
                throw new GraphBuildException("MatMul: scalar operand: " + a.shape() + " x " + b.shape());
            }
            if (a.rank() == 1 || b.rank() == 1) {
                throw new GraphBuildException("MatMul: 1-D operand: " + a.shape() + " x " + b.shape()
                        + "; Value.matmul promotes vectors to 2-D (ONNX Runtime mis-optimises 1-D MatMul operands)");
            }
            if (!a.shape().dim(a.rank() - 1).equals(b.shape().dim(b.rank() - 2))) {
                throw new GraphBuildException("MatMul: inner dims differ: " + a.shape() + " x " + b.shape());
            }
            Shape batch;
            try {
                batch = Shape.broadcast("MatMul", batchOf(a.shape()), batchOf(b.shape()));
            } catch (GraphBuildException e) {
                throw new GraphBuildException("MatMul: batch dims do not broadcast: " + a.shape() + " x " + b.shape());
            }
            List<Dim> out = new ArrayList<>(batch.dims());
            out.add(a.shape().dim(a.rank() - 2));
            out.add(b.shape().dim(b.rank() - 1));
            return List.of(ValueType.of(a.dtype(), new Shape(out)));
        }

        private static Shape batchOf(Shape s) {
            return new Shape(s.dims().subList(0, s.rank() - 2));
        }

    }

    /** Softmax or LogSoftmax along one axis. */
    record Softmax(int axis, boolean log) implements LinalgOps {
        @Override
        public OnnxOperator schema() {
            return log ? OnnxOperator.LOG_SOFTMAX : OnnxOperator.SOFTMAX;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Checks.dtype(this, in.get(0), Checks.FLOATS);
            Shape.normalizeAxis(type(), axis, in.get(0).rank());
            return List.of(in.get(0).type());
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("axis", axis));
        }

    }
}
