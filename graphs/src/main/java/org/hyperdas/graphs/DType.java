package org.hyperdas.graphs;

import java.util.Locale;

/**
 * Element types the IR knows, with their ONNX TensorProto.DataType codes.
 *
 * <p>{@link #BFLOAT16} and {@link #FLOAT16} are storage types: the form Hugging Face checkpoints
 * ship weights in. Only Cast and Identity accept them (ONNX Runtime's CPU provider has few 16-bit
 * kernels), so a bf16 external initializer is cast to float32 before use, a cast ONNX Runtime
 * constant-folds when it loads the session.
 */
public enum DType {
    FLOAT32(1, 4, true),
    FLOAT64(11, 8, true),
    INT32(6, 4, false),
    INT64(7, 8, false),
    BOOL(9, 1, false),
    FLOAT16(10, 2, true),
    BFLOAT16(16, 2, true);

    private final int onnxCode;
    private final int byteSize;
    private final boolean floating;

    DType(int onnxCode, int byteSize, boolean floating) {
        this.onnxCode = onnxCode;
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** The TensorProto.DataType enum value. */
    public int onnxCode() {
        return onnxCode;
    }

    public int byteSize() {
        return byteSize;
    }

    /** Only floating types carry gradients. */
    public boolean isFloating() {
        return floating;
    }

    public static DType fromOnnxCode(int code) {
        for (DType t : values()) {
            if (t.onnxCode == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported ONNX element type " + code);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
