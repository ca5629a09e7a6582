package org.hyperdas.graphs;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.List;

/**
 * An operator kind with its attributes. Everything about an op lives in its implementation: the
 * ONNX emission (type, domain, attributes), the shape rule (checked when the node is added) and
 * the vector-Jacobian product used by {@link Autodiff}. Op families live in
 * {@code org.hyperdas.graphs.ops}; the {@link Value} and {@link Graph} methods are the typed way
 * to apply them.
 */
public interface Op {

    /** The ONNX op_type. */
    String type();

    /** The ONNX domain; "" is the default domain. */
    default String domain() {
        return "";
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
        return false;
    }

    /**
     * Appends the backward nodes of {@code node} to its graph.
     *
     * @param outputGrads the gradient of each output; null for an output no loss depends on
     * @param wanted which inputs need a gradient (only differentiable inputs on a path to the loss)
     * @return one gradient per input, null where not wanted
     */
    default List<Value> vjp(Node node, List<Value> outputGrads, boolean[] wanted) {
        throw new GraphBuildException(type() + ": has no gradient");
    }
}
