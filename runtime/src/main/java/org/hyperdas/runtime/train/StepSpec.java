package org.hyperdas.runtime.train;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.runtime.safetensors.TensorInfo;

/**
 * What a {@link TrainStep} feeds to and reads from its one-optimizer-step ONNX model.
 *
 * <p>Every input of the model must be named exactly once: as a state slot's input, as a batch
 * input, or as the step input. Outputs not named here (neither a slot's output nor a scalar
 * output) are not fetched, so ONNX Runtime does not compute them unless something fetched needs
 * them: a model may carry debugging outputs that a trainer ignores.
 *
 * @param slots state carried from one step to the next (parameters, optimizer moments, counters)
 * @param batchInputs names of the per-step inputs the caller passes to {@link TrainStep#step}
 * @param scalarOutputs names of one-element outputs (loss, metrics) reported by every step
 * @param stepInput name of a one-element input that receives the 1-based number of the step
 *     being taken (1 on the first step, t+1 after t completed steps; AdamW bias correction wants
 *     exactly this), or null when the model takes no such input. Its dtype (int64, float or
 *     double) and shape ([] or [1]) are read from the model.
 */
public record StepSpec(List<Slot> slots, List<String> batchInputs, List<String> scalarOutputs, String stepInput) {

    public StepSpec {
        slots = List.copyOf(slots);
        batchInputs = List.copyOf(batchInputs);
        scalarOutputs = List.copyOf(scalarOutputs);
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("a step spec needs at least one state slot");
        }
        Set<String> names = new HashSet<>();
        Set<String> inputs = new HashSet<>();
        Set<String> outputs = new HashSet<>();
        for (Slot s : slots) {
            require(names.add(s.name()), "slot name '" + s.name() + "' used twice");
            require(inputs.add(s.input()), "model input '" + s.input() + "' named twice (slot '" + s.name() + "')");
            require(outputs.add(s.output()), "model output '" + s.output() + "' named twice (slot '" + s.name() + "')");
        }
        for (String b : batchInputs) {
            require(inputs.add(Objects.requireNonNull(b, "batch input")),
                    "model input '" + b + "' named twice (batch input)");
        }
        if (stepInput != null) {
            require(inputs.add(stepInput), "model input '" + stepInput + "' named twice (step input)");
        }
        for (String o : scalarOutputs) {
            require(outputs.add(Objects.requireNonNull(o, "scalar output")),
                    "model output '" + o + "' named twice (scalar output)");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The slot with this name. */
    public Slot slot(String name) {
        for (Slot s : slots) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no state slot named '" + name + "'");
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * One piece of state: fed as model input {@code input}, replaced after each step by model
     * output {@code output}. Saved in checkpoints under {@code name}.
     *
     * @param name checkpoint tensor name (for parameters, the name export should use)
     * @param input model input that receives the current value
     * @param output model output that yields the next value (same dtype and shape)
     * @param dtype F32, F64 or I64
     * @param shape static shape ([] for a scalar)
     * @param initial initial values: a FloatBuffer, DoubleBuffer or LongBuffer (matching dtype)
     *     whose remaining elements are exactly the element count, or null for zeros. It is not
     *     copied here; its values are read when a TrainStep is built from the spec (any later
     *     change to the array behind it is seen by TrainSteps built later).
     */
    public record Slot(String name, String input, String output, DType dtype, long[] shape, Buffer initial) {
        public Slot {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(dtype, "dtype");
            shape = shape.clone();
            if (dtype != DType.F32 && dtype != DType.F64 && dtype != DType.I64) {
                throw new IllegalArgumentException("slot '" + name + "': dtype " + dtype
                        + " is not supported, expected F32, F64 or I64");
            }
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("slot '" + name + "': shape " + Arrays.toString(shape)
                            + " must be static (dimensions >= 0)");
                }
            }
            if (initial != null) {
                boolean typeOk = switch (dtype) {
                    case F32 -> initial instanceof FloatBuffer;
                    case F64 -> initial instanceof DoubleBuffer;
                    default -> initial instanceof LongBuffer;
                };
                if (!typeOk) {
                    throw new IllegalArgumentException("slot '" + name + "': initial values are a "
                            + initial.getClass().getSimpleName() + ", expected a buffer of " + dtype);
                }
                long n = TensorInfo.elementCount(shape);
                if (initial.remaining() != n) {
                    throw new IllegalArgumentException("slot '" + name + "': " + initial.remaining()
                            + " initial values, expected " + n + " for shape " + Arrays.toString(shape));
                }
            }
        }

        /** A float32 slot; {@code initial} null means zeros. */
        public static Slot f32(String name, String input, String output, long[] shape, float[] initial) {
            return new Slot(name, input, output, DType.F32, shape, initial == null ? null : FloatBuffer.wrap(initial));
        }

        public static Slot f64(String name, String input, String output, long[] shape, double[] initial) {
            return new Slot(name, input, output, DType.F64, shape, initial == null ? null : DoubleBuffer.wrap(initial));
        }

        public static Slot i64(String name, String input, String output, long[] shape, long[] initial) {
            return new Slot(name, input, output, DType.I64, shape, initial == null ? null : LongBuffer.wrap(initial));
        }

        /** A zero-initialized slot of any supported dtype. */
        public static Slot zeros(String name, String input, String output, DType dtype, long... shape) {
            return new Slot(name, input, output, dtype, shape, null);
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long elementCount() {
            return TensorInfo.elementCount(shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Slot s && name.equals(s.name) && input.equals(s.input) && output.equals(s.output)
                    && dtype == s.dtype && Arrays.equals(shape, s.shape) && Objects.equals(initial, s.initial);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, input, output, dtype, Arrays.hashCode(shape));
        }

        @Override
        public String toString() {
            return "Slot[" + name + " " + dtype + Arrays.toString(shape) + ": " + input + " -> " + output + "]";
        }
    }

    /** Collects slots and names in order. */
    public static final class Builder {
        private final List<Slot> slots = new ArrayList<>();
        private final List<String> batchInputs = new ArrayList<>();
        private final List<String> scalarOutputs = new ArrayList<>();
        private String stepInput;

        private Builder() {}

        public Builder slot(Slot slot) {
            slots.add(Objects.requireNonNull(slot));
            return this;
        }

        public Builder batchInput(String... names) {
            batchInputs.addAll(Arrays.asList(names));
            return this;
        }

        public Builder scalarOutput(String... names) {
            scalarOutputs.addAll(Arrays.asList(names));
            return this;
        }

        public Builder stepInput(String name) {
            stepInput = name;
            return this;
        }

        public StepSpec build() {
            return new StepSpec(slots, batchInputs, scalarOutputs, stepInput);
        }
    }
}
