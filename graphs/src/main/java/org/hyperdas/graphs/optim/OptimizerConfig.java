package org.hyperdas.graphs.optim;

/**
 * An update rule and its rule-specific hyperparameters. Learning rate and weight decay live in
 * {@link ParamGroup}s, gradient clipping and the learning-rate input in the {@link Optimizers} call,
 * so the same rule serves every group.
 */
public sealed interface OptimizerConfig permits AdamWConfig, SgdConfig {
}
