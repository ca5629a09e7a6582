package org.hyperdas.evaluation.batch;

import java.nio.LongBuffer;
import java.util.Arrays;
import org.hyperdas.runtime.ort.Tensors;

/**
 * An int64 tensor in a direct, little-endian buffer (row-major), ready to hand to ONNX Runtime
 * without a copy ({@code OnnxTensor.createTensor(env, data(), shape())}).
 */
public record LongTensor(long[] shape, LongBuffer data) {
    public LongTensor {
        shape = shape.clone();
        if (data.capacity() != Tensors.elementCount(shape)) {
            throw new IllegalArgumentException("buffer holds " + data.capacity() + " values, shape "
                    + Arrays.toString(shape) + " needs " + Tensors.elementCount(shape));
        }
    }

    /** A zero-filled tensor (direct buffers start zeroed). */
    public static LongTensor zeros(long... shape) {
        return new LongTensor(shape, Tensors.longs(Tensors.elementCount(shape)));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The buffer, positioned at 0 (a duplicate: callers can't move this tensor's position). */
    @Override
    public LongBuffer data() {
        return data.duplicate().rewind();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return (int) shape[i];
    }

    public long get(int i) {
        return data.get(i);
    }

    public long get(int row, int col) {
        return data.get(row * (int) shape[1] + col);
    }

    void set(int i, long v) {
        data.put(i, v);
    }

    void set(int row, int col, long v) {
        data.put(row * (int) shape[1] + col, v);
    }

    /** One row of a 2-D tensor. */
    public long[] row(int row) {
        long[] out = new long[(int) shape[1]];
        for (int c = 0; c < out.length; c++) {
            out[c] = get(row, c);
        }
        return out;
    }

    /** A row's first n values (n from a mask, for example). */
    public long[] row(int row, int n) {
        return Arrays.copyOf(row(row), n);
    }

    public long[] toArray() {
        long[] out = new long[data.capacity()];
        data().get(out);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(toArray(), t.toArray());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + Arrays.hashCode(toArray());
    }

    @Override
    public String toString() {
        return "LongTensor" + Arrays.toString(shape);
    }
}
