package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;

/**
 * A linear layer {@code y = x W^T + b} with the weight in Hugging Face / torch layout
 * {@code W: [out, in]}.
 *
 * <p>The weight is transposed once, when the layer is made, and every application multiplies the
 * activation {@code [..., in]} by that contiguous {@code [in, out]} matrix: ONNX Runtime
 * constant-folds the Transpose of an initializer at load time (and fuses it into FusedMatMul when
 * the weight is a graph input), and runs a [batch, seq, in] x [in, out] product as one GEMM over
 * batch * seq rows. The MatMul VJP folds the batch into rows as well, so the weight gradient is one
 * GEMM too.
 *
 * @param weightT the weight as [in, out]
 * @param bias [out], or null
 */
public record Linear(Value weightT, Value bias) {

    public Linear {
        if (weightT.rank() != 2 || !weightT.shape().isStatic()) {
            throw new GraphBuildException("Linear: weight " + weightT + " must be a static 2-D matrix");
        }
        if (bias != null && (bias.rank() != 1 || !bias.shape().dim(0).equals(weightT.shape().dim(1)))) {
            throw new GraphBuildException("Linear: bias " + bias + " does not match weight " + weightT);
        }
    }

    /** From a Hugging Face weight [out, in] (and optional bias [out]). */
    public static Linear fromHf(Value weight, Value bias) {
        return new Linear(weight.transpose(1, 0), bias);
    }

    public static Linear fromHf(Value weight) {
        return fromHf(weight, null);
    }

    public long inFeatures() {
        return weightT.shape().dim(0).size();
    }

    public long outFeatures() {
        return weightT.shape().dim(1).size();
    }

    /** {@code x: [..., in]} to {@code [..., out]}. */
    public Value apply(Value x) {
        if (x.rank() < 1 || !x.shape().dim(x.rank() - 1).equals(weightT.shape().dim(0))) {
            throw new GraphBuildException("Linear: input " + x + " does not end with in_features " + inFeatures());
        }
        Value y = x.matmul(weightT);
        return bias == null ? y : y.add(bias);
    }
}
