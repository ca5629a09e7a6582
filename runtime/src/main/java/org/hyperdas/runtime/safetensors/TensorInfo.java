package org.hyperdas.runtime.safetensors;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives: its file, dtype, shape, and absolute byte range in that file. The
 * absolute offset is what an ONNX external-data initializer needs to point straight into the
 * safetensors file (no conversion, no copy).
 *
 * @param name tensor name as in the header
 * @param file the .safetensors file holding the bytes
 * @param dtype element type
 * @param shape dimensions (defensively copied; an empty array is a scalar)
 * @param offset absolute offset of the first byte in {@code file}
 * @param byteLength number of bytes (= elementCount * dtype size)
 */
public record TensorInfo(String name, Path file, DType dtype, long[] shape, long offset, long byteLength) {
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        if (offset < 0 || byteLength < 0) {
            throw new IllegalArgumentException("negative offset or length for " + name);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    /** Product of the dimensions (1 for a scalar). */
    public long elementCount() {
        return elementCount(shape);
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /** "[64, 512]" style, as used in error messages. */
    public static String shapeString(long[] shape) {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && file.equals(t.file)
                && dtype == t.dtype && Arrays.equals(shape, t.shape) && offset == t.offset
                && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, file, dtype, Arrays.hashCode(shape), offset, byteLength);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @" + file.getFileName() + ":" + offset
                + "+" + byteLength;
    }
}
