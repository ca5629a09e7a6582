package org.hyperdas.runtime.train;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import org.hyperdas.runtime.ort.Tensors;

/**
 * One state slot's two buffer sets, A and B: a direct little-endian buffer each, a typed view of
 * it and a tensor wrapping it once (zero-copy). {@link TrainStep} feeds one set and pins the other
 * as outputs, then swaps.
 */
final class SlotBuffers {
    final StepSpec.Slot slot;
    final long[] shape;
    final ByteBuffer[] bytes = new ByteBuffer[2];
    final Buffer[] views = new Buffer[2];
    final OnnxTensor[] tensors = new OnnxTensor[2];

    SlotBuffers(StepSpec.Slot slot) {
        this.slot = slot;
        this.shape = slot.shape();
    }

    /** Allocates both sets: per set a direct buffer, its typed view and the tensor over it. */
    void allocate() throws OrtException {
        for (int p = 0; p < 2; p++) {
            bytes[p] = direct(slot.elementCount(), slot.dtype().byteSize(), "slot '" + slot.name() + "'");
            views[p] = view(bytes[p], StepSpecCheck.javaType(slot.dtype()));
            tensors[p] = tensor(views[p], shape);
        }
    }

    /** Replaces the values of set {@code set} with {@code src}'s remaining elements (same count). */
    void copyInto(int set, Buffer src) {
        long n = slot.elementCount();
        if (src.remaining() != n) {
            throw new IllegalArgumentException("slot '" + slot.name() + "': " + src.remaining()
                    + " values given, expected " + n + " for shape " + Arrays.toString(shape));
        }
        Buffer dst = views[set];
        if (dst instanceof FloatBuffer f) {
            f.duplicate().clear().put(((FloatBuffer) src).duplicate());
        } else if (dst instanceof DoubleBuffer d) {
            d.duplicate().clear().put(((DoubleBuffer) src).duplicate());
        } else {
            ((LongBuffer) dst).duplicate().clear().put(((LongBuffer) src).duplicate());
        }
    }

    static ByteBuffer direct(long elements, int size, String what) {
        long bytes = Math.multiplyExact(elements, (long) size);
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + ": " + elements + " elements do not fit one direct buffer");
        }
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static Buffer view(ByteBuffer b, OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> b.asFloatBuffer();
            case DOUBLE -> b.asDoubleBuffer();
            default -> b.asLongBuffer();
        };
    }

    static OnnxTensor tensor(Buffer view, long[] shape) throws OrtException {
        if (view instanceof FloatBuffer f) {
            return Tensors.tensor(f, shape);
        }
        if (view instanceof DoubleBuffer d) {
            return Tensors.tensor(d, shape);
        }
        return Tensors.tensor((LongBuffer) view, shape);
    }
}
