package org.hyperdas.graphs.ops;

import static org.hyperdas.graphs.ops.GradientSupport.unbroadcast;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Op;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Elementwise ops: arithmetic, unary math, Cast, Where, comparisons and logic. */
public final class ElementwiseOps {
    private ElementwiseOps() {
    }

    /** Broadcasting binary arithmetic; operands share one dtype. */
    public enum Binary implements Op {
        ADD("Add") {
            @Override
            List<Value> grads(Value g, Value a, Value b, Value y, boolean[] wanted) {
                return pair(wanted, () -> unbroadcast(g, a), () -> unbroadcast(g, b));
            }
        },
        SUB("Sub") {
            @Override
            List<Value> grads(Value g, Value a, Value b, Value y, boolean[] wanted) {
                return pair(wanted, () -> unbroadcast(g, a), () -> unbroadcast(g.neg(), b));
            }
        },
        MUL("Mul") {
            @Override
            List<Value> grads(Value g, Value a, Value b, Value y, boolean[] wanted) {
                return pair(wanted, () -> unbroadcast(g.mul(b), a), () -> unbroadcast(g.mul(a), b));
            }
        },
        DIV("Div") {
            // d(a/b)/db = -(a/b)/b: reuses the forward result instead of squaring b.
            @Override
            List<Value> grads(Value g, Value a, Value b, Value y, boolean[] wanted) {
                return pair(wanted, () -> unbroadcast(g.div(b), a), () -> unbroadcast(g.mul(y).div(b).neg(), b));
            }
        },
        /** Ties send the gradient to the first operand. */
        MAX("Max") {
            @Override
            List<Value> grads(Value g, Value a, Value b, Value y, boolean[] wanted) {
                return routed(a.greaterOrEqual(b), g, a, b, wanted);
            }
        },
        /** Ties send the gradient to the first operand. */
        MIN("Min") {
            @Override
            List<Value> grads(Value g, Value a, Value b, Value y, boolean[] wanted) {
                return routed(a.lessOrEqual(b), g, a, b, wanted);
            }
        };

        private final String type;

        Binary(String type) {
            this.type = type;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Checks.dtype(this, in.get(0), Checks.NUMERIC);
            Checks.sameDType(this, in.get(0), in.get(1));
            return List.of(ValueType.of(in.get(0).dtype(), Shape.broadcast(type, in.get(0).shape(), in.get(1).shape())));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return true;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            return grads(grads.get(0), node.input(0), node.input(1), node.output(0), wanted);
        }

        abstract List<Value> grads(Value g, Value a, Value b, Value y, boolean[] wanted);

        private static List<Value> pair(boolean[] wanted, Supplier<Value> ga,
                Supplier<Value> gb) {
            return Arrays.asList(wanted[0] ? ga.get() : null, wanted[1] ? gb.get() : null);
        }

        /** Sends g to a where {@code toA}, to b elsewhere. */
        private static List<Value> routed(Value toA, Value g, Value a, Value b, boolean[] wanted) {
            Value zero = g.graph().scalar(0, g.dtype());
            return pair(wanted, () -> unbroadcast(g.graph().where(toA, g, zero), a),
                    () -> unbroadcast(g.graph().where(toA, zero, g), b));
        }
    }

