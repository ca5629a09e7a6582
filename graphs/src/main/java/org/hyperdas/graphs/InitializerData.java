package org.hyperdas.graphs;

/** Where an initializer's bytes come from: inline in the model, or a range of an external file. */
public sealed interface InitializerData permits HostTensor, ExternalData {
}
