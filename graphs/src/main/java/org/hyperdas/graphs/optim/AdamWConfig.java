package org.hyperdas.graphs.optim;

import org.hyperdas.graphs.GraphBuildException;

/**
 * AdamW as torch.optim.AdamW computes it (amsgrad off): decoupled weight decay, then moments,
 * then a bias-corrected step driven by the 1-based step counter.
 *
 * @param beta1 decay of the first moment, in [0, 1)
 * @param beta2 decay of the second moment, in [0, 1)
 * @param eps added to the bias-corrected root of the second moment, > 0
 */
public record AdamWConfig(double beta1, double beta2, double eps) implements OptimizerConfig {
    public AdamWConfig {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new GraphBuildException("AdamW: betas (" + beta1 + ", " + beta2 + ") must lie in [0, 1)");
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new GraphBuildException("AdamW: eps " + eps + " must be finite and > 0");
        }
    }

    /** torch's defaults: betas (0.9, 0.999), eps 1e-8. */
    public static AdamWConfig defaults() {
        return new AdamWConfig(0.9, 0.999, 1e-8);
    }
}
