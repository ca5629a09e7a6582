package org.hyperdas.graphs;

import java.util.Locale;

/** Element types the IR knows, with their ONNX TensorProto.DataType codes. */
public enum DType {
    FLOAT32(1, 4, true),
    FLOAT64(11, 8, true),
    INT32(6, 4, false),
    INT64(7, 8, false),
    BOOL(9, 1, false);

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
