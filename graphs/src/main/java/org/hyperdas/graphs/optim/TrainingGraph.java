package org.hyperdas.graphs.optim;

import ai.onnxruntime.OrtException;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.hyperdas.graphs.Autodiff;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Value;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.train.GroupedTrainStep;
import org.hyperdas.runtime.train.StepSpec;
import org.hyperdas.runtime.train.TrainStep;

/**
 * A graph with a scalar loss turned into one optimizer step: gradients ({@link Autodiff}), global
 * clipping and the update ({@link Optimizers}), the outputs a {@link TrainStep} carries from step
 * to step, and the {@link StepSpec} that wires them up.
 *
 * <p>Names in the model (parameter {@code p}, e.g. an HF-style "layers.0.mlp.weight"):
 * <table>
 *   <caption>inputs and outputs</caption>
 *   <tr><th>input</th><th>output</th><th>StepSpec role</th></tr>
 *   <tr><td>{@code p}</td><td>{@code p.next}</td><td>slot {@code p} (initial values from the caller)</td></tr>
 *   <tr><td>{@code p.adam_m}, {@code p.adam_v} (AdamW), {@code p.momentum} (SGD)</td>
 *       <td>the same + {@code .next}</td><td>slot of that name, zeros at first</td></tr>
 *   <tr><td>{@value Optimizers#STEP_INPUT} (AdamW; int64, 1-based)</td><td></td><td>step input</td></tr>
 *   <tr><td>{@value Optimizers#LR_SCALE_INPUT} (if scheduled)</td><td></td>
 *       <td>batch input: the caller feeds the schedule factor each step</td></tr>
 *   <tr><td>every other graph input</td><td></td><td>batch input</td></tr>
 *   <tr><td></td><td>{@value #LOSS}, {@value #GRAD_NORM} (before clipping), each metric</td>
 *       <td>scalar outputs</td></tr>
 * </table>
 * Slot names are the input names, so a checkpoint written by {@link TrainStep#save} holds the
 * parameters under their own names next to their optimizer state. The step counter is not an
 * output: TrainStep keeps it and saves it in the checkpoint's metadata.
 *
 * <p>Building appends to the caller's graph, which should not change afterwards: the model bytes
 * are serialized once, at {@link Builder#build()}.
 */
public final class TrainingGraph {
    /** Output name of the loss. */
    public static final String LOSS = "loss";
    /** Output name of the global gradient norm before clipping. */
    public static final String GRAD_NORM = "grad_norm";
    /** Suffix of the output that carries a slot's next value. */
    public static final String NEXT = ".next";

    /** A StepSpec slot before its initial values are known. */
    private record SlotInfo(String name, long[] shape) {
    }

    private final Graph graph;
    private final DType dtype;
    private final byte[] model;
    private final List<SlotInfo> parameters;
    private final List<SlotInfo> state;
    private final List<String> batchInputs;
    private final List<String> scalarOutputs;
    private final String stepInput;
    private final String lrScaleInput;
    private final int stepsPerCall;

    private TrainingGraph(Graph graph, DType dtype, List<SlotInfo> parameters, List<SlotInfo> state,
            List<String> batchInputs, List<String> scalarOutputs, String stepInput, String lrScaleInput) {
        this(graph, dtype, parameters, state, batchInputs, scalarOutputs, stepInput, lrScaleInput, 1);
    }

    private TrainingGraph(Graph graph, DType dtype, List<SlotInfo> parameters, List<SlotInfo> state,
            List<String> batchInputs, List<String> scalarOutputs, String stepInput, String lrScaleInput,
            int stepsPerCall) {
        this.graph = graph;
        this.dtype = dtype;
        this.model = graph.toBytes();
        this.parameters = List.copyOf(parameters);
        this.state = List.copyOf(state);
        this.batchInputs = List.copyOf(batchInputs);
        this.scalarOutputs = List.copyOf(scalarOutputs);
        this.stepInput = stepInput;
        this.lrScaleInput = lrScaleInput;
        this.stepsPerCall = stepsPerCall;
    }

