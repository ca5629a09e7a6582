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
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.MemoryLimitException;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.TensorInfo;
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

    /**
     * Allocates the sets: per set a direct buffer, its typed view and the tensor over it. With
     * {@code sets == 1} both roles share one set (the step updates the state in place).
     */
    void allocate(int sets) throws OrtException {
        for (int p = 0; p < 2; p++) {
            if (p >= sets) {
                bytes[p] = bytes[0];
                views[p] = views[0];
                tensors[p] = tensors[0];
                continue;
            }
            bytes[p] = direct(slot.elementCount(), slot.dtype().byteSize(), "slot '" + slot.name() + "'");
            views[p] = view(bytes[p], StepSpecCheck.javaType(slot.dtype()));
            tensors[p] = tensor(views[p], shape);
        }
    }

    /**
     * Checks, before anything is allocated, that {@code sets} buffer sets of the slots fit the
     * direct memory left to the JVM.
     *
     * @throws MemoryLimitException naming the state, its size and the room left
     */
    static void requireRoom(List<StepSpec.Slot> slots, int sets, String where) {
        long bytes = 0;
        for (StepSpec.Slot s : slots) {
            bytes = Math.addExact(bytes, Math.multiplyExact(s.elementCount(), (long) s.dtype().byteSize()));
        }
        long free = DirectMemory.limit() - DirectMemory.used();
        if (Math.multiplyExact(bytes, (long) sets) > free) {
            throw new MemoryLimitException("the training state of " + where + " (" + slots.size()
                    + " slots: parameters and optimizer moments, " + sets + (sets == 1 ? " set" : " sets")
                    + " of " + MemoryLimitException.gib(bytes) + ")", bytes * sets, Math.max(0, free));
        }
    }

    /** Checks that a checkpoint holds this slot with its dtype and shape. */
    void requireIn(SafetensorsFile f, Path file) {
        String name = slot.name();
        Optional<TensorInfo> t = f.find(name);
        String expected = slot.dtype() + Arrays.toString(shape);
        if (t.isEmpty()) {
            throw new BadInputException(file + ": slot '" + name + "' is missing: expected tensor '" + name
                    + "' " + expected + "; the file has " + f.tensors().keySet());
        }
        if (t.get().dtype() != slot.dtype() || !t.get().hasShape(shape)) {
            throw new BadInputException(file + ": slot '" + name + "': expected " + expected + ", found "
                    + t.get().dtype() + Arrays.toString(t.get().shape()));
        }
    }

    /** Bytes of one set of this slot. */
    long byteSize() {
        return Math.multiplyExact(slot.elementCount(), (long) slot.dtype().byteSize());
    }

    /** Closes the tensors (once each, the shared set included) and frees the buffers' memory now. */
    void release() {
        for (int p = 0; p < 2; p++) {
            if (tensors[p] != null && (p == 0 || tensors[p] != tensors[0])) {
                tensors[p].close();
            }
        }
        for (int p = 0; p < 2; p++) {
            if (bytes[p] != null && (p == 0 || bytes[p] != bytes[0])) {
                DirectMemory.free(bytes[p]);
            }
            bytes[p] = null;
            views[p] = null;
            tensors[p] = null;
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
        return DirectMemory.allocate((int) bytes, what).order(ByteOrder.LITTLE_ENDIAN);
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
