package org.hyperdas.graphs;

/** A frozen tensor of the graph (constant or weight) and where its data comes from. */
public record Initializer(Value value, InitializerData data) {
}
