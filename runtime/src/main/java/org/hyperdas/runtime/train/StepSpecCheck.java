package org.hyperdas.runtime.train;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.DType;

/**
 * Checks a {@link StepSpec} against a model's declared inputs and outputs before {@link TrainStep}
 * allocates anything: every message names the model ({@code where}), the input or output, the
 * spec's value and the model's.
 */
final class StepSpecCheck {
    private final StepSpec spec;
    private final String where;

    StepSpecCheck(StepSpec spec, String where) {
        this.spec = spec;
        this.where = where;
    }

    static OnnxJavaType javaType(DType d) {
        return switch (d) {
            case F32 -> OnnxJavaType.FLOAT;
            case F64 -> OnnxJavaType.DOUBLE;
            default -> OnnxJavaType.INT64;
        };
    }

    private static String typeName(OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> "F32";
            case DOUBLE -> "F64";
            case INT64 -> "I64";
            default -> t.toString();
        };
    }

    private TensorInfo tensorInfo(Map<String, NodeInfo> infos, String name, String kind,
            String role) {
        NodeInfo n = infos.get(name);
        if (n == null) {
            throw new BadInputException(where + ": " + kind + " '" + name + "' (" + role
                    + ") does not exist; expected one of the model's " + kind + "s " + infos.keySet());
        }
        ValueInfo v = n.getInfo();
        if (!(v instanceof TensorInfo t)) {
            throw new BadInputException(where + ": " + kind + " '" + name + "' (" + role + ") is " + v
                    + ", expected a tensor");
        }
        return t;
    }

    /** Static shape matching: dims the model leaves symbolic (-1) match anything. */
    private static boolean shapeMatches(long[] spec, long[] model) {
        if (spec.length != model.length) {
            return false;
        }
        for (int i = 0; i < spec.length; i++) {
            if (model[i] >= 0 && model[i] != spec[i]) {
                return false;
            }
        }
        return true;
    }

    private void checkSlotSide(StepSpec.Slot s, TensorInfo t, String kind, String name) {
        String role = "slot '" + s.name() + "'";
        if (t.type != javaType(s.dtype())) {
            throw new BadInputException(where + ": " + kind + " '" + name + "' (" + role + "): dtype "
                    + s.dtype() + " in the step spec, the model declares " + typeName(t.type));
        }
        if (!shapeMatches(s.shape(), t.getShape())) {
            throw new BadInputException(where + ": " + kind + " '" + name + "' (" + role + "): shape "
                    + Arrays.toString(s.shape()) + " in the step spec, the model declares "
                    + Arrays.toString(t.getShape()));
        }
    }

    static long[] oneElementShape(TensorInfo t) {
        long[] shape = t.getShape();
        for (long d : shape) {
            if (d != 1) {
                return null;
            }
        }
        return shape;
    }

    /** Throws BadInputException at the first mismatch between the spec and the model. */
    void validate(Map<String, NodeInfo> in, Map<String, NodeInfo> out) {
        List<String> fed = new ArrayList<>();
        for (StepSpec.Slot s : spec.slots()) {
            checkSlotSide(s, tensorInfo(in, s.input(), "input", "slot '" + s.name() + "'"), "input", s.input());
            checkSlotSide(s, tensorInfo(out, s.output(), "output", "slot '" + s.name() + "'"), "output", s.output());
            fed.add(s.input());
        }
        for (String b : spec.batchInputs()) {
            tensorInfo(in, b, "input", "batch input");
            fed.add(b);
        }
        if (spec.stepInput() != null) {
            TensorInfo t = tensorInfo(in, spec.stepInput(), "input", "step input");
            checkScalar(t, "input", spec.stepInput(), "step input");
            fed.add(spec.stepInput());
        }
        for (String o : spec.scalarOutputs()) {
            checkScalar(tensorInfo(out, o, "output", "scalar output"), "output", o, "scalar output");
        }
        List<String> unfed = new ArrayList<>(in.keySet());
        unfed.removeAll(fed);
        if (!unfed.isEmpty()) {
            throw new BadInputException(where + ": input(s) " + unfed + " are fed by nothing; expected each"
                    + " model input to be a slot input, a batch input or the step input of the step spec");
        }
    }

    private void checkScalar(TensorInfo t, String kind, String name, String role) {
        if (t.type != OnnxJavaType.FLOAT && t.type != OnnxJavaType.DOUBLE && t.type != OnnxJavaType.INT64) {
            throw new BadInputException(where + ": " + kind + " '" + name + "' (" + role + "): dtype "
                    + typeName(t.type) + ", expected F32, F64 or I64");
        }
        if (oneElementShape(t) == null) {
            throw new BadInputException(where + ": " + kind + " '" + name + "' (" + role + "): shape "
                    + Arrays.toString(t.getShape()) + ", expected one static element ([] or [1])");
        }
    }
}
