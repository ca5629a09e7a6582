package org.hyperdas.graphs.ops;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Op;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;

/** Build-time checks shared by the op families; messages start with the op type. */
final class Checks {
    static final Set<DType> FLOATS = EnumSet.of(DType.FLOAT32, DType.FLOAT64);
    static final Set<DType> NUMERIC = EnumSet.of(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64);
    static final Set<DType> INDICES = EnumSet.of(DType.INT32, DType.INT64);
    static final Set<DType> ALL = EnumSet.allOf(DType.class);

    private static final Set<String> REDUCTIONS = Set.of("none", "add", "mul", "max", "min");

    private Checks() {
    }

    /** A scatter's reduction attribute. */
    static void reduction(String opType, String reduction) {
        if (!REDUCTIONS.contains(reduction)) {
            throw new GraphBuildException(opType + ": reduction '" + reduction + "' is not one of " + REDUCTIONS);
        }
    }

    /** The input count {@code op}'s declaration allows. */
    static void arity(Op op, List<Value> inputs) {
        op.schema().checkInputs(inputs.size());
    }

    /** An exact count within the declared range, for ops whose form fixes it (Reduce with or without axes). */
    static void arity(Op op, List<Value> inputs, int expected) {
        if (inputs.size() != expected) {
            throw new GraphBuildException(op.type() + ": expects " + expected + " inputs, got " + inputs.size());
        }
    }

    /**
     * The dtype sets are those ONNX Runtime's CPU kernels register, so an unsupported dtype fails
     * here instead of at session creation.
     */
    static void dtype(Op op, Value v, Set<DType> allowed) {
        if (!allowed.contains(v.dtype())) {
            throw new GraphBuildException(op.type() + ": input " + v + " has dtype " + v.dtype() + "; supported: "
                    + allowed.stream().map(DType::toString).collect(Collectors.joining(", ")));
        }
    }

    static void sameDType(Op op, Value a, Value b) {
        if (a.dtype() != b.dtype()) {
            throw new GraphBuildException(op.type() + ": dtypes differ: " + a + " vs " + b);
        }
    }

    static void rank(Op op, Value v, int expected) {
        if (v.rank() != expected) {
            throw new GraphBuildException(op.type() + ": input " + v + " must have rank " + expected);
        }
    }

    /** The contents of a shape-like int64 input, which this op needs at build time. */
    static List<Dim> contents(Op op, Value v, String role) {
        if (v.dtype() != DType.INT64 || v.rank() != 1) {
            throw new GraphBuildException(op.type() + ": " + role + " " + v + " must be a 1-D int64 tensor");
        }
        if (v.type().contents() == null) {
            throw new GraphBuildException(op.type() + ": " + role + " " + v
                    + " must be known at build time (a constant, or built from Shape/Concat/Gather/Slice)");
        }
        return v.type().contents();
    }

    static int[] normalizeAxes(String op, int[] axes, int rank) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = Shape.normalizeAxis(op, axes[i], rank);
            for (int j = 0; j < i; j++) {
                if (out[j] == out[i]) {
                    throw new GraphBuildException(op + ": axis " + axes[i] + " given twice");
                }
            }
        }
        return out;
    }
}