    /** One-input elementwise ops; each lists the dtypes ONNX Runtime's CPU kernel has. */
    public enum Unary implements Op {
        NEG("Neg", Checks.NUMERIC) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.neg();
            }
        },
        EXP("Exp", Checks.FLOATS) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.mul(y);
            }
        },
        LOG("Log", Checks.FLOATS) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.div(x);
            }
        },
        SQRT("Sqrt", Checks.FLOATS) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.mul(0.5).div(y);
            }
        },
        RECIPROCAL("Reciprocal", Checks.FLOATS) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.mul(y).mul(y).neg();
            }
        },
        SIGMOID("Sigmoid", Checks.FLOATS) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.mul(y.mul(y.rsub(1)));
            }
        },
        TANH("Tanh", Checks.FLOATS) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.mul(y.mul(y).rsub(1));
            }
        },
        SIN("Sin", Checks.FLOATS) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.mul(x.cos());
            }
        },
        /** float32 only (ONNX Runtime's CPU kernel); {@code Value.cos()} covers float64. */
        COS("Cos", EnumSet.of(DType.FLOAT32)) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.mul(x.sin()).neg();
            }
        },
        RELU("Relu", Checks.FLOATS) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.graph().where(x.greater(g.graph().scalar(0, x.dtype())), g, g.graph().scalar(0, g.dtype()));
            }
        },
        ABS("Abs", Checks.NUMERIC) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g.mul(x.sign());
            }
        },
        /** Derivative zero almost everywhere: treated as not differentiable so a path through it is reported. */
        SIGN("Sign", Checks.NUMERIC) {
            @Override
            public boolean isDifferentiable(int index) {
                return false;
            }

            @Override
            Value grad(Value g, Value x, Value y) {
                throw new GraphBuildException("Sign: has no gradient");
            }
        },
        IDENTITY("Identity", Checks.ALL) {
            @Override
            Value grad(Value g, Value x, Value y) {
                return g;
            }
        };

        private final String type;
        private final Set<DType> dtypes;

        Unary(String type, Set<DType> dtypes) {
            this.type = type;
            this.dtypes = dtypes;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 1);
            Checks.dtype(this, in.get(0), dtypes);
            return List.of(ValueType.of(in.get(0).dtype(), in.get(0).shape()));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return true;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            return List.of(grad(grads.get(0), node.input(0), node.output(0)));
        }

        abstract Value grad(Value g, Value x, Value y);
    }

    /** {@code x ^ exponent} with a constant exponent (input 1 is that constant as a scalar). */
    public record Pow(double exponent) implements Op {
        @Override
        public String type() {
            return "Pow";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Checks.dtype(this, in.get(0), Checks.FLOATS);
            Checks.rank(this, in.get(1), 0);
            return List.of(ValueType.of(in.get(0).dtype(), in.get(0).shape()));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index == 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Value x = node.input(0);
            Value g = grads.get(0);
            if (exponent == 1) {
                return Arrays.asList(g, null);
            }
            // x^1 as a Pow would run ONNX Runtime's general std::pow kernel (tens of ns per element);
            // x^2's slope is a multiply.
            Value slope = exponent == 2 ? x.mul(2) : x.pow(exponent - 1).mul(exponent);
            return Arrays.asList(g.mul(slope), null);
        }
    }

    /** Cast; differentiable only between floating types (the gradient is cast back). */
    public record Cast(DType to) implements Op {
        @Override
        public String type() {
            return "Cast";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 1);
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
            return to.isFloating();
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            return List.of(grads.get(0).cast(node.input(0).dtype()));
        }
    }

    /** {@code condition ? a : b}, all three broadcasting together. */
    public record Where() implements Op {
        @Override
        public String type() {
            return "Where";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 3);
            Checks.dtype(this, in.get(0), Set.of(DType.BOOL));
            Checks.sameDType(this, in.get(1), in.get(2));
            return List.of(ValueType.of(in.get(1).dtype(),
                    Shape.broadcast(type(), in.get(0).shape(), in.get(1).shape(), in.get(2).shape())));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return index > 0;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Value g = grads.get(0);
            Value c = node.input(0);
            Value zero = g.graph().scalar(0, g.dtype());
            return Arrays.asList(null,
                    wanted[1] ? unbroadcast(g.graph().where(c, g, zero), node.input(1)) : null,
                    wanted[2] ? unbroadcast(g.graph().where(c, zero, g), node.input(2)) : null);
        }
    }

    /** Broadcasting comparisons with a bool result. */
    public enum Compare implements Op {
        EQUAL("Equal", Checks.ALL),
        LESS("Less", Checks.NUMERIC),
        LESS_OR_EQUAL("LessOrEqual", Checks.NUMERIC),
        GREATER("Greater", Checks.NUMERIC),
        GREATER_OR_EQUAL("GreaterOrEqual", Checks.NUMERIC);

        private final String type;
        private final Set<DType> dtypes;

        Compare(String type, Set<DType> dtypes) {
            this.type = type;
            this.dtypes = dtypes;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Checks.dtype(this, in.get(0), dtypes);
            Checks.sameDType(this, in.get(0), in.get(1));
            return List.of(ValueType.of(DType.BOOL, Shape.broadcast(type, in.get(0).shape(), in.get(1).shape())));
        }
    }

    /** Boolean logic. */
    public enum Logical implements Op {
        NOT("Not", 1),
        AND("And", 2),
        OR("Or", 2);

        private final String type;
        private final int arity;

        Logical(String type, int arity) {
            this.type = type;
            this.arity = arity;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, arity);
            Shape[] shapes = new Shape[arity];
            for (int i = 0; i < arity; i++) {
                Checks.dtype(this, in.get(i), Set.of(DType.BOOL));
                shapes[i] = in.get(i).shape();
            }
            return List.of(ValueType.of(DType.BOOL, Shape.broadcast(type, shapes)));
        }
    }
}
