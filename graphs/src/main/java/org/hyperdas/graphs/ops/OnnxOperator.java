package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Op;

/**
 * Every operator this IR emits, one declaration each: the ONNX op_type and domain, the Java op
 * that applies it, the opset version whose definition the emission follows (at most
 * {@link org.hyperdas.graphs.Graph#DEFAULT_OPSET}), how many inputs this IR gives it and how many
 * outputs it has, the attributes it may carry with their kinds, and which inputs carry a gradient.
 * A node is checked against its declaration when it is added ({@link #checkNode}); the gradient
 * rules are in {@link Gradients}, keyed by these constants.
 *
 * <p>The input counts are those of the forms this IR builds, which can be stricter than ONNX (a
 * Slice always gets its axes and steps).
 */
public enum OnnxOperator {
    // ---- elementwise ----
    ADD("Add", ElementwiseOps.Binary.class, 14, inputs(2), outputs(1), none(), gradInto(0, 1)),
    SUB("Sub", ElementwiseOps.Binary.class, 14, inputs(2), outputs(1), none(), gradInto(0, 1)),
    MUL("Mul", ElementwiseOps.Binary.class, 14, inputs(2), outputs(1), none(), gradInto(0, 1)),
    DIV("Div", ElementwiseOps.Binary.class, 14, inputs(2), outputs(1), none(), gradInto(0, 1)),
    MAX("Max", ElementwiseOps.Binary.class, 13, inputs(2), outputs(1), none(), gradInto(0, 1)),
    MIN("Min", ElementwiseOps.Binary.class, 13, inputs(2), outputs(1), none(), gradInto(0, 1)),
    NEG("Neg", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto(0)),
    EXP("Exp", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto(0)),
    LOG("Log", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto(0)),
    SQRT("Sqrt", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto(0)),
    RECIPROCAL("Reciprocal", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto(0)),
    SIGMOID("Sigmoid", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto(0)),
    TANH("Tanh", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto(0)),
    SIN("Sin", ElementwiseOps.Unary.class, 7, inputs(1), outputs(1), none(), gradInto(0)),
    COS("Cos", ElementwiseOps.Unary.class, 7, inputs(1), outputs(1), none(), gradInto(0)),
    RELU("Relu", ElementwiseOps.Unary.class, 14, inputs(1), outputs(1), none(), gradInto(0)),
    ABS("Abs", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto(0)),
    /** Derivative zero almost everywhere: declared without a gradient so a path through it is reported. */
    SIGN("Sign", ElementwiseOps.Unary.class, 13, inputs(1), outputs(1), none(), gradInto()),
    IDENTITY("Identity", ElementwiseOps.Unary.class, 21, inputs(1), outputs(1), none(), gradInto(0)),
    /** Input 1 is the constant exponent. */
    POW("Pow", ElementwiseOps.Pow.class, 15, inputs(2), outputs(1), none(), gradInto(0)),
    /** Differentiable only when casting to a floating type ({@link ElementwiseOps.Cast#isDifferentiable}). */
    CAST("Cast", ElementwiseOps.Cast.class, 21, inputs(1), outputs(1), attributes("to", AttributeType.INT),
            gradInto(0)),
    WHERE("Where", ElementwiseOps.Where.class, 16, inputs(3), outputs(1), none(), gradInto(1, 2)),
    EQUAL("Equal", ElementwiseOps.Compare.class, 19, inputs(2), outputs(1), none(), gradInto()),
    LESS("Less", ElementwiseOps.Compare.class, 13, inputs(2), outputs(1), none(), gradInto()),
    LESS_OR_EQUAL("LessOrEqual", ElementwiseOps.Compare.class, 16, inputs(2), outputs(1), none(), gradInto()),
    GREATER("Greater", ElementwiseOps.Compare.class, 13, inputs(2), outputs(1), none(), gradInto()),
    GREATER_OR_EQUAL("GreaterOrEqual", ElementwiseOps.Compare.class, 16, inputs(2), outputs(1), none(),
            gradInto()),
    NOT("Not", ElementwiseOps.Logical.class, 1, inputs(1), outputs(1), none(), gradInto()),
    AND("And", ElementwiseOps.Logical.class, 7, inputs(2), outputs(1), none(), gradInto()),
    OR("Or", ElementwiseOps.Logical.class, 7, inputs(2), outputs(1), none(), gradInto()),

    // ---- linear algebra ----
    MATMUL("MatMul", LinalgOps.MatMul.class, 13, inputs(2), outputs(1), none(), gradInto(0, 1)),
    SOFTMAX("Softmax", LinalgOps.Softmax.class, 13, inputs(1), outputs(1), attributes("axis", AttributeType.INT),
            gradInto(0)),
    LOG_SOFTMAX("LogSoftmax", LinalgOps.Softmax.class, 13, inputs(1), outputs(1),
            attributes("axis", AttributeType.INT), gradInto(0)),

