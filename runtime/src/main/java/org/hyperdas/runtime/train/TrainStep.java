package org.hyperdas.runtime.train;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;

/**
 * Runs a one-optimizer-step ONNX model again and again, carrying its state (parameters, optimizer
 * moments, counters) from each step's outputs to the next step's inputs without copying.
 *
 * <p><b>How state moves.</b> Every state slot has two direct little-endian buffers, A and B, each
 * wrapped once (zero-copy) in an {@link OnnxTensor}. A step feeds the current set as inputs and
 * passes the other set as <i>pinned outputs</i> ({@code session.run(inputs, pinnedOutputs)}), so
 * ONNX Runtime writes the new state straight into it; then the two sets swap roles. Scalar
 * outputs (loss, metrics) are pinned into tiny preallocated tensors too. After construction a
 * step allocates nothing parameter-sized. The {@code OrtSession.Result} of a run is closed at
 * once: it owns none of the pinned tensors (ONNX Runtime 1.28.0 marks pinned outputs as not owned
 * by the result, and {@code Result.close()} closes only owned values), so closing it leaves the
 * A/B and scalar tensors alive.
 *
 * <p><b>Step counter.</b> Tracked in Java ({@link #steps()}), saved in checkpoints as metadata
 * {@value #STEP_KEY}, and, when the spec names a {@link StepSpec#stepInput() step input}, fed to
 * the model as the 1-based number of the step being taken (from a preallocated one-element
 * tensor). A model may in addition keep its own counter as an ordinary int64 state slot.
 *
 * <p><b>Batch inputs.</b> {@link #step(Map)} takes the batch as tensors the caller created and
 * still owns: TrainStep never closes them and keeps no reference after the call returns. For a
 * copy-free loop, create them once over the caller's own direct buffers
 * ({@link Tensors#tensor(FloatBuffer, long...)}) and rewrite those buffers' contents between
 * steps; ONNX Runtime reads them during {@code step} only.
 *
 * <p><b>Failure.</b> When a run fails (bad batch shape, ONNX Runtime error) the sets are not
 * swapped and the step count is unchanged, so the state is what it was before the call.
 *
 * <p><b>Ownership.</b> A TrainStep built with {@link #TrainStep(OrtSession, StepSpec)} borrows the
 * session (the caller closes it, after this); one built by a {@code create} factory owns its
 * session and closes it in {@link #close()}. Not thread-safe: use one thread at a time.
 */
public final class TrainStep implements AutoCloseable {
    /** Checkpoint metadata key holding the number of completed steps. */
    public static final String STEP_KEY = "step";

    private final OrtSession session;
    private final boolean ownsSession;
    private final StepSpec spec;
    private final String where;
    private final Map<String, SlotBuffers> states = new LinkedHashMap<>();
    private final List<ScalarTensor> scalars = new ArrayList<>();
    private ScalarTensor stepTensor;
    /** inputs[p]: set p's state tensors (+ step tensor); batch tensors are added during a step. */
    @SuppressWarnings("unchecked")
    private final Map<String, OnnxTensor>[] inputs = new Map[] {new HashMap<>(), new HashMap<>()};
    /** outputs[p]: the other set's state tensors + scalar tensors, pinned while set p is current. */
    @SuppressWarnings("unchecked")
    private final Map<String, OnnxValue>[] outputs = new Map[] {new HashMap<>(), new HashMap<>()};
    /** Buffer sets per slot: 2 (A/B, swapped each step) or 1 (updated in place). */
    private final int sets;
    private int current;
    private long steps;
    private boolean closed;

    /**
     * Builds a runner over a session the caller keeps owning.
     *
     * @throws BadInputException when the spec does not match the model's inputs and outputs (a
     *     name missing, a dtype or shape differing, a model input fed by nothing); the message
     *     names the input or output, the spec's value and the model's
     */
    public TrainStep(OrtSession session, StepSpec spec) throws OrtException {
        this(session, false, spec, "model", 2);
    }

