package org.hyperdas.graphs.optim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.ExternalData;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Initializer;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ops.ControlFlowOps;
import org.hyperdas.runtime.train.GroupedTrainStep;

/**
 * The K-step model of a one-step training graph: an ONNX Loop of K iterations whose body is a copy
 * of the one-step graph, with the parameters and optimizer state as loop-carried values.
 *
 * <p>Outer graph: the same inputs as the one-step model under the same names, the batch inputs
 * (lr factor and per-step scalars included) stacked on a new leading axis of size K; the step input
 * is the 1-based number of the first step (the body adds the iteration number); the frozen
 * tensors are the outer graph's initializers, which the body reads from outer scope. Outputs: the
 * state after K steps under the one-step names, and each step's scalars as
 * {@link GroupedTrainStep#perStep(String, int)}.
 *
 * <p>The body copies the one-step graph's nodes with their ops, so each iteration computes what
 * one step of the one-step model computes.
 */
final class MultiStepGraph {
    static final String BODY = "kstep";

    private MultiStepGraph() {
    }

    /**
     * @param g the one-step graph (left unchanged)
     * @param carried slot names (parameters, then optimizer state): inputs {@code s}, outputs {@code s.next}
     * @param batchInputs inputs fed per step
     * @param stepInput the step-number input, or null
     * @param scalars the one-step model's scalar outputs
     */
    static Graph build(Graph g, List<String> carried, List<String> batchInputs, String stepInput,
            List<String> scalars, int k) {
        if (k < 2) {
            throw new GraphBuildException("TrainingGraph.multiStep: " + k + " steps per call; expected 2 or more");
        }
        Graph outer = new Graph(g.name() + ".steps" + k);
        g.opsets().forEach(outer::useOpset);
        Graph body = new Graph(BODY);
        Value iteration = body.input("loop.iteration", DType.INT64, Shape.scalar());
        Value condition = body.input("loop.condition", DType.BOOL, Shape.scalar());
        Map<String, Value> byName = new HashMap<>();
        g.inputs().forEach(v -> byName.put(v.name(), v));
        Map<Value, Value> copies = new HashMap<>();
        List<Value> initialCarried = new ArrayList<>();
        for (String name : carried) {
            Value in = byName.get(name);
            copies.put(in, body.input(name, in.dtype(), in.shape()));
        }
        Set<String> batch = new LinkedHashSet<>(batchInputs);
        Map<String, Value> outerInputs = new HashMap<>();
        for (Value in : g.inputs()) {
            if (batch.contains(in.name())) {
                List<Dim> dims = new ArrayList<>(List.of(Dim.of(k)));
                dims.addAll(in.shape().dims());
                Value stacked = outer.input(in.name(), in.dtype(), new Shape(dims));
                copies.put(in, body.outer(stacked).gather(iteration, 0));
            } else {
                outerInputs.put(in.name(), outer.input(in.name(), in.dtype(), in.shape()));
            }
        }
        for (String name : carried) {
            initialCarried.add(outerInputs.get(name));
        }
        if (stepInput != null) {
            copies.put(byName.get(stepInput), body.outer(outerInputs.get(stepInput)).add(iteration));
        }
        for (Initializer init : g.initializers()) {
            Value v = init.value();
            Value moved = init.data() instanceof HostTensor h ? outer.initializer(v.name(), h)
                    : outer.externalInitializer(v.name(), v.dtype(), v.shape(), (ExternalData) init.data());
            copies.put(v, body.outer(moved));
        }
        for (Node node : g.nodes()) {
            Value[] in = node.inputs().stream().map(copies::get).toArray(Value[]::new);
            List<Value> out = body.apply(node.name(), node.op(), in);
            for (int i = 0; i < out.size(); i++) {
                copies.put(node.output(i), out.get(i));
            }
        }
        body.output("loop.condition.next", condition);
        for (String name : carried) {
            body.output(name + TrainingGraph.NEXT, copies.get(g.outputs().get(name + TrainingGraph.NEXT)));
        }
        for (String s : scalars) {
            Value v = copies.get(g.outputs().get(s));
            body.output("loop.scan." + s, v.rank() == 0 ? v
                    : v.squeeze(java.util.stream.IntStream.range(0, v.rank()).toArray()));
        }
        return wrap(outer, body, initialCarried, carried, scalars, k);
    }

    private static Graph wrap(Graph outer, Graph body, List<Value> initialCarried, List<String> carried,
            List<String> scalars, int k) {
        List<Value> loopInputs = new ArrayList<>();
        loopInputs.add(outer.scalar(k, DType.INT64));
        loopInputs.add(outer.constant(HostTensor.scalar(1, DType.BOOL)));
        loopInputs.addAll(initialCarried);
        List<Value> out = outer.apply("loop", new ControlFlowOps.Loop(body, k), loopInputs.toArray(Value[]::new));
        for (int i = 0; i < carried.size(); i++) {
            outer.output(carried.get(i) + TrainingGraph.NEXT, out.get(i));
        }
        for (int i = 0; i < k; i++) {
            Value index = outer.scalar(i, DType.INT64);
            for (int j = 0; j < scalars.size(); j++) {
                outer.output(GroupedTrainStep.perStep(scalars.get(j), i), out.get(carried.size() + j).gather(index, 0));
            }
        }
        return outer;
    }
}
