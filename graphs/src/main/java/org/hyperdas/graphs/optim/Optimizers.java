package org.hyperdas.graphs.optim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;

/**
 * Emits an optimizer update as graph nodes, so that one ONNX model performs a whole training step
 * (ONNX Runtime's Java builds cannot train).
 *
 * <p>The update reads, besides the parameters and their gradients, graph inputs it creates itself:
 * <ul>
 *   <li>optimizer state per parameter {@code p}, same dtype and shape, zeros before the first step:
 *       {@code p.adam_m} and {@code p.adam_v} (AdamW), {@code p.momentum} (SGD with momentum);
 *   <li>{@value #STEP_INPUT}: int64 rank-0, the 1-based number of the step being taken (AdamW's
 *       bias correction; TrainStep's step input feeds exactly this);
 *   <li>{@value #LR_SCALE_INPUT}: rank-0 of the parameters' dtype, only when the learning rate is
 *       scheduled. It multiplies every group's base lr, as torch's LambdaLR and the transformers
 *       schedules do, so one Java-side {@link LrSchedule} drives groups with different base rates
 *       and the session is never rebuilt. With one group of base lr 1 it is the learning rate.
 * </ul>
 *
 * <p>Gradient clipping follows torch.nn.utils.clip_grad_norm_: with {@code n} the L2 norm of all
 * gradients together, every gradient is scaled by {@code min(1, clipNorm / (n + 1e-6))}. The
 * update reports {@code n} (before clipping) whether or not it clips.
 *
 * <p>All parameters share one floating dtype (the global norm mixes them); hyperparameters become
 * constants of that dtype. Nodes are named under the scope "optim".
 */
public final class Optimizers {
    /** Name of the step-counter input. */
    public static final String STEP_INPUT = "step";
    /** Name of the learning-rate factor input. */
    public static final String LR_SCALE_INPUT = "lr_scale";
    /** Added to the global norm before dividing, as clip_grad_norm_ does. */
    public static final double CLIP_EPS = 1e-6;

    private Optimizers() {
    }

    /** A trainable tensor (a {@link Graph#parameter}), its gradient and its group. */
    public record Target(Value parameter, Value gradient, ParamGroup group) {
    }

    /** One state tensor of a parameter: the graph input holding it and its value after the step. */
    public record StateTensor(Value parameter, Value input, Value next) {
        /** The input's name, e.g. "w.adam_m". */
        public String name() {
            return input.name();
        }
    }

    /**
     * What {@link #emit} appended.
     *
     * @param nextParameters each target's parameter after the step, in target order
     * @param state optimizer state in target order; each starts as zeros
     * @param gradNorm global L2 norm of the gradients before clipping, rank 0
     * @param step the {@value #STEP_INPUT} input, or null when the rule needs no step counter
     * @param lrScale the {@value #LR_SCALE_INPUT} input, or null when learning rates are constants
     */
    public record Update(List<Value> nextParameters, List<StateTensor> state, Value gradNorm, Value step,
            Value lrScale) {
        public Update {
            nextParameters = List.copyOf(nextParameters);
            state = List.copyOf(state);
        }
    }

    /**
     * Appends clipping and the update rule for {@code targets} to their graph.
     *
     * @param clipNorm maximum global gradient norm; 0 disables clipping (as max_grad_norm 0 does in
     *     transformers' Trainer)
     * @param scheduledLr whether learning rates are base lr times the {@value #LR_SCALE_INPUT} input
     * @throws GraphBuildException naming the parameter when one is not a graph parameter, has no
     *     gradient or a gradient of another dtype or shape; naming the group when one name comes
     *     with two different settings
     */
    public static Update emit(List<Target> targets, OptimizerConfig config, double clipNorm, boolean scheduledLr) {
        Objects.requireNonNull(config, "config");
        DType dtype = validate(targets, clipNorm);
        Graph g = targets.get(0).parameter().graph();
        try (Graph.Scope s = g.scope("optim")) {
            Value lrScale = scheduledLr ? g.input(LR_SCALE_INPUT, dtype, Shape.scalar()) : null;
            Value norm = globalNorm(targets);
            List<Value> grads = new ArrayList<>();
            Value coef = clipNorm <= 0 ? null
                    : g.scalar(clipNorm, dtype).div(norm.add(CLIP_EPS)).min(g.scalar(1, dtype));
            for (Target t : targets) {
                grads.add(coef == null ? t.gradient() : t.gradient().mul(coef));
            }
            Map<String, Value> lrs = new HashMap<>();
            for (Target t : targets) {
                ParamGroup group = t.group();
                lrs.computeIfAbsent(group.name(),
                        k -> lrScale == null ? g.scalar(group.lr(), dtype) : lrScale.mul(group.lr()));
            }
            if (config instanceof AdamWConfig adam) {
                return adamW(g, targets, grads, lrs, adam, dtype, norm, lrScale);
            }
            return sgd(targets, grads, lrs, (SgdConfig) config, dtype, norm, lrScale);
        }
    }

