package org.hyperdas.graphs.ops;

import static org.hyperdas.graphs.ops.GradientSupport.unbroadcast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Op;
import org.hyperdas.graphs.Value;

/**
 * The gradient rules: one vector-Jacobian product per differentiable {@link OnnxOperator}, looked
 * up by {@link org.hyperdas.graphs.Autodiff}. Every rule is registered here (the long ones call the
 * methods of {@link StructuralGradients}); an operator declared differentiable has a rule and one
 * with a rule has differentiable inputs (checked by the op table test).
 *
 * <p>A rule appends backward nodes to the node's graph, in an order that is part of the emitted
 * model: reordering the calls inside a rule changes node names and the model bytes.
 */
public final class Gradients {

    /**
     * The VJP of one node.
     *
     * @param outputGrads the gradient of each output; null for an output no loss depends on
     * @param wanted which inputs need a gradient (only differentiable inputs on a path to the loss)
     * @return one gradient per input, null where not wanted
     */
    @FunctionalInterface
    public interface Rule {
        List<Value> apply(Node node, List<Value> outputGrads, boolean[] wanted);
    }

    /** A rule that reads the op's parameters. */
    @FunctionalInterface
    interface TypedRule<T extends Op> {
        List<Value> apply(T op, Node node, List<Value> outputGrads, boolean[] wanted);
    }

    /** The rule of a broadcasting binary op, from g, the operands and the result. */
    @FunctionalInterface
    private interface BinaryRule {
        List<Value> apply(Value g, Value a, Value b, Value y, boolean[] wanted);
    }

    /** The input gradient of a one-input elementwise op from g, x and y. */
    @FunctionalInterface
    private interface UnaryRule {
        Value apply(Value g, Value x, Value y);
    }

    private static final Map<OnnxOperator, Rule> RULES = new EnumMap<>(OnnxOperator.class);

    static {
        registerElementwise();
        registerLinalgAndReductions();
        registerDataMovement();
        registerIndexing();
    }

    private Gradients() {
    }

    /** The VJP of {@code node} by its operator's rule. */
    public static List<Value> vjp(Node node, List<Value> outputGrads, boolean[] wanted) {
        Rule rule = RULES.get(node.op().schema());
        if (rule == null) {
            throw new GraphBuildException(node.op().type() + ": has no gradient");
        }
        return rule.apply(node, outputGrads, wanted);
    }

    /** The operators that have a rule. */
    public static Set<OnnxOperator> operatorsWithRules() {
        return Collections.unmodifiableSet(RULES.keySet());
    }

