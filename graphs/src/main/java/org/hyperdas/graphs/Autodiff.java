package org.hyperdas.graphs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.graphs.ops.Gradients;

/**
 * Reverse-mode differentiation on the IR: appends backward nodes to the graph and returns the
 * gradient values.
 *
 * <p>Only nodes on a path from a {@code wrt} value to the output get backward nodes, and for each
 * such node only the inputs on such a path get gradients (a frozen weight of a MatMul costs no
 * MatMul). Gradients of a value used several times are summed. Gradients flow only through
 * floating-point values and the inputs an op marks differentiable; a {@code wrt} value with no
 * such path to the output is a {@link GraphBuildException} naming it (and the blocking node, if
 * the path exists but passes through an integer, bool or otherwise non-differentiable value).
 * Backward nodes are named under the scope "grad"; each node's come from its operator's rule in
 * {@link Gradients}.
 */
public final class Autodiff {
    private Autodiff() {
    }

    /** Gradients of a scalar (rank-0 or single-element) floating {@code loss}. */
    public static List<Value> gradients(Value loss, List<Value> wrt) {
        if (!loss.dtype().isFloating()) {
            throw new GraphBuildException("Autodiff: loss " + loss + " must be floating point");
        }
        boolean single = loss.shape().dims().stream().allMatch(Dim::isOne);
        if (!single) {
            throw new GraphBuildException("Autodiff: loss " + loss + " is not a scalar; pass a seed gradient");
        }
        Graph g = loss.graph();
        Value seed;
        try (Graph.Scope s = g.scope("grad")) {
            seed = loss.rank() == 0 ? g.scalar(1, loss.dtype())
                    : g.scalar(1, loss.dtype()).expand(g.constantLongs(loss.shape().staticDims()));
        }
        return gradients(loss, seed, wrt);
    }

    /** Vector-Jacobian product: gradients of {@code sum(output * seed)}. */
    public static List<Value> gradients(Value output, Value seed, List<Value> wrt) {
        Graph graph = output.graph();
        if (seed.dtype() != output.dtype() || !seed.shape().equals(output.shape())) {
            throw new GraphBuildException("Autodiff: seed " + seed + " must match output " + output);
        }
        for (Value w : wrt) {
            if (w.graph() != graph) {
                throw new GraphBuildException("Autodiff: '" + w.name() + "' belongs to another graph");
            }
            if (!w.dtype().isFloating()) {
                throw new GraphBuildException("Autodiff: cannot differentiate with respect to " + w
                        + ": only float32/float64 values carry gradients");
            }
        }
        List<Node> nodes = graph.nodes();
        Set<Value> fromWrt = reachableFrom(nodes, new HashSet<>(wrt), true);
        Set<Value> toOutput = reaching(nodes, output);
        for (Value w : wrt) {
            if (!toOutput.contains(w)) {
                throw unreachable(nodes, w, output);
            }
        }
        Set<Value> active = new HashSet<>(fromWrt);
        active.retainAll(toOutput);

        Map<Value, List<Value>> contributions = new HashMap<>();
        contributions.computeIfAbsent(output, k -> new ArrayList<>()).add(seed);
        try (Graph.Scope s = graph.scope("grad")) {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node node = nodes.get(i);
                boolean[] wanted = new boolean[node.inputs().size()];
                boolean any = false;
                for (int j = 0; j < wanted.length; j++) {
                    wanted[j] = node.op().isDifferentiable(j) && active.contains(node.input(j));
                    any |= wanted[j];
                }
                if (!any || node.outputs().stream().noneMatch(contributions::containsKey)) {
                    continue;
                }
                List<Value> outGrads = new ArrayList<>();
                for (Value out : node.outputs()) {
                    outGrads.add(contributions.containsKey(out) ? sum(contributions.get(out)) : null);
                }
                List<Value> inGrads = Gradients.vjp(node, Collections.unmodifiableList(outGrads), wanted);
                for (int j = 0; j < wanted.length; j++) {
                    if (!wanted[j]) {
                        continue;
                    }
                    Value in = node.input(j);
                    Value grad = inGrads.get(j);
                    if (grad == null || grad.dtype() != in.dtype() || !grad.shape().equals(in.shape())) {
                        throw new GraphBuildException(node + ": VJP gave " + grad + " for input " + in);
                    }
                    contributions.computeIfAbsent(in, k -> new ArrayList<>()).add(grad);
                }
            }
            List<Value> result = new ArrayList<>();
            for (Value w : wrt) {
                result.add(sum(contributions.get(w)));
            }
            return result;
        }
    }

    private static Value sum(List<Value> parts) {
        Value total = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            total = total.add(parts.get(i));
        }
        return total;
    }

    /** Values reached from {@code start} through differentiable edges (or any edge when not). */
    private static Set<Value> reachableFrom(List<Node> nodes, Set<Value> start, boolean differentiableOnly) {
        Set<Value> reached = new HashSet<>(start);
        for (Node node : nodes) {
            for (int j = 0; j < node.inputs().size(); j++) {
                if (reached.contains(node.input(j)) && (!differentiableOnly || carries(node, j))) {
                    for (Value out : node.outputs()) {
                        if (!differentiableOnly || out.dtype().isFloating()) {
                            reached.add(out);
                        }
                    }
                }
            }
        }
        return reached;
    }

    /** Values from which {@code output} is reached through differentiable edges. */
    private static Set<Value> reaching(List<Node> nodes, Value output) {
        Set<Value> reaching = new HashSet<>();
        reaching.add(output);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            boolean feeds = node.outputs().stream().anyMatch(o -> reaching.contains(o) && o.dtype().isFloating());
            if (!feeds) {
                continue;
            }
            for (int j = 0; j < node.inputs().size(); j++) {
                if (carries(node, j)) {
                    reaching.add(node.input(j));
                }
            }
        }
        return reaching;
    }

    private static boolean carries(Node node, int input) {
        return node.op().isDifferentiable(input) && node.input(input).dtype().isFloating();
    }

    private static GraphBuildException unreachable(List<Node> nodes, Value w, Value output) {
        Set<Value> anyPath = reachableFrom(nodes, Set.of(w), false);
        if (!anyPath.contains(output)) {
            return new GraphBuildException("Autodiff: " + w + " does not influence " + output);
        }
        Set<Value> differentiable = reachableFrom(nodes, Set.of(w), true);
        for (Node node : nodes) {
            boolean fed = node.inputs().stream().anyMatch(differentiable::contains);
            boolean blocked = node.outputs().stream().anyMatch(o -> anyPath.contains(o) && !differentiable.contains(o));
            if (fed && blocked) {
                return new GraphBuildException("Autodiff: the path from " + w + " to " + output + " passes through "
                        + node + " whose output " + node.output(0) + " carries no gradient");
            }
        }
        return new GraphBuildException("Autodiff: no differentiable path from " + w + " to " + output);
    }
}