    /**
     * A runner (borrowing the session) with <b>one</b> buffer set: each state output is pinned to
     * its input's buffer, so the state is updated in place in half the memory. Only for a model
     * whose state readers all run before any state writer: a {@code TrainingGraph} with
     * global-norm clipping (every update needs the norm of every gradient, so it runs after the
     * whole forward and backward pass). A failed run may leave the state partly updated.
     */
    public static TrainStep inPlace(OrtSession session, StepSpec spec) throws OrtException {
        return new TrainStep(session, false, spec, "model", 1);
    }

    private TrainStep(OrtSession session, boolean ownsSession, StepSpec spec, String where, int sets)
            throws OrtException {
        this.session = Objects.requireNonNull(session, "session");
        this.ownsSession = ownsSession;
        this.sets = sets;
        this.spec = Objects.requireNonNull(spec, "spec");
        this.where = where;
        Map<String, NodeInfo> in = session.getInputInfo();
        Map<String, NodeInfo> out = session.getOutputInfo();
        new StepSpecCheck(spec, where).validate(in, out);
        try {
            allocate(in, out);
        } catch (OrtException | RuntimeException e) {
            closeTensors();
            throw e;
        }
    }

    /** A runner over a new session (standard options of {@code engine}) that it owns and closes. */
    public static TrainStep create(OrtEngine engine, byte[] model, StepSpec spec) throws OrtException {
        return owning(engine.session(model), spec, "model");
    }

    /** A runner over a new session on a .onnx file (external data beside it), owned and closed by it. */
    public static TrainStep create(OrtEngine engine, Path modelFile, StepSpec spec) throws OrtException {
        return owning(engine.session(modelFile), spec, modelFile.toString());
    }

    private static TrainStep owning(OrtSession session, StepSpec spec, String where) throws OrtException {
        try {
            return new TrainStep(session, true, spec, where, 2);
        } catch (OrtException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- validation and allocation

    private void allocate(Map<String, NodeInfo> in, Map<String, NodeInfo> out) throws OrtException {
        SlotBuffers.requireRoom(spec.slots(), sets, where);
        for (StepSpec.Slot s : spec.slots()) {
            SlotBuffers st = new SlotBuffers(s);
            states.put(s.name(), st);
            st.allocate(sets);
            if (s.initial() != null) {
                st.copyInto(current, s.initial());
            }
        }
        for (String o : spec.scalarOutputs()) {
            scalars.add(ScalarTensor.allocate(o, (ai.onnxruntime.TensorInfo) out.get(o).getInfo()));
        }
        if (spec.stepInput() != null) {
            stepTensor = ScalarTensor.allocate(spec.stepInput(),
                    (ai.onnxruntime.TensorInfo) in.get(spec.stepInput()).getInfo());
        }
        for (int p = 0; p < 2; p++) {
            for (SlotBuffers st : states.values()) {
                inputs[p].put(st.slot.input(), st.tensors[p]);
                outputs[p].put(st.slot.output(), st.tensors[1 - p]);
            }
            for (ScalarTensor sc : scalars) {
                outputs[p].put(sc.name(), sc.tensor());
            }
            if (stepTensor != null) {
                inputs[p].put(stepTensor.name(), stepTensor.tensor());
            }
        }
    }

    // ---------------------------------------------------------------- stepping

    /**
     * Runs one optimizer step: feeds the current state and {@code batch}, lets ONNX Runtime write
     * the new state into the other buffer set, and makes that set current.
     *
     * @param batch one tensor per batch input of the spec, exactly those names. The caller owns
     *     them (creates, reuses, closes); they are only read during this call.
     * @return the step count after this step and the scalar outputs
     * @throws IllegalArgumentException when the batch names differ from the spec's (state untouched)
     * @throws OrtException when ONNX Runtime fails (state untouched)
     */
    public StepResult step(Map<String, ? extends OnnxTensor> batch) throws OrtException {
        ensureOpen();
        if (batch.size() != spec.batchInputs().size() || !batch.keySet().containsAll(spec.batchInputs())) {
            List<String> extra = new ArrayList<>(batch.keySet());
            extra.removeAll(spec.batchInputs());
            List<String> missing = new ArrayList<>(spec.batchInputs());
            missing.removeAll(batch.keySet());
            throw new IllegalArgumentException("batch: expected tensors for " + spec.batchInputs()
                    + (missing.isEmpty() ? "" : ", missing " + missing)
                    + (extra.isEmpty() ? "" : ", not batch inputs of the spec: " + extra));
        }
        Map<String, OnnxTensor> in = inputs[current];
        if (stepTensor != null) {
            stepTensor.write(steps + 1);
        }
        in.putAll(batch);
        try {
            // The result owns nothing (every fetched output is pinned); closing it closes nothing of ours.
            try (OrtSession.Result r = session.run(in, outputs[current])) {
                assert r.size() == outputs[current].size();
            }
        } finally {
            for (String b : spec.batchInputs()) {
                in.remove(b);
            }
        }
        current = 1 - current;
        steps++;
        Map<String, Double> values = new LinkedHashMap<>();
        for (ScalarTensor sc : scalars) {
            values.put(sc.name(), sc.read());
        }
        return new StepResult(steps, Collections.unmodifiableMap(values));
    }

    /** {@link #step(Map)} for a model without batch inputs. */
    public StepResult step() throws OrtException {
        return step(Map.of());
    }

    // ---------------------------------------------------------------- accessors

    public StepSpec spec() {
        return spec;
    }

    /** Number of completed steps (restored by {@link #load}). */
    public long steps() {
        return steps;
    }

    /** Sets the completed-step count (e.g. after loading state by other means). */
    public void setSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0: " + steps);
        }
        this.steps = steps;
    }

