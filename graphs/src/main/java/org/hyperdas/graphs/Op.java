package org.hyperdas.graphs;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.List;
import org.hyperdas.graphs.ops.OnnxOperator;

/**
 * An operator kind with its attributes. Its static metadata (ONNX type and domain, input and
 * output counts, attribute kinds, differentiable inputs, opset) is one {@link OnnxOperator}
 * declaration; an op adds its attribute values and its shape rule (checked when the node is
 * added). The gradient rules are in {@link org.hyperdas.graphs.ops.Gradients}. The ops are the
 * sealed families of {@code org.hyperdas.graphs.ops.OnnxOp}; the {@link Value} and {@link Graph}
 * methods are the typed way to apply them.
 */
public interface Op {

    /** This op's declaration in the operator table. */
    OnnxOperator schema();

    /** The ONNX op_type. */
    default String type() {
        return schema().opType();
    }

    /** The ONNX domain; "" is the default domain. */
    default String domain() {
        return schema().domain();
    }

    /**
     * Checks arity, dtypes and shapes of the inputs and returns the output types. Throws a
     * {@link GraphBuildException} naming the op and the offending shapes.
     */
    List<ValueType> inferTypes(List<Value> inputs);

    default List<AttributeProto> attributes() {
        return List.of();
    }

    /** Whether a gradient flows into input {@code index} (indices, shapes, masks: no). */
    default boolean isDifferentiable(int index) {
        return schema().isDifferentiable(index);
    }
}
