package org.hyperdas.graphs.optim;

import org.hyperdas.graphs.GraphBuildException;

/**
 * SGD as torch.optim.SGD computes it (no dampening, no Nesterov): weight decay is an L2 term
 * added to the gradient, and with momentum the buffer {@code buf = momentum * buf + g} replaces
 * the gradient. A zero-initialized buffer makes the first step {@code buf = g}, exactly torch's
 * first step.
 *
 * @param momentum in [0, 1); 0 keeps no state
 */
public record SgdConfig(double momentum) implements OptimizerConfig {
    public SgdConfig {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new GraphBuildException("SGD: momentum " + momentum + " must lie in [0, 1)");
        }
    }

    /** Plain SGD without momentum. */
    public static SgdConfig plain() {
        return new SgdConfig(0);
    }
}
