package org.hyperdas.graphs;

/**
 * A graph cannot be built as asked: wrong arity, attribute, dtype or shape, or an impossible
 * gradient. Thrown while the graph is being built, never later by ONNX Runtime. The message names
 * the op and the offending values or shapes.
 */
public class GraphBuildException extends RuntimeException {
    public GraphBuildException(String message) {
        super(message);
    }
}