    /**
     * The model that takes {@code k} of this graph's steps per call ({@link MultiStepGraph}): the same
     * slots, batch inputs stacked [k, ...] (the lr factor [k]), the step input the number of the
     * first of the k steps, and each step's scalars as {@code loss[i]}, {@code grad_norm[i]}, ...;
     * run it with {@link org.hyperdas.runtime.train.GroupedTrainStep}. This graph is left unchanged.
     *
     * @param k steps per call, at least 2
     */
    public TrainingGraph multiStep(int k) {
        if (stepsPerCall != 1) {
            throw new GraphBuildException("TrainingGraph.multiStep: this graph already takes " + stepsPerCall
                    + " steps per call");
        }
        List<String> carried = new ArrayList<>(parameterNames());
        carried.addAll(stateNames());
        Graph outer = MultiStepGraph.build(graph, carried, batchInputs, stepInput, scalarOutputs, k);
        return new TrainingGraph(outer, dtype, parameters, state, batchInputs, scalarOutputs, stepInput,
                lrScaleInput, k);
    }

    /** Optimizer steps per run of {@link #model()}: 1, or k for a {@link #multiStep} graph. */
    public int stepsPerCall() {
        return stepsPerCall;
    }

    /** Starts a training step for the scalar {@code loss}; its graph receives the new nodes. */
    public static Builder builder(Value loss) {
        return new Builder(loss);
    }

    public Graph graph() {
        return graph;
    }

    /** The serialized model (a copy). */
    public byte[] model() {
        return model.clone();
    }

    /** The parameters' dtype (float32 or float64). */
    public DType dtype() {
        return dtype;
    }

    /** Trainable parameter names, in the order they were added (also their slot names). */
    public List<String> parameterNames() {
        return parameters.stream().map(SlotInfo::name).toList();
    }

    /** Optimizer-state slot names, e.g. "w.adam_m", "w.adam_v". */
    public List<String> stateNames() {
        return state.stream().map(SlotInfo::name).toList();
    }

    /** Inputs the caller feeds to each {@link TrainStep#step}; the lr factor input is one of them. */
    public List<String> batchInputs() {
        return batchInputs;
    }

    /**
     * Loss, grad norm and metrics, in that order (of each step; a {@link #multiStep} model outputs
     * them per step under {@link GroupedTrainStep#perStep}).
     */
    public List<String> scalarOutputs() {
        return scalarOutputs;
    }

    /** The learning-rate factor input, or null when learning rates are constants. */
    public String lrScaleInput() {
        return lrScaleInput;
    }

    /**
     * The spec for a float32 graph: one slot per parameter with {@code initial} values, zeroed
     * optimizer state, the batch inputs, scalar outputs and step input.
     *
     * @param initial values of every parameter (exactly those names), row-major
     * @throws IllegalArgumentException when a parameter has no values, a name is no parameter, or
     *     a length differs from the parameter's element count
     */
    public StepSpec stepSpec(Map<String, float[]> initial) {
        requireDType(DType.FLOAT32, "stepSpec(Map<String, float[]>)");
        Map<String, Buffer> buffers = new LinkedHashMap<>();
        initial.forEach((k, v) -> buffers.put(k, FloatBuffer.wrap(v)));
        return spec(buffers, org.hyperdas.runtime.safetensors.DType.F32);
    }

    /**
     * The spec for a float32 graph with every slot starting at zero: for parameters too large to
     * pass as arrays, filled afterwards in the TrainStep's own buffers
     * ({@code TrainStep.writableFloats}) before the first step.
     */
    public StepSpec stepSpecFilledLater() {
        requireDType(DType.FLOAT32, "stepSpecFilledLater()");
        StepSpec.Builder b = StepSpec.builder();
        for (SlotInfo p : parameters) {
            b.slot(StepSpec.Slot.zeros(p.name(), p.name(), p.name() + NEXT, org.hyperdas.runtime.safetensors.DType.F32,
                    p.shape()));
        }
        return finish(b, org.hyperdas.runtime.safetensors.DType.F32);
    }

    /** {@link #stepSpec(Map)} for a float64 graph. */
    public StepSpec stepSpecDoubles(Map<String, double[]> initial) {
        requireDType(DType.FLOAT64, "stepSpecDoubles(Map<String, double[]>)");
        Map<String, Buffer> buffers = new LinkedHashMap<>();
        initial.forEach((k, v) -> buffers.put(k, DoubleBuffer.wrap(v)));
        return spec(buffers, org.hyperdas.runtime.safetensors.DType.F64);
    }

    /** A ready TrainStep (it owns its session) for a float32 graph; see {@link #stepSpec(Map)}. */
    public TrainStep open(OrtEngine engine, Map<String, float[]> initial) throws OrtException {
        return TrainStep.create(engine, model, stepSpec(initial));
    }

    private void requireDType(DType expected, String method) {
        if (dtype != expected) {
            throw new IllegalArgumentException(method + " is for " + expected
                    + " graphs; this graph's parameters are " + dtype);
        }
    }

