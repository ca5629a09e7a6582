package org.hyperdas.runtime.train;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/** One preallocated one-element tensor (scalar output or step input) over a direct buffer. */
record ScalarTensor(String name, OnnxJavaType type, Buffer view, OnnxTensor tensor) {
    double read() {
        return switch (type) {
            case FLOAT -> ((FloatBuffer) view).get(0);
            case DOUBLE -> ((DoubleBuffer) view).get(0);
            default -> ((LongBuffer) view).get(0);
        };
    }

    void write(long value) {
        switch (type) {
            case FLOAT -> ((FloatBuffer) view).put(0, value);
            case DOUBLE -> ((DoubleBuffer) view).put(0, value);
            default -> ((LongBuffer) view).put(0, value);
        }
    }

    /** Allocates the buffer and wraps it, shaped as the model declares the one element. */
    static ScalarTensor allocate(String name, TensorInfo t) throws OrtException {
        Buffer v = SlotBuffers.view(SlotBuffers.direct(1, t.type == OnnxJavaType.FLOAT ? 4 : 8, name), t.type);
        return new ScalarTensor(name, t.type, v, SlotBuffers.tensor(v, StepSpecCheck.oneElementShape(t)));
    }
}