    /** Slot names in spec order. */
    public List<String> slotNames() {
        return List.copyOf(states.keySet());
    }

    private SlotBuffers state(String name) {
        ensureOpen();
        SlotBuffers st = states.get(name);
        if (st == null) {
            throw new IllegalArgumentException("no state slot named '" + name + "', expected one of " + states.keySet());
        }
        return st;
    }

    private SlotBuffers state(String name, DType dtype) {
        SlotBuffers st = state(name);
        if (st.slot.dtype() != dtype) {
            throw new IllegalArgumentException("slot '" + name + "' is " + st.slot.dtype() + ", not " + dtype);
        }
        return st;
    }

    /** A copy of a float32 slot's current values. */
    public float[] floats(String slot) {
        return Tensors.toArray((FloatBuffer) state(slot, DType.F32).views[current]);
    }

    public double[] doubles(String slot) {
        return Tensors.toArray((DoubleBuffer) state(slot, DType.F64).views[current]);
    }

    public long[] longs(String slot) {
        return Tensors.toArray((LongBuffer) state(slot, DType.I64).views[current]);
    }

    /**
     * A read-only view of a float32 slot's current values, without copying. Valid until the next
     * {@link #step}: the buffer behind it then becomes the output set and is overwritten.
     */
    public FloatBuffer floatView(String slot) {
        return ((FloatBuffer) state(slot, DType.F32).views[current]).asReadOnlyBuffer();
    }

    public DoubleBuffer doubleView(String slot) {
        return ((DoubleBuffer) state(slot, DType.F64).views[current]).asReadOnlyBuffer();
    }

    public LongBuffer longView(String slot) {
        return ((LongBuffer) state(slot, DType.I64).views[current]).asReadOnlyBuffer();
    }

    /**
     * A writable view of a float32 slot's current values, positioned at 0, without copying: for
     * filling large initial values in place (no heap copy). Valid until the next {@link #step}.
     */
    public FloatBuffer writableFloats(String slot) {
        return ((FloatBuffer) state(slot, DType.F32).views[current]).duplicate().clear();
    }

    /** Replaces a float32 slot's current values (length must equal its element count). */
    public void set(String slot, float[] values) {
        state(slot, DType.F32).copyInto(current, FloatBuffer.wrap(values));
    }

    /** Replaces a float32 slot's current values from the buffer's remaining elements. */
    public void set(String slot, FloatBuffer values) {
        state(slot, DType.F32).copyInto(current, values);
    }

