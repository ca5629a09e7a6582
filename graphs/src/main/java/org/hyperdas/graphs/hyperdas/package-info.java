/**
 * HyperDAS (HYPERDAS.md) as graphs: a transformer hypernetwork that reads a concept instruction
 * and the frozen target's hidden states ({@link org.hyperdas.graphs.hyperdas.HiddenStateMemory},
 * {@link org.hyperdas.graphs.hyperdas.HyperNetwork}), picks which source positions feed which base
 * positions ({@link org.hyperdas.graphs.hyperdas.SelectionHead}), builds the concept's subspace
 * ({@link org.hyperdas.graphs.hyperdas.HouseholderSubspace}) and swaps it in at layer L
 * ({@link org.hyperdas.graphs.hyperdas.HyperDasIntervention}).
 * {@link org.hyperdas.graphs.hyperdas.HyperDasGraphs} assembles training and evaluation graphs;
 * {@link org.hyperdas.graphs.hyperdas.HyperDasParameters} names and initialises the trainable
 * tensors; {@link org.hyperdas.graphs.hyperdas.HyperDasConfig} holds every hyperparameter.
 */
package org.hyperdas.graphs.hyperdas;
