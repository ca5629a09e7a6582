package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;

/**
 * Root-mean-square layer norm over the last axis, as Llama's LlamaRMSNorm:
 * {@code y = x / sqrt(mean(x^2, -1) + eps) * weight}.
 *
 * <p>Written as Pow(2) -> ReduceMean -> Add(eps) -> Sqrt -> Div -> Mul, the pattern ONNX Runtime's
 * SimplifiedLayerNormFusion recognises, so inference graphs get the fused kernel while autodiff
 * still sees plain ops.
 */
public final class RmsNorm {
    private RmsNorm() {
    }

    /**
     * @param x [..., d]
     * @param weight [d], the learned scale
     * @param eps added to the mean square (config rms_norm_eps)
     */
    public static Value apply(Value x, Value weight, double eps) {
        if (weight.rank() != 1 || !weight.shape().dim(0).equals(x.shape().dim(x.rank() - 1))) {
            throw new GraphBuildException("RmsNorm: weight " + weight + " does not match the last dim of " + x);
        }
        Value meanSquare = x.pow(2).reduceMean(true, -1);
        return x.div(meanSquare.add(eps).sqrt()).mul(weight);
    }
}