    private StepSpec spec(Map<String, Buffer> initial, org.hyperdas.runtime.safetensors.DType slotType) {
        Set<String> unknown = new TreeSet<>(initial.keySet());
        unknown.removeAll(parameterNames());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("initial values for " + unknown
                    + ", which are not parameters; expected " + parameterNames());
        }
        StepSpec.Builder b = StepSpec.builder();
        for (SlotInfo p : parameters) {
            Buffer values = initial.get(p.name());
            if (values == null) {
                throw new IllegalArgumentException("no initial values for parameter '" + p.name() + "'");
            }
            b.slot(new StepSpec.Slot(p.name(), p.name(), p.name() + NEXT, slotType, p.shape(), values));
        }
        return finish(b, slotType);
    }

    /** Adds the zeroed optimizer state, batch inputs, scalar outputs and step input. */
    private StepSpec finish(StepSpec.Builder b, org.hyperdas.runtime.safetensors.DType slotType) {
        for (SlotInfo s : state) {
            b.slot(StepSpec.Slot.zeros(s.name(), s.name(), s.name() + NEXT, slotType, s.shape()));
        }
        b.batchInput(batchInputs.toArray(String[]::new));
        for (int i = 0; i < stepsPerCall; i++) {
            for (String o : scalarOutputs) {
                b.scalarOutput(stepsPerCall == 1 ? o : GroupedTrainStep.perStep(o, i));
            }
        }
        if (stepInput != null) {
            b.stepInput(stepInput);
        }
        return b.build();
    }

    /**
     * Collects the trainable parameters, their groups, the rule and the metrics. Groups are
     * declared once and parameters refer to them by name, so a typo in a name is an error at
     * {@link #build()}, not a parameter silently trained with the wrong rate.
     */
    public static final class Builder {
        private final Value loss;
        private final Map<String, ParamGroup> groups = new LinkedHashMap<>();
        private final Map<Value, String> assignments = new LinkedHashMap<>();
        private final Map<String, Value> metrics = new LinkedHashMap<>();
        private OptimizerConfig optimizer = AdamWConfig.defaults();
        private double clipNorm;
        private boolean scheduledLr;
        private boolean built;

        private Builder(Value loss) {
            this.loss = Objects.requireNonNull(loss, "loss");
        }

        /** The update rule; AdamW with torch's defaults unless set. */
        public Builder optimizer(OptimizerConfig config) {
            this.optimizer = Objects.requireNonNull(config, "optimizer");
            return this;
        }

        /** Declares a group; its name must be new. */
        public Builder group(ParamGroup group) {
            if (groups.putIfAbsent(group.name(), group) != null) {
                throw new GraphBuildException("TrainingGraph: group '" + group.name() + "' declared twice");
            }
            return this;
        }

        /** Trains {@code parameters} (graph parameters) with the group named {@code group}. */
        public Builder params(String group, Value... parameters) {
            for (Value p : parameters) {
                String previous = assignments.putIfAbsent(p, group);
                if (previous != null) {
                    throw new GraphBuildException("TrainingGraph: parameter '" + p.name() + "' assigned to group '"
                            + group + "' after group '" + previous + "'");
                }
            }
            return this;
        }

        /** Global gradient-norm clipping; 0 (the default) disables it. */
        public Builder clipNorm(double maxNorm) {
            this.clipNorm = maxNorm;
            return this;
        }

        /** Adds the {@value Optimizers#LR_SCALE_INPUT} input that multiplies every group's lr. */
        public Builder scheduledLr(boolean scheduled) {
            this.scheduledLr = scheduled;
            return this;
        }

        /** Reports a one-element value (e.g. accuracy) from every step under {@code name}. */
        public Builder metric(String name, Value value) {
            if (metrics.putIfAbsent(name, value) != null) {
                throw new GraphBuildException("TrainingGraph: metric '" + name + "' added twice");
            }
            return this;
        }

        /**
         * Appends the backward pass and the update to the graph, declares the outputs and
         * serializes the model. Once per builder: a second call would append a second update.
         *
         * @throws GraphBuildException when a parameter refers to an undeclared group, a group has
         *     no parameters, a graph parameter is in no group, a parameter has no gradient path to
         *     the loss (naming it), or a metric is not a single element
         */
        public TrainingGraph build() {
            if (built) {
                throw new GraphBuildException("TrainingGraph: build() was already called on this builder");
            }
            built = true;
            Graph g = loss.graph();
            checkGroups(g);
            for (Map.Entry<String, Value> m : metrics.entrySet()) {
                if (m.getValue().graph() != g || !m.getValue().shape().dims().stream().allMatch(Dim::isOne)) {
                    throw new GraphBuildException("TrainingGraph: metric '" + m.getKey() + "' " + m.getValue()
                            + " must be a one-element value of the loss's graph");
                }
            }
            List<Value> params = new ArrayList<>(assignments.keySet());
            List<Value> grads = gradients(g, params);
            List<Optimizers.Target> targets = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                Value p = params.get(i);
                targets.add(new Optimizers.Target(p, grads.get(i), groups.get(assignments.get(p))));
            }
            Optimizers.Update update = Optimizers.emit(targets, optimizer, clipNorm, scheduledLr);

            List<String> scalars = new ArrayList<>(List.of(LOSS, GRAD_NORM));
            g.output(LOSS, loss);
            g.output(GRAD_NORM, update.gradNorm());
            for (Map.Entry<String, Value> m : metrics.entrySet()) {
                g.output(m.getKey(), m.getValue());
                scalars.add(m.getKey());
            }
            List<SlotInfo> paramSlots = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                Value p = params.get(i);
                g.output(p.name() + NEXT, update.nextParameters().get(i));
                paramSlots.add(new SlotInfo(p.name(), p.shape().staticDims()));
            }
            List<SlotInfo> stateSlots = new ArrayList<>();
            Set<Value> carried = new HashSet<>(params);
            for (Optimizers.StateTensor s : update.state()) {
                g.output(s.name() + NEXT, s.next());
                stateSlots.add(new SlotInfo(s.name(), s.input().shape().staticDims()));
                carried.add(s.input());
            }
            List<String> batch = new ArrayList<>();
            for (Value in : g.inputs()) {
                if (!carried.contains(in) && in != update.step()) {
                    batch.add(in.name());
                }
            }
            return new TrainingGraph(g, params.get(0).dtype(), paramSlots, stateSlots, batch, scalars,
                    update.step() == null ? null : update.step().name(),
                    update.lrScale() == null ? null : update.lrScale().name());
        }

        private void checkGroups(Graph g) {
            if (assignments.isEmpty()) {
                throw new GraphBuildException(
                        "TrainingGraph: no parameters to train; add them with params(group, ...)");
            }
            for (Map.Entry<Value, String> a : assignments.entrySet()) {
                if (!groups.containsKey(a.getValue())) {
                    throw new GraphBuildException("TrainingGraph: parameter '" + a.getKey().name()
                            + "' refers to group '" + a.getValue() + "', which is not declared; declared groups: "
                            + groups.keySet());
                }
            }
            Set<String> used = new HashSet<>(assignments.values());
            for (String name : groups.keySet()) {
                if (!used.contains(name)) {
                    throw new GraphBuildException("TrainingGraph: group '" + name + "' has no parameters");
                }
            }
            for (Value p : g.parameters()) {
                if (!assignments.containsKey(p)) {
                    throw new GraphBuildException("TrainingGraph: graph parameter '" + p.name() + "' is in no group;"
                            + " assign it with params(group, ...) or declare it as an input");
                }
            }
        }

        /**
         * Gradients of the loss. Parameters the loss does not depend on at all are reported
         * together, with their groups, before Autodiff runs; a path that exists but carries no
         * gradient (through an integer value, say) is Autodiff's error, which names the parameter
         * and the blocking node.
         */
        private List<Value> gradients(Graph g, List<Value> params) {
            Set<Value> influencing = new HashSet<>(Set.of(loss));
            List<Node> nodes = g.nodes();
            for (int i = nodes.size() - 1; i >= 0; i--) {
                if (nodes.get(i).outputs().stream().anyMatch(influencing::contains)) {
                    influencing.addAll(nodes.get(i).inputs());
                }
            }
            List<String> disconnected = new ArrayList<>();
            for (Value p : params) {
                if (!influencing.contains(p)) {
                    disconnected.add("'" + p.name() + "' (group '" + assignments.get(p) + "')");
                }
            }
            if (!disconnected.isEmpty()) {
                throw new GraphBuildException("TrainingGraph: the loss " + loss + " does not depend on parameter(s) "
                        + String.join(", ", disconnected) + ", so they have no gradient; remove them from the groups");
            }
            try {
                return Autodiff.gradients(loss, params);
            } catch (GraphBuildException e) {
                GraphBuildException wrapped = new GraphBuildException("TrainingGraph: " + e.getMessage());
                wrapped.initCause(e);
                throw wrapped;
            }
        }
    }
}
