package org.hyperdas.graphs.optim;

import org.hyperdas.graphs.GraphBuildException;

/**
 * Hyperparameters shared by a set of parameters, as in a torch optimizer's param_groups: HyperDAS
 * trains its hypernetwork with lr 4e-5 and weight decay 0.01 and its rotation with lr 1e-3 and no
 * decay, in one optimizer step.
 *
 * @param name how parameters refer to the group (and how errors name it)
 * @param lr base learning rate; a fed schedule factor multiplies it (see {@link Optimizers})
 * @param weightDecay AdamW: decoupled decay {@code p *= 1 - lr * wd}; SGD: L2 term {@code g += wd * p}
 */
public record ParamGroup(String name, double lr, double weightDecay) {
    public ParamGroup {
        if (name == null || name.isBlank()) {
            throw new GraphBuildException("a parameter group needs a non-blank name");
        }
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new GraphBuildException("group '" + name + "': lr " + lr + " must be finite and >= 0");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new GraphBuildException("group '" + name + "': weight decay " + weightDecay
                    + " must be finite and >= 0");
        }
    }
}
