package org.hyperdas.graphs.intervention;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;

/**
 * Distributed alignment search's intervention: a matrix R [hidden, k] with orthonormal columns
 * spans the subspace that is exchanged,
 * <pre>
 *   h' = h + R R^T (h_s - h)      at each active site.
 * </pre>
 * R can come from a graph input ({@link #input}, evaluation with a trained R, any k including 0)
 * or from trainable Householder vectors ({@link #trainable}, see {@link OrthogonalSubspace}).
 */
public final class DasRotation {
    /** Input name of R in evaluation graphs. */
    public static final String ROTATION = "rotation";
    /** Parameter name of the Householder vectors in training graphs. */
    public static final String HOUSEHOLDER = "householder";
    /** The symbolic subspace-size dim of {@link #input}. */
    public static final String K_DIM = "k";

    private DasRotation() {
    }

    /** The interchange inside the span of {@code rotation} [hidden, k] (orthonormal columns expected). */
    public static Interchange of(Value rotation) {
        if (rotation.rank() != 2 || !rotation.dtype().isFloating()) {
            throw new GraphBuildException("DasRotation: rotation must be a floating [hidden, k] matrix, got " + rotation);
        }
        Value transposed = rotation.transpose(1, 0);
        return Interchange.projected(diff -> {
            if (!diff.shape().dim(diff.rank() - 1).equals(rotation.shape().dim(0))) {
                throw new GraphBuildException("DasRotation: rotation " + rotation + " does not match hidden size of "
                        + diff);
            }
            return diff.matmul(rotation).matmul(transposed);
        });
    }

    /**
     * Declares the input {@value #ROTATION}, {@code dtype} [hidden, k] with a symbolic k, so one
     * evaluation graph serves every subspace size (k = 0 included: then nothing changes).
     */
    public static Value input(Graph graph, long hidden, DType dtype) {
        return graph.input(ROTATION, dtype, Shape.of(hidden, K_DIM));
    }

    /** A trainable R: the parameter and the rotation computed from it. */
    public record Trainable(Value vectors, Value rotation) {
    }

    /**
     * A trainable R: declares the float32 parameter {@value #HOUSEHOLDER} [k, hidden] and builds
     * R [hidden, k] in {@code dtype} from it by {@link OrthogonalSubspace#rotation}.
     */
    public static Trainable trainable(Graph graph, long hidden, int k, DType dtype) {
        if (k < 1 || k > hidden) {
            throw new GraphBuildException("DasRotation: subspace size k = " + k + " must lie in [1, " + hidden + "]");
        }
        Value vectors = graph.parameter(HOUSEHOLDER, DType.FLOAT32, Shape.of(k, hidden));
        return new Trainable(vectors, OrthogonalSubspace.rotation(vectors, dtype));
    }
}