    // ---- reductions (input 1 is the axes constant, absent for all axes of a rank-0 input) ----
    REDUCE_SUM("ReduceSum", ReductionOps.Reduce.class, 13, inputs(1, 2), outputs(1),
            attributes("keepdims", AttributeType.INT), gradInto(0)),
    REDUCE_MEAN("ReduceMean", ReductionOps.Reduce.class, 18, inputs(1, 2), outputs(1),
            attributes("keepdims", AttributeType.INT), gradInto(0)),
    REDUCE_MAX("ReduceMax", ReductionOps.Reduce.class, 20, inputs(1, 2), outputs(1),
            attributes("keepdims", AttributeType.INT), gradInto(0)),
    ARG_MAX("ArgMax", ReductionOps.ArgMax.class, 13, inputs(1), outputs(1),
            attributes("axis", AttributeType.INT, "keepdims", AttributeType.INT), gradInto()),

    // ---- data movement (shape-like inputs are build-time constants) ----
    RESHAPE("Reshape", ShapeOps.Reshape.class, 21, inputs(2), outputs(1), none(), gradInto(0)),
    TRANSPOSE("Transpose", ShapeOps.Transpose.class, 21, inputs(1), outputs(1),
            attributes("perm", AttributeType.INTS), gradInto(0)),
    UNSQUEEZE("Unsqueeze", ShapeOps.Unsqueeze.class, 21, inputs(2), outputs(1), none(), gradInto(0)),
    SQUEEZE("Squeeze", ShapeOps.Squeeze.class, 21, inputs(2), outputs(1), none(), gradInto(0)),
    /** Any number of inputs, each differentiable. */
    CONCAT("Concat", ShapeOps.Concat.class, 13, inputs(1, Integer.MAX_VALUE), outputs(1),
            attributes("axis", AttributeType.INT), Differentiable.ALL),
    /** One output per piece; input 1 holds the sizes. */
    SPLIT("Split", ShapeOps.Split.class, 18, inputs(2), outputs(1, Integer.MAX_VALUE),
            attributes("axis", AttributeType.INT), gradInto(0)),
    /** Inputs 1-4: starts, ends, axes, steps. */
    SLICE("Slice", ShapeOps.Slice.class, 13, inputs(5), outputs(1), none(), gradInto(0)),
    EXPAND("Expand", ShapeOps.Expand.class, 13, inputs(2), outputs(1), none(), gradInto(0)),
    PAD("Pad", ShapeOps.Pad.class, 21, inputs(2), outputs(1), none(), gradInto(0)),
    SHAPE("Shape", ShapeOps.ShapeOf.class, 21, inputs(1), outputs(1),
            attributes("start", AttributeType.INT, "end", AttributeType.INT), gradInto()),
    SIZE("Size", ShapeOps.Size.class, 21, inputs(1), outputs(1), none(), gradInto()),
    CONSTANT_OF_SHAPE("ConstantOfShape", ShapeOps.ConstantOfShape.class, 21, inputs(1), outputs(1),
            attributes("value", AttributeType.TENSOR), gradInto()),
    RANGE("Range", ShapeOps.Range.class, 11, inputs(3), outputs(1), none(), gradInto()),

    // ---- indexing ----
    GATHER("Gather", IndexOps.Gather.class, 13, inputs(2), outputs(1), attributes("axis", AttributeType.INT),
            gradInto(0)),
    GATHER_ELEMENTS("GatherElements", IndexOps.GatherElements.class, 13, inputs(2), outputs(1),
            attributes("axis", AttributeType.INT), gradInto(0)),
    SCATTER_ND("ScatterND", IndexOps.ScatterND.class, 18, inputs(3), outputs(1),
            attributes("reduction", AttributeType.STRING), gradInto()),
    SCATTER_ELEMENTS("ScatterElements", IndexOps.ScatterElements.class, 18, inputs(3), outputs(1),
            attributes("axis", AttributeType.INT, "reduction", AttributeType.STRING), gradInto()),
    /** Input 1 is the axis constant. */
    CUM_SUM("CumSum", IndexOps.CumSum.class, 14, inputs(2), outputs(1),
            attributes("exclusive", AttributeType.INT, "reverse", AttributeType.INT), gradInto(0)),
    /** Input 1 is the diagonal offset k. */
    TRILU("Trilu", IndexOps.Trilu.class, 14, inputs(2), outputs(1), attributes("upper", AttributeType.INT),
            gradInto(0)),