    private static void registerElementwise() {
        binary(OnnxOperator.ADD, (g, a, b, y, w) -> pair(w, () -> unbroadcast(g, a), () -> unbroadcast(g, b)));
        binary(OnnxOperator.SUB, (g, a, b, y, w) -> pair(w, () -> unbroadcast(g, a), () -> unbroadcast(g.neg(), b)));
        binary(OnnxOperator.MUL,
                (g, a, b, y, w) -> pair(w, () -> unbroadcast(g.mul(b), a), () -> unbroadcast(g.mul(a), b)));
        // d(a/b)/db = -(a/b)/b: reuses the forward result instead of squaring b.
        binary(OnnxOperator.DIV,
                (g, a, b, y, w) -> pair(w, () -> unbroadcast(g.div(b), a), () -> unbroadcast(g.mul(y).div(b).neg(), b)));
        // Ties send the gradient to the first operand.
        binary(OnnxOperator.MAX, (g, a, b, y, w) -> routed(a.greaterOrEqual(b), g, a, b, w));
        binary(OnnxOperator.MIN, (g, a, b, y, w) -> routed(a.lessOrEqual(b), g, a, b, w));

        unary(OnnxOperator.NEG, (g, x, y) -> g.neg());
        unary(OnnxOperator.EXP, (g, x, y) -> g.mul(y));
        unary(OnnxOperator.LOG, (g, x, y) -> g.div(x));
        unary(OnnxOperator.SQRT, (g, x, y) -> g.mul(0.5).div(y));
        unary(OnnxOperator.RECIPROCAL, (g, x, y) -> g.mul(y).mul(y).neg());
        unary(OnnxOperator.SIGMOID, (g, x, y) -> g.mul(y.mul(y.rsub(1))));
        unary(OnnxOperator.TANH, (g, x, y) -> g.mul(y.mul(y).rsub(1)));
        unary(OnnxOperator.SIN, (g, x, y) -> g.mul(x.cos()));
        unary(OnnxOperator.COS, (g, x, y) -> g.mul(x.sin()).neg());
        unary(OnnxOperator.RELU, (g, x, y) ->
                g.graph().where(x.greater(g.graph().scalar(0, x.dtype())), g, g.graph().scalar(0, g.dtype())));
        unary(OnnxOperator.ABS, (g, x, y) -> g.mul(x.sign()));
        unary(OnnxOperator.IDENTITY, (g, x, y) -> g);

        typed(OnnxOperator.POW, ElementwiseOps.Pow.class, (op, node, grads, wanted) -> {
            Value x = node.input(0);
            Value g = grads.get(0);
            if (op.exponent() == 1) {
                return Arrays.asList(g, null);
            }
            // x^1 as a Pow would run ONNX Runtime's general std::pow kernel (tens of ns per element);
            // x^2's slope is a multiply.
            Value slope = op.exponent() == 2 ? x.mul(2) : x.pow(op.exponent() - 1).mul(op.exponent());
            return Arrays.asList(g.mul(slope), null);
        });
        // Between floating types only (Cast.isDifferentiable): the gradient is cast back.
        rule(OnnxOperator.CAST, (node, grads, wanted) -> List.of(grads.get(0).cast(node.input(0).dtype())));
        rule(OnnxOperator.WHERE, (node, grads, wanted) -> {
            Value g = grads.get(0);
            Value c = node.input(0);
            Value zero = g.graph().scalar(0, g.dtype());
            return Arrays.asList(null,
                    wanted[1] ? unbroadcast(g.graph().where(c, g, zero), node.input(1)) : null,
                    wanted[2] ? unbroadcast(g.graph().where(c, zero, g), node.input(2)) : null);
        });
    }

    private static void registerLinalgAndReductions() {
        rule(OnnxOperator.MATMUL, StructuralGradients::matMul);
        typed(OnnxOperator.SOFTMAX, LinalgOps.Softmax.class, (op, node, grads, wanted) -> {
            Value g = grads.get(0);
            Value y = node.output(0);
            return List.of(y.mul(g.sub(g.mul(y).reduceSum(true, op.axis()))));
        });
        typed(OnnxOperator.LOG_SOFTMAX, LinalgOps.Softmax.class, (op, node, grads, wanted) -> {
            Value g = grads.get(0);
            Value y = node.output(0);
            return List.of(g.sub(y.exp().mul(g.reduceSum(true, op.axis()))));
        });
        for (OnnxOperator reduce : List.of(OnnxOperator.REDUCE_SUM, OnnxOperator.REDUCE_MEAN, OnnxOperator.REDUCE_MAX)) {
            typed(reduce, ReductionOps.Reduce.class, StructuralGradients::reduce);
        }
    }

