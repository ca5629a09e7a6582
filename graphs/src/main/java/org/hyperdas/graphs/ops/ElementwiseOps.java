package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Elementwise ops: arithmetic, unary math, Cast, Where, comparisons and logic. */
public sealed interface ElementwiseOps extends OnnxOp permits ElementwiseOps.Binary, ElementwiseOps.Unary,
        ElementwiseOps.Pow, ElementwiseOps.Cast, ElementwiseOps.Where, ElementwiseOps.Compare, ElementwiseOps.Logical {

    /** Broadcasting binary arithmetic; operands share one dtype. Max and Min send ties to the first operand. */
    enum Binary implements ElementwiseOps {
        ADD(OnnxOperator.ADD),
        SUB(OnnxOperator.SUB),
        MUL(OnnxOperator.MUL),
        DIV(OnnxOperator.DIV),
        MAX(OnnxOperator.MAX),
        MIN(OnnxOperator.MIN);

        private final OnnxOperator schema;

        Binary(OnnxOperator schema) {
            this.schema = schema;
        }

        @Override
        public OnnxOperator schema() {
            return schema;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Checks.dtype(this, in.get(0), Checks.NUMERIC);
            Checks.sameDType(this, in.get(0), in.get(1));
            return List.of(ValueType.of(in.get(0).dtype(), Shape.broadcast(type(), in.get(0).shape(), in.get(1).shape())));
        }
    }

    /** One-input elementwise ops; each lists the dtypes ONNX Runtime's CPU kernel has. */
    enum Unary implements ElementwiseOps {
        NEG(OnnxOperator.NEG, Checks.NUMERIC),
        EXP(OnnxOperator.EXP, Checks.FLOATS),
        LOG(OnnxOperator.LOG, Checks.FLOATS),
        SQRT(OnnxOperator.SQRT, Checks.FLOATS),
        RECIPROCAL(OnnxOperator.RECIPROCAL, Checks.FLOATS),
        SIGMOID(OnnxOperator.SIGMOID, Checks.FLOATS),
        TANH(OnnxOperator.TANH, Checks.FLOATS),
        SIN(OnnxOperator.SIN, Checks.FLOATS),
        /** float32 only (ONNX Runtime's CPU kernel); {@code Value.cos()} covers float64. */
        COS(OnnxOperator.COS, EnumSet.of(DType.FLOAT32)),
        RELU(OnnxOperator.RELU, Checks.FLOATS),
        ABS(OnnxOperator.ABS, Checks.NUMERIC),
        SIGN(OnnxOperator.SIGN, Checks.NUMERIC),
        IDENTITY(OnnxOperator.IDENTITY, Checks.ALL);

        private final OnnxOperator schema;
        private final Set<DType> dtypes;

        Unary(OnnxOperator schema, Set<DType> dtypes) {
            this.schema = schema;
            this.dtypes = dtypes;
        }

        @Override
        public OnnxOperator schema() {
            return schema;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Checks.dtype(this, in.get(0), dtypes);
            return List.of(ValueType.of(in.get(0).dtype(), in.get(0).shape()));
        }
    }

    /** {@code x ^ exponent} with a constant exponent (input 1 is that constant as a scalar). */
    record Pow(double exponent) implements ElementwiseOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.POW;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Checks.dtype(this, in.get(0), Checks.FLOATS);
            Checks.rank(this, in.get(1), 0);
            return List.of(ValueType.of(in.get(0).dtype(), in.get(0).shape()));
        }
    }

    /** Cast; differentiable only between floating types (the gradient is cast back). */
    record Cast(DType to) implements ElementwiseOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.CAST;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Value x = in.get(0);
            boolean shapeLike = x.dtype() != DType.BOOL && !x.dtype().isFloating() && !to.isFloating()
                    && to != DType.BOOL;
            return List.of(new ValueType(to, x.shape(), shapeLike ? x.type().contents() : null));
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("to", to.onnxCode()));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return to.isFloating() && schema().isDifferentiable(index);
        }
    }

    /** {@code condition ? a : b}, all three broadcasting together. */
    record Where() implements ElementwiseOps {
        @Override
        public OnnxOperator schema() {
            return OnnxOperator.WHERE;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Checks.dtype(this, in.get(0), Set.of(DType.BOOL));
            Checks.sameDType(this, in.get(1), in.get(2));
            return List.of(ValueType.of(in.get(1).dtype(),
                    Shape.broadcast(type(), in.get(0).shape(), in.get(1).shape(), in.get(2).shape())));
        }
    }

    /** Broadcasting comparisons with a bool result. */
    enum Compare implements ElementwiseOps {
        EQUAL(OnnxOperator.EQUAL, Checks.ALL),
        LESS(OnnxOperator.LESS, Checks.NUMERIC),
        LESS_OR_EQUAL(OnnxOperator.LESS_OR_EQUAL, Checks.NUMERIC),
        GREATER(OnnxOperator.GREATER, Checks.NUMERIC),
        GREATER_OR_EQUAL(OnnxOperator.GREATER_OR_EQUAL, Checks.NUMERIC);

        private final OnnxOperator schema;
        private final Set<DType> dtypes;

        Compare(OnnxOperator schema, Set<DType> dtypes) {
            this.schema = schema;
            this.dtypes = dtypes;
        }

        @Override
        public OnnxOperator schema() {
            return schema;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Checks.dtype(this, in.get(0), dtypes);
            Checks.sameDType(this, in.get(0), in.get(1));
            return List.of(ValueType.of(DType.BOOL, Shape.broadcast(type(), in.get(0).shape(), in.get(1).shape())));
        }
    }

    /** Boolean logic. */
    enum Logical implements ElementwiseOps {
        NOT(OnnxOperator.NOT),
        AND(OnnxOperator.AND),
        OR(OnnxOperator.OR);

        private final OnnxOperator schema;

        Logical(OnnxOperator schema) {
            this.schema = schema;
        }

        @Override
        public OnnxOperator schema() {
            return schema;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in);
            Shape[] shapes = new Shape[in.size()];
            for (int i = 0; i < shapes.length; i++) {
                Checks.dtype(this, in.get(i), Set.of(DType.BOOL));
                shapes[i] = in.get(i).shape();
            }
            return List.of(ValueType.of(DType.BOOL, Shape.broadcast(type(), shapes)));
        }
    }
}