    // ---- control flow ----
    /**
     * Inputs: trip count, condition, then any number of loop-carried values; outputs: the final
     * carried values, then the stacked scan outputs. The body subgraph is the "body" attribute.
     */
    LOOP("Loop", ControlFlowOps.Loop.class, 21, inputs(2, Integer.MAX_VALUE), outputs(1, Integer.MAX_VALUE),
            attributes("body", AttributeType.GRAPH), gradInto());

    /** How many values an op takes or gives: {@code min..max}, max {@link Integer#MAX_VALUE} for any number. */
    public record Count(int min, int max) {
        boolean allows(int n) {
            return n >= min && n <= max;
        }

        @Override
        public String toString() {
            return min == max ? String.valueOf(min) : max == Integer.MAX_VALUE ? "at least " + min
                    : "between " + min + " and " + max;
        }
    }

    /** Which inputs carry a gradient: listed indices, or all of them (variadic ops). */
    public record Differentiable(boolean all, List<Integer> indices) {
        static final Differentiable ALL = new Differentiable(true, List.of());

        public boolean contains(int index) {
            return all || indices.contains(index);
        }

        public boolean isEmpty() {
            return !all && indices.isEmpty();
        }
    }

    private final String opType;
    private final Class<? extends OnnxOp> implementation;
    private final int sinceVersion;
    private final Count inputs;
    private final Count outputs;
    private final Map<String, AttributeType> attributes;
    private final Differentiable differentiable;

    OnnxOperator(String opType, Class<? extends OnnxOp> implementation, int sinceVersion, Count inputs,
            Count outputs, Map<String, AttributeType> attributes, Differentiable differentiable) {
        this.opType = opType;
        this.implementation = implementation;
        this.sinceVersion = sinceVersion;
        this.inputs = inputs;
        this.outputs = outputs;
        this.attributes = attributes;
        this.differentiable = differentiable;
    }

    public String opType() {
        return opType;
    }

    /** The ONNX domain; "" is the default domain, the only one these ops use. */
    public String domain() {
        return "";
    }

    /** The Java op type whose instances are emitted as this operator. */
    public Class<? extends OnnxOp> implementation() {
        return implementation;
    }

    /** The opset version that introduced the operator definition the emission follows. */
    public int sinceVersion() {
        return sinceVersion;
    }

    public Count inputs() {
        return inputs;
    }

    public Count outputs() {
        return outputs;
    }

    /** The attributes the op may carry, by name, with their kinds. */
    public Map<String, AttributeType> attributes() {
        return attributes;
    }

    public Differentiable differentiable() {
        return differentiable;
    }

    public boolean isDifferentiable(int input) {
        return differentiable.contains(input);
    }

    /** Checks the number of inputs; messages start with the op type. */
    public void checkInputs(int count) {
        if (!inputs.allows(count)) {
            throw new GraphBuildException(opType + ": expects " + inputs + " inputs, got " + count);
        }
    }

    /**
     * Checks a node about to be added against this declaration: the op is this operator's
     * implementation, and the input count, output count and attributes (names and kinds) are
     * declared ones.
     */
    public void checkNode(Op op, int inputCount, int outputCount, List<AttributeProto> attributeValues) {
        if (!implementation.isInstance(op)) {
            throw new GraphBuildException(opType + ": declared for " + implementation.getSimpleName() + ", applied as "
                    + op.getClass().getSimpleName());
        }
        checkInputs(inputCount);
        if (!outputs.allows(outputCount)) {
            throw new GraphBuildException(opType + ": has " + outputs + " outputs, got " + outputCount);
        }
        for (AttributeProto a : attributeValues) {
            AttributeType declared = attributes.get(a.getName());
            if (declared == null || declared != a.getType()) {
                throw new GraphBuildException(opType + ": attribute '" + a.getName() + "' of kind " + a.getType()
                        + " is not declared; declared: " + attributes);
            }
        }
    }

    private static Count inputs(int n) {
        return new Count(n, n);
    }

    private static Count inputs(int min, int max) {
        return new Count(min, max);
    }

    private static Count outputs(int n) {
        return new Count(n, n);
    }

    private static Count outputs(int min, int max) {
        return new Count(min, max);
    }

    private static Map<String, AttributeType> none() {
        return Map.of();
    }

    /** Name, kind, name, kind, ... in emission order. */
    private static Map<String, AttributeType> attributes(Object... nameKindPairs) {
        Map<String, AttributeType> out = new LinkedHashMap<>();
        for (int i = 0; i < nameKindPairs.length; i += 2) {
            out.put((String) nameKindPairs[i], (AttributeType) nameKindPairs[i + 1]);
        }
        return Collections.unmodifiableMap(out);
    }

    /** The inputs a gradient flows into; none for an op without a gradient. */
    private static Differentiable gradInto(int... indices) {
        return new Differentiable(false, Arrays.stream(indices).boxed().toList());
    }
}