    public void set(String slot, double[] values) {
        state(slot, DType.F64).copyInto(current, DoubleBuffer.wrap(values));
    }

    public void set(String slot, long[] values) {
        state(slot, DType.I64).copyInto(current, LongBuffer.wrap(values));
    }

    /** The current buffer object of a slot (tests check that exactly two alternate). */
    Buffer currentBuffer(String slot) {
        return state(slot).views[current];
    }

    /**
     * The current tensor of a slot, to feed another session the state without copying it. Owned
     * by this TrainStep (do not close it); valid until the next {@link #step}.
     */
    public OnnxTensor currentTensor(String slot) {
        return state(slot).tensors[current];
    }

    // ---------------------------------------------------------------- checkpoints

    /**
     * Writes every state slot to a safetensors file, atomically: tensor names are slot names,
     * dtypes and shapes are the slots'. Metadata: {@code metadata} plus {@value #STEP_KEY} = the
     * completed-step count.
     *
     * @throws IllegalArgumentException when {@code metadata} contains {@value #STEP_KEY}
     */
    public void save(Path file, Map<String, String> metadata) throws IOException {
        save(file, metadata, states.keySet());
    }

    /**
     * Writes only the named slots (e.g. the parameters, without optimizer state, for export);
     * otherwise as {@link #save(Path, Map)}.
     */
    public void save(Path file, Map<String, String> metadata, Collection<String> slots) throws IOException {
        ensureOpen();
        if (metadata.containsKey(STEP_KEY)) {
            throw new IllegalArgumentException("metadata key '" + STEP_KEY + "' is reserved for the step count");
        }
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata(metadata);
        w.metadata(STEP_KEY, Long.toString(steps));
        for (String name : slots) {
            SlotBuffers st = state(name);
            w.add(name, st.slot.dtype(), st.shape, st.bytes[current].duplicate().clear());
        }
        w.write(file);
    }

    /**
     * Restores every state slot and the step count from a checkpoint written by {@link #save}.
     * Everything is checked before anything is changed; tensors the file has beyond the slots
     * are ignored.
     *
     * @return the file's metadata
     * @throws BadInputException naming the file and the slot when a slot is missing or its dtype or
     *     shape differs, or naming the field when the step count is missing or malformed
     */
    public Map<String, String> load(Path file) {
        ensureOpen();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (SlotBuffers st : states.values()) {
                st.requireIn(f, file);
            }
            String stepText = f.metadata().get(STEP_KEY);
            long loadedSteps;
            try {
                loadedSteps = stepText == null ? -1 : Long.parseLong(stepText);
            } catch (NumberFormatException e) {
                loadedSteps = -1;
            }
            if (loadedSteps < 0) {
                throw BadInputException.field(file, "__metadata__." + STEP_KEY,
                        "a non-negative integer step count", stepText == null ? "nothing" : "\"" + stepText + "\"");
            }
            for (SlotBuffers st : states.values()) {
                st.bytes[current].duplicate().clear().put(f.bytes(st.slot.name()).duplicate());
            }
            steps = loadedSteps;
            return f.metadata();
        }
    }

    // ---------------------------------------------------------------- lifecycle

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("TrainStep is closed");
        }
    }

    private void closeTensors() {
        for (SlotBuffers st : states.values()) {
            st.release();
        }
        for (ScalarTensor sc : scalars) {
            sc.tensor().close();
        }
        if (stepTensor != null) {
            stepTensor.tensor().close();
        }
    }

    /** Closes the tensors, frees the state now (drop its views first), and the owned session. Idempotent. */
    @Override
    public void close() throws OrtException {
        if (closed) {
            return;
        }
        closed = true;
        closeTensors();
        if (ownsSession) {
            session.close();
        }
    }

    @Override
    public String toString() {
        long params = 0;
        for (SlotBuffers st : states.values()) {
            params += st.slot.elementCount();
        }
        return "TrainStep[" + where + ", " + states.size() + " slots, " + params + " state elements, "
                + steps + " steps]";
    }
}
