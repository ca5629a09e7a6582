package org.hyperdas.runtime.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * Writes one .safetensors file whose tensor values are produced while writing, chunk by chunk, so
 * that a file of any size is written with a few MiB of memory (unlike {@link SafetensorsWriter},
 * which references every tensor's values until it writes).
 *
 * <p>The header is known up front (names, dtypes and shapes are declared), tensors are laid out in
 * the declared order, the header is space-padded so data starts 8-byte aligned. Values are filled
 * in fixed-size chunks of {@link #CHUNK} elements; up to {@code threads} chunks are filled in
 * parallel and written in order, so the bytes do not depend on the thread count as long as the
 * filler's output for a chunk depends only on the tensor and the chunk's offset.
 */
public final class StreamingSafetensorsWriter {
    /** Elements per chunk handed to the filler. */
    public static final int CHUNK = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ALIGN = 8;

    /** A tensor to write: float element types only (F32, BF16, F16 are encoded from floats). */
    public record Declared(String name, DType dtype, long[] shape) {
        public Declared {
            if (dtype != DType.F32 && dtype != DType.BF16) {
                throw new IllegalArgumentException("tensor '" + name + "': only F32 and BF16 are streamed, not " + dtype);
            }
            shape = shape.clone();
        }

        public long elementCount() {
            return TensorInfo.elementCount(shape);
        }

        public long byteLength() {
            return Math.multiplyExact(elementCount(), dtype.byteSize());
        }
    }

    /** Produces the values of one chunk of a tensor. */
    @FunctionalInterface
    public interface Filler {
        /**
         * Fills {@code out[0..count)} with the elements {@code offset .. offset+count} of {@code tensor}
         * (row-major). Called from several threads at once for different chunks.
         */
        void fill(Declared tensor, long offset, float[] out, int count);
    }

    private StreamingSafetensorsWriter() {
    }

    /** Writes {@code tensors} to {@code target} atomically, values from {@code filler}. */
    public static void write(Path target, List<Declared> tensors, Map<String, String> metadata, Filler filler,
            int threads) throws IOException {
        byte[] header = header(tensors, metadata);
        int parallel = Math.max(1, threads);
        float[][] buffers = new float[parallel][CHUNK];
        ByteBuffer bytes = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        AtomicFiles.write(target, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            len.putLong(0, header.length);
            AtomicFiles.writeFully(ch, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (Declared t : tensors) {
                writeTensor(ch, t, filler, buffers, bytes);
            }
        });
    }

    private static void writeTensor(FileChannel ch, Declared t, Filler filler, float[][] buffers, ByteBuffer bytes)
            throws IOException {
        long total = t.elementCount();
        long chunks = (total + CHUNK - 1) / CHUNK;
        for (long first = 0; first < chunks; first += buffers.length) {
            int group = (int) Math.min(buffers.length, chunks - first);
            long base = first;
            IntStream.range(0, group).parallel().forEach(i -> {
                long offset = (base + i) * CHUNK;
                filler.fill(t, offset, buffers[i], (int) Math.min(CHUNK, total - offset));
            });
            for (int i = 0; i < group; i++) {
                long offset = (base + i) * CHUNK;
                encode(buffers[i], (int) Math.min(CHUNK, total - offset), t.dtype(), bytes);
                AtomicFiles.writeFully(ch, bytes);
            }
        }
    }

    private static void encode(float[] values, int count, DType dtype, ByteBuffer out) {
        out.clear();
        for (int i = 0; i < count; i++) {
            if (dtype == DType.BF16) {
                out.putShort(DType.floatToBf16(values[i]));
            } else {
                out.putFloat(values[i]);
            }
        }
        out.flip();
    }

    /** The padded JSON header: "__metadata__" first, then the tensors in the declared order. */
    static byte[] header(List<Declared> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Declared t : tensors) {
            if (root.has(t.name())) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' declared twice (or reserved)");
            }
            ObjectNode o = root.putObject(t.name());
            o.put("dtype", t.dtype().headerName());
            ArrayNode s = o.putArray("shape");
            for (long d : t.shape()) {
                s.add(d);
            }
            ArrayNode off = o.putArray("data_offsets");
            off.add(offset);
            off.add(offset + t.byteLength());
            offset += t.byteLength();
        }
        byte[] raw = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + ALIGN - 1) / ALIGN * ALIGN;
        byte[] out = new byte[padded];
        System.arraycopy(raw, 0, out, 0, raw.length);
        for (int i = raw.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }
}