    private static void registerDataMovement() {
        rule(OnnxOperator.RESHAPE, (node, grads, wanted) -> {
            Value x = node.input(0);
            return firstOnly(grads.get(0).reshape(GradientSupport.shapeTensor(x.graph(), x.shape(), x)), 2);
        });
        typed(OnnxOperator.TRANSPOSE, ShapeOps.Transpose.class, (op, node, grads, wanted) -> {
            int[] inverse = new int[op.perm().size()];
            for (int i = 0; i < inverse.length; i++) {
                inverse[op.perm().get(i)] = i;
            }
            return List.of(grads.get(0).transpose(inverse));
        });
        typed(OnnxOperator.UNSQUEEZE, ShapeOps.Unsqueeze.class,
                (op, node, grads, wanted) -> firstOnly(grads.get(0).squeeze(toInts(op.axes())), 2));
        typed(OnnxOperator.SQUEEZE, ShapeOps.Squeeze.class,
                (op, node, grads, wanted) -> firstOnly(grads.get(0).unsqueeze(toInts(op.axes())), 2));
        typed(OnnxOperator.CONCAT, ShapeOps.Concat.class, StructuralGradients::concat);
        typed(OnnxOperator.SPLIT, ShapeOps.Split.class, (op, node, grads, wanted) -> {
            List<Value> parts = new ArrayList<>();
            for (int i = 0; i < grads.size(); i++) {
                Value g = grads.get(i);
                parts.add(g != null ? g : GradientSupport.zerosLike(node.output(i)));
            }
            return firstOnly(node.output(0).graph().concat(op.axis(), parts), 2);
        });
        typed(OnnxOperator.SLICE, ShapeOps.Slice.class, StructuralGradients::slice);
        rule(OnnxOperator.EXPAND, (node, grads, wanted) -> firstOnly(unbroadcast(grads.get(0), node.input(0)), 2));
        typed(OnnxOperator.PAD, ShapeOps.Pad.class, StructuralGradients::pad);
    }

    private static void registerIndexing() {
        typed(OnnxOperator.GATHER, IndexOps.Gather.class, StructuralGradients::gather);
        typed(OnnxOperator.GATHER_ELEMENTS, IndexOps.GatherElements.class, (op, node, grads, wanted) -> {
            Value scattered = GradientSupport.zerosLike(node.input(0))
                    .scatterElements(node.input(1), grads.get(0), op.axis(), "add");
            return Arrays.asList(scattered, null);
        });
        // The reversed running sum.
        typed(OnnxOperator.CUM_SUM, IndexOps.CumSum.class, (op, node, grads, wanted) ->
                Arrays.asList(grads.get(0).cumSum(op.axis(), op.exclusive(), !op.reverse()), null));
        // Linear: the same triangle of the gradient.
        typed(OnnxOperator.TRILU, IndexOps.Trilu.class, (op, node, grads, wanted) ->
                Arrays.asList(node.output(0).graph().trilu(grads.get(0), op.upper(), op.k()), null));
    }

    // ---- registration helpers ----

    private static void rule(OnnxOperator op, Rule rule) {
        if (RULES.putIfAbsent(op, rule) != null) {
            throw new IllegalStateException(op + ": two gradient rules");
        }
    }

    private static <T extends Op> void typed(OnnxOperator op, Class<T> type, TypedRule<T> rule) {
        rule(op, (node, grads, wanted) -> rule.apply(type.cast(node.op()), node, grads, wanted));
    }

    private static void binary(OnnxOperator op, BinaryRule rule) {
        rule(op, (node, grads, wanted) ->
                rule.apply(grads.get(0), node.input(0), node.input(1), node.output(0), wanted));
    }

    private static void unary(OnnxOperator op, UnaryRule rule) {
        rule(op, (node, grads, wanted) -> List.of(rule.apply(grads.get(0), node.input(0), node.output(0))));
    }

    // ---- shared pieces of the rules ----

    private static List<Value> pair(boolean[] wanted, Supplier<Value> ga, Supplier<Value> gb) {
        return Arrays.asList(wanted[0] ? ga.get() : null, wanted[1] ? gb.get() : null);
    }

    /** Sends g to a where {@code toA}, to b elsewhere. */
    private static List<Value> routed(Value toA, Value g, Value a, Value b, boolean[] wanted) {
        Graph graph = g.graph();
        Value zero = graph.scalar(0, g.dtype());
        return pair(wanted, () -> unbroadcast(graph.where(toA, g, zero), a),
                () -> unbroadcast(graph.where(toA, zero, g), b));
    }

    /** The gradient for input 0 and nulls for the {@code inputs - 1} shape-like inputs. */
    static List<Value> firstOnly(Value grad, int inputs) {
        List<Value> out = new ArrayList<>(Collections.nCopies(inputs, (Value) null));
        out.set(0, grad);
        return out;
    }

    static int[] toInts(List<Integer> axes) {
        return axes.stream().mapToInt(Integer::intValue).toArray();
    }
}
