package org.hyperdas.graphs;

import java.util.ArrayList;
import java.util.List;

/** One op application: its inputs, and the output values it defines. */
public final class Node {
    private final String name;
    private final Op op;
    private final List<Value> inputs;
    private final List<Value> outputs;

    /** Checks the node against its op's declaration first (input and output counts, attributes). */
    Node(Graph graph, String name, Op op, List<Value> inputs, List<ValueType> outputTypes) {
        op.schema().checkNode(op, inputs.size(), outputTypes.size(), op.attributes());
        this.name = name;
        this.op = op;
        this.inputs = List.copyOf(inputs);
        List<Value> outs = new ArrayList<>(outputTypes.size());
        for (int i = 0; i < outputTypes.size(); i++) {
            String valueName = outputTypes.size() == 1 ? name : name + ":" + i;
            outs.add(new Value(graph, valueName, outputTypes.get(i), this));
        }
        this.outputs = List.copyOf(outs);
    }

    public String name() {
        return name;
    }

    public Op op() {
        return op;
    }

    public List<Value> inputs() {
        return inputs;
    }

    public Value input(int i) {
        return inputs.get(i);
    }

    public List<Value> outputs() {
        return outputs;
    }

    public Value output(int i) {
        return outputs.get(i);
    }

    @Override
    public String toString() {
        return op.type() + " '" + name + "'";
    }
}