    private static Update adamW(Graph g, List<Target> targets, List<Value> grads, Map<String, Value> lrs,
            AdamWConfig c, DType dtype, Value norm, Value lrScale) {
        Value step = g.input(STEP_INPUT, DType.INT64, Shape.scalar());
        Value t = step.cast(dtype);
        // beta^t as exp(t * ln beta): the IR's Pow takes a constant exponent only. The result is
        // within a few ulps of Math.pow (and exactly 0 for beta = 0, as exp(-inf) is). A float32
        // t is exact up to 2^24 steps.
        Value bc1 = t.mul(Math.log(c.beta1())).exp().rsub(1);
        Value sqrtBc2 = t.mul(Math.log(c.beta2())).exp().rsub(1).sqrt();
        Map<String, Value> stepSizes = new HashMap<>();
        Map<String, Value> decays = new HashMap<>();
        List<Value> next = new ArrayList<>();
        List<StateTensor> state = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Target target = targets.get(i);
            Value p = target.parameter();
            Value grad = grads.get(i);
            ParamGroup group = target.group();
            Value lr = lrs.get(group.name());
            Value stepSize = stepSizes.computeIfAbsent(group.name(), k -> lr.div(bc1));
            Value m = g.input(p.name() + ".adam_m", dtype, p.shape());
            Value v = g.input(p.name() + ".adam_v", dtype, p.shape());
            Value m2 = m.mul(c.beta1()).add(grad.mul(1 - c.beta1()));
            Value v2 = v.mul(c.beta2()).add(grad.mul(grad).mul(1 - c.beta2()));
            Value decayed = p;
            if (group.weightDecay() > 0) {
                // Decoupled: the decay shrinks the parameter itself and never enters the moments.
                decayed = p.mul(decays.computeIfAbsent(group.name(), k -> lr.mul(group.weightDecay()).rsub(1)));
            }
            Value denom = v2.sqrt().div(sqrtBc2).add(c.eps());
            next.add(decayed.sub(m2.div(denom).mul(stepSize)));
            state.add(new StateTensor(p, m, m2));
            state.add(new StateTensor(p, v, v2));
        }
        return new Update(next, state, norm, step, lrScale);
    }

    private static Update sgd(List<Target> targets, List<Value> grads, Map<String, Value> lrs, SgdConfig c,
            DType dtype, Value norm, Value lrScale) {
        List<Value> next = new ArrayList<>();
        List<StateTensor> state = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Target target = targets.get(i);
            Value p = target.parameter();
            Value d = grads.get(i);
            if (target.group().weightDecay() > 0) {
                d = d.add(p.mul(target.group().weightDecay()));
            }
            if (c.momentum() > 0) {
                Value buf = p.graph().input(p.name() + ".momentum", dtype, p.shape());
                d = buf.mul(c.momentum()).add(d);
                state.add(new StateTensor(p, buf, d));
            }
            next.add(p.sub(d.mul(lrs.get(target.group().name()))));
        }
        return new Update(next, state, norm, null, lrScale);
    }

    /** sqrt of the sum of squares of every gradient element, rank 0. */
    private static Value globalNorm(List<Target> targets) {
        Value total = null;
        for (Target t : targets) {
            Value sq = t.gradient().mul(t.gradient());
            Value sum = sq.rank() == 0 ? sq : sq.reduceSum(false);
            total = total == null ? sum : total.add(sum);
        }
        return total.sqrt();
    }

    private static DType validate(List<Target> targets, double clipNorm) {
        if (targets == null || targets.isEmpty()) {
            throw new GraphBuildException("optimizer: no parameters to update");
        }
        if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
            throw new GraphBuildException("optimizer: clip norm " + clipNorm
                    + " must be finite and >= 0 (0: no clipping)");
        }
        Graph g = targets.get(0).parameter().graph();
        DType dtype = targets.get(0).parameter().dtype();
        Set<Value> seen = new HashSet<>();
        Map<String, ParamGroup> groups = new HashMap<>();
        for (Target t : targets) {
            Value p = Objects.requireNonNull(t.parameter(), "parameter");
            String what = "optimizer: parameter '" + p.name() + "'";
            if (p.graph() != g || !g.parameters().contains(p)) {
                throw new GraphBuildException(what + " is not a parameter of graph '" + g.name()
                        + "' (declare it with Graph.parameter)");
            }
            if (!seen.add(p)) {
                throw new GraphBuildException(what + " is listed twice");
            }
            if (p.dtype() != dtype || !dtype.isFloating()) {
                throw new GraphBuildException(what + " is " + p.dtype() + ", expected every parameter to be "
                        + (dtype.isFloating() ? dtype : "float32 or float64") + " like '"
                        + targets.get(0).parameter().name() + "'");
            }
            if (!p.shape().isStatic()) {
                throw new GraphBuildException(what + " has shape " + p.shape() + "; trainable shapes must be static");
            }
            Value grad = t.gradient();
            if (grad == null) {
                throw new GraphBuildException(what + " has no gradient");
            }
            if (grad.graph() != g || grad.dtype() != p.dtype() || !grad.shape().equals(p.shape())) {
                throw new GraphBuildException(what + " " + p.dtype() + p.shape() + " has gradient " + grad
                        + (grad.graph() != g ? " from another graph" : " of another dtype or shape"));
            }
            ParamGroup group = Objects.requireNonNull(t.group(), () -> what + " has no group");
            ParamGroup other = groups.putIfAbsent(group.name(), group);
            if (other != null && !other.equals(group)) {
                throw new GraphBuildException("optimizer: group '" + group.name() + "' is given with two settings: "
                        + other + " and " + group);
            }
        }
        return dtype;
    }
}
