package org.hyperdas.runtime.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * Direct-buffer tensors. ONNX Runtime wraps a direct, native-order buffer without copying it
 * (a heap array or float[][] is copied, and getValue() builds nested Java arrays: measured 15x
 * slower), and {@code session.run(inputs, pinnedOutputs)} writes into tensors made this way, so a
 * step can run without copying anything. Buffers are little-endian, which is native order on
 * every platform ONNX Runtime ships for.
 */
public final class Tensors {
    private Tensors() {}

    public static FloatBuffer floats(long n) {
        return direct(n, 4).asFloatBuffer();
    }

    public static DoubleBuffer doubles(long n) {
        return direct(n, 8).asDoubleBuffer();
    }

    public static LongBuffer longs(long n) {
        return direct(n, 8).asLongBuffer();
    }

    public static IntBuffer ints(long n) {
        return direct(n, 4).asIntBuffer();
    }

    /**
     * A direct buffer holding {@code values}. Named apart from {@link #floats(long)} on purpose:
     * with one overloaded name, {@code longs(1L)} would silently pick the size overload.
     */
    public static FloatBuffer floatsOf(float... values) {
        FloatBuffer b = floats(values.length);
        b.put(values).rewind();
        return b;
    }

    public static DoubleBuffer doublesOf(double... values) {
        DoubleBuffer b = doubles(values.length);
        b.put(values).rewind();
        return b;
    }

    public static LongBuffer longsOf(long... values) {
        LongBuffer b = longs(values.length);
        b.put(values).rewind();
        return b;
    }

    private static ByteBuffer direct(long n, int size) {
        if (n < 0 || n * size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(n + " elements of " + size + " bytes do not fit one direct buffer");
        }
        return ByteBuffer.allocateDirect((int) (n * size)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Product of the dimensions. */
    public static long elementCount(long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative (symbolic?) dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void check(Buffer b, long[] shape) {
        if (!b.isDirect()) {
            throw new IllegalArgumentException("buffer must be direct, or ONNX Runtime copies it");
        }
        long n = elementCount(shape);
        if (b.remaining() != n) {
            throw new IllegalArgumentException("buffer has " + b.remaining() + " elements remaining, shape "
                    + Arrays.toString(shape) + " needs " + n);
        }
    }

    /** Zero-copy tensor over the buffer's remaining elements (must be direct, little-endian). */
    public static OnnxTensor tensor(FloatBuffer data, long... shape) throws OrtException {
        check(data, shape);
        return OnnxTensor.createTensor(OrtEngine.environment(), data, shape);
    }

    public static OnnxTensor tensor(DoubleBuffer data, long... shape) throws OrtException {
        check(data, shape);
        return OnnxTensor.createTensor(OrtEngine.environment(), data, shape);
    }

    public static OnnxTensor tensor(LongBuffer data, long... shape) throws OrtException {
        check(data, shape);
        return OnnxTensor.createTensor(OrtEngine.environment(), data, shape);
    }

    public static OnnxTensor tensor(IntBuffer data, long... shape) throws OrtException {
        check(data, shape);
        return OnnxTensor.createTensor(OrtEngine.environment(), data, shape);
    }

    /** A new zero-filled float tensor over a fresh direct buffer (e.g. a pinned output). */
    public static OnnxTensor zerosFloat(long... shape) throws OrtException {
        return tensor(floats(elementCount(shape)), shape);
    }

    public static OnnxTensor zerosDouble(long... shape) throws OrtException {
        return tensor(doubles(elementCount(shape)), shape);
    }

    public static OnnxTensor zerosLong(long... shape) throws OrtException {
        return tensor(longs(elementCount(shape)), shape);
    }

    /** Copies a float tensor's values out (via getFloatBuffer, never getValue). */
    public static float[] toFloatArray(OnnxTensor t) {
        FloatBuffer b = t.getFloatBuffer();
        if (b == null) {
            throw new IllegalArgumentException("not a float tensor: " + t.getInfo());
        }
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    public static double[] toDoubleArray(OnnxTensor t) {
        DoubleBuffer b = t.getDoubleBuffer();
        if (b == null) {
            throw new IllegalArgumentException("not a double tensor: " + t.getInfo());
        }
        double[] out = new double[b.remaining()];
        b.get(out);
        return out;
    }

    public static long[] toLongArray(OnnxTensor t) {
        LongBuffer b = t.getLongBuffer();
        if (b == null) {
            throw new IllegalArgumentException("not an int64 tensor: " + t.getInfo());
        }
        long[] out = new long[b.remaining()];
        b.get(out);
        return out;
    }

    public static int[] toIntArray(OnnxTensor t) {
        IntBuffer b = t.getIntBuffer();
        if (b == null) {
            throw new IllegalArgumentException("not an int32 tensor: " + t.getInfo());
        }
        int[] out = new int[b.remaining()];
        b.get(out);
        return out;
    }

    /** Copies the whole buffer (from 0 to limit) into an array, leaving its position alone. */
    public static float[] toArray(FloatBuffer b) {
        float[] out = new float[b.limit()];
        b.duplicate().rewind().get(out);
        return out;
    }

    public static double[] toArray(DoubleBuffer b) {
        double[] out = new double[b.limit()];
        b.duplicate().rewind().get(out);
        return out;
    }

    public static long[] toArray(LongBuffer b) {
        long[] out = new long[b.limit()];
        b.duplicate().rewind().get(out);
        return out;
    }
}
