package org.hyperdas.graphs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense tensor in Java memory: dtype, static shape and a direct little-endian buffer (ONNX's
 * raw_data byte order, and the native order of the machines ONNX Runtime ships for), so the same
 * bytes serve as an inline initializer and as a zero-copy ONNX Runtime input.
 */
public final class HostTensor implements InitializerData {
    private final DType dtype;
    private final long[] shape;
    private final ByteBuffer data;

    private HostTensor(DType dtype, long[] shape, ByteBuffer data) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new GraphBuildException("negative dim in tensor shape " + Arrays.toString(shape));
            }
            count *= d;
        }
        if (data.remaining() != count * dtype.byteSize()) {
            throw new GraphBuildException("tensor of shape " + Arrays.toString(shape) + " and dtype " + dtype
                    + " needs " + count * dtype.byteSize() + " bytes, got " + data.remaining());
        }
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
    }

    /** Wraps little-endian bytes (not copied). */
    public static HostTensor wrap(DType dtype, long[] shape, ByteBuffer littleEndianData) {
        return new HostTensor(dtype, shape, littleEndianData.slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    private static ByteBuffer allocate(long count, DType dtype) {
        return ByteBuffer.allocateDirect(Math.toIntExact(count * dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static HostTensor ofDoubles(double[] values, long... shape) {
        ByteBuffer b = allocate(values.length, DType.FLOAT64);
        b.asDoubleBuffer().put(values);
        return new HostTensor(DType.FLOAT64, shape, b);
    }

    public static HostTensor ofFloats(float[] values, long... shape) {
        ByteBuffer b = allocate(values.length, DType.FLOAT32);
        b.asFloatBuffer().put(values);
        return new HostTensor(DType.FLOAT32, shape, b);
    }

    public static HostTensor ofLongs(long[] values, long... shape) {
        ByteBuffer b = allocate(values.length, DType.INT64);
        b.asLongBuffer().put(values);
        return new HostTensor(DType.INT64, shape, b);
    }

    public static HostTensor ofInts(int[] values, long... shape) {
        ByteBuffer b = allocate(values.length, DType.INT32);
        b.asIntBuffer().put(values);
        return new HostTensor(DType.INT32, shape, b);
    }

    public static HostTensor ofBools(boolean[] values, long... shape) {
        ByteBuffer b = allocate(values.length, DType.BOOL);
        for (boolean v : values) {
            b.put((byte) (v ? 1 : 0));
        }
        b.flip();
        return new HostTensor(DType.BOOL, shape, b);
    }

    /** A rank-0 tensor holding {@code value} converted to {@code dtype}. */
    public static HostTensor scalar(double value, DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> ofFloats(new float[] {(float) value});
            case FLOAT64 -> ofDoubles(new double[] {value});
            case INT32 -> ofInts(new int[] {(int) value});
            case INT64 -> ofLongs(new long[] {(long) value});
            case BOOL -> ofBools(new boolean[] {value != 0});
            case FLOAT16, BFLOAT16 -> {
                ByteBuffer b = allocate(1, dtype);
                float f = (float) value;
                b.putShort(0, dtype == DType.BFLOAT16 ? org.hyperdas.runtime.safetensors.DType.floatToBf16(f)
                        : floatToHalf(f));
                yield new HostTensor(dtype, new long[0], b);
            }
        };
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int numElements() {
        return data.remaining() / dtype.byteSize();
    }

    /** A read-only little-endian view of the bytes; direct, so ONNX Runtime can use it in place. */
    public ByteBuffer buffer() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public byte[] toByteArray() {
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return bytes;
    }

    /** Elements converted to double, whatever the dtype. */
    public double[] toDoubles() {
        ByteBuffer b = buffer();
        double[] out = new double[numElements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case FLOAT32 -> b.getFloat(i * 4);
                case FLOAT64 -> b.getDouble(i * 8);
                case INT32 -> b.getInt(i * 4);
                case INT64 -> b.getLong(i * 8);
                case BOOL -> b.get(i) != 0 ? 1 : 0;
                case BFLOAT16 -> org.hyperdas.runtime.safetensors.DType.bf16ToFloat(b.getShort(i * 2));
                case FLOAT16 -> org.hyperdas.runtime.safetensors.DType.f16ToFloat(b.getShort(i * 2));
            };
        }
        return out;
    }

    public float[] toFloats() {
        double[] d = toDoubles();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }

    /** Elements as longs; integer and bool dtypes only, so no value is silently truncated. */
    public long[] toLongs() {
        if (dtype.isFloating()) {
            throw new GraphBuildException("toLongs on a " + dtype + " tensor");
        }
        ByteBuffer b = buffer();
        long[] out = new long[numElements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case INT64 -> b.getLong(i * 8);
                case INT32 -> b.getInt(i * 4);
                default -> b.get(i);
            };
        }
        return out;
    }

    /** IEEE binary16 nearest to {@code value} (round half to even; overflow to infinity). */
    private static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        float abs = Math.abs(value);
        if (Float.isNaN(value)) {
            return (short) (sign | 0x7e00);
        }
        if (abs >= 65520f) {
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x1p-14f) {
            // Subnormal half: a multiple of 2^-24, rounded half to even by Math.rint.
            return (short) (sign | (int) Math.rint(abs * 0x1p24f));
        }
        int a = Float.floatToRawIntBits(abs);
        int rounded = a + 0x0fff + ((a >>> 13) & 1);
        return (short) (sign | ((rounded - (112 << 23)) >>> 13));
    }

    @Override
    public String toString() {
        return "HostTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
