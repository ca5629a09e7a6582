package org.hyperdas.runtime.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * Collects tensors and metadata, then writes one .safetensors file atomically.
 *
 * <p>Matches the reference (Rust/Python) writer: tensors are laid out by decreasing element size
 * then name, so each tensor starts aligned to its element size; the JSON header is padded with
 * spaces to a multiple of 8 bytes, so the data area starts at an 8-byte-aligned offset; the
 * "__metadata__" map comes first in the header. Data is referenced, not copied, until write():
 * do not change the arrays/buffers in between.
 *
 * <pre>{@code
 * new SafetensorsWriter().metadata("format", "pt")
 *     .addF32("w", new long[] {2, 3}, values)
 *     .write(folder.resolve("model.safetensors"));
 * }</pre>
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ALIGN = 8;

    /** Supplies a tensor's bytes when the file is written. */
    private interface Payload {
        void writeTo(FileChannel ch) throws IOException;
    }

    private record Entry(String name, DType dtype, long[] shape, long byteLength, Payload payload) {}

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    public SafetensorsWriter metadata(Map<String, String> values) {
        values.forEach(this::metadata);
        return this;
    }

    /**
     * Adds a tensor from raw bytes: the buffer's remaining bytes, which must be exactly
     * elementCount(shape) x dtype size, already little-endian element encoding.
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, ByteBuffer data) {
        ByteBuffer view = data.duplicate();
        long expected = byteLength(name, dtype, shape);
        if (view.remaining() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + view.remaining()
                    + " bytes given, expected " + expected + " for " + dtype + TensorInfo.shapeString(shape));
        }
        return put(new Entry(name, dtype, shape.clone(), expected,
                ch -> AtomicFiles.writeFully(ch, view.duplicate())));
    }

    public SafetensorsWriter add(String name, DType dtype, long[] shape, byte[] data) {
        return add(name, dtype, shape, ByteBuffer.wrap(data));
    }

    /** Adds a float32 tensor. */
    public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
        return addF32(name, shape, FloatBuffer.wrap(values));
    }

    /** Adds a float32 tensor from the buffer's remaining elements (heap or direct, any order). */
    public SafetensorsWriter addF32(String name, long[] shape, FloatBuffer values) {
        FloatBuffer view = values.duplicate();
        checkCount(name, shape, view.remaining());
        return put(new Entry(name, DType.F32, shape.clone(), byteLength(name, DType.F32, shape),
                ch -> writeConverted(ch, view.duplicate(), DType.F32)));
    }

    /** Adds a tensor stored as bfloat16, rounding each float to nearest-even. */
    public SafetensorsWriter addBf16(String name, long[] shape, float[] values) {
        FloatBuffer view = FloatBuffer.wrap(values);
        checkCount(name, shape, values.length);
        return put(new Entry(name, DType.BF16, shape.clone(), byteLength(name, DType.BF16, shape),
                ch -> writeConverted(ch, view.duplicate(), DType.BF16)));
    }

    public SafetensorsWriter addI64(String name, long[] shape, long[] values) {
        checkCount(name, shape, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return add(name, DType.I64, shape, b);
    }

    /** Copies every tensor of an open file (e.g. to re-save a subset or add metadata). */
    public SafetensorsWriter addAll(SafetensorsFile file) {
        for (TensorInfo t : file.tensors().values()) {
            add(t.name(), t.dtype(), t.shape(), file.bytes(t.name()));
        }
        return this;
    }

    public int size() {
        return entries.size();
    }

    private SafetensorsWriter put(Entry e) {
        if (e.name.equals(SafetensorsFile.METADATA_KEY)) {
            throw new IllegalArgumentException("'" + SafetensorsFile.METADATA_KEY + "' is reserved");
        }
        if (entries.putIfAbsent(e.name, e) != null) {
            throw new IllegalArgumentException("tensor '" + e.name + "' added twice");
        }
        return this;
    }

    private static void checkCount(String name, long[] shape, long count) {
        long expected = TensorInfo.elementCount(shape);
        if (count != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + count
                    + " values given, expected " + expected + " for shape " + TensorInfo.shapeString(shape));
        }
    }

    private static long byteLength(String name, DType dtype, long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in "
                        + TensorInfo.shapeString(shape));
            }
        }
        return Math.multiplyExact(TensorInfo.elementCount(shape), dtype.byteSize());
    }

    /** Encodes floats in 1 MiB chunks so large tensors never need a second full-size buffer. */
    private static void writeConverted(FileChannel ch, FloatBuffer src, DType dtype) throws IOException {
        int chunkElems = 1 << 18;
        ByteBuffer out = ByteBuffer.allocate(chunkElems * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        while (src.hasRemaining()) {
            out.clear();
            int n = Math.min(chunkElems, src.remaining());
            for (int i = 0; i < n; i++) {
                float f = src.get();
                if (dtype == DType.BF16) {
                    out.putShort(DType.floatToBf16(f));
                } else {
                    out.putFloat(f);
                }
            }
            out.flip();
            AtomicFiles.writeFully(ch, out);
        }
    }

    /** The layout order of the reference writer: larger elements first, then by name. */
    private List<Entry> layoutOrder() {
        List<Entry> list = new ArrayList<>(entries.values());
        list.sort(Comparator.comparingInt((Entry e) -> -e.dtype.byteSize()).thenComparing(Entry::name));
        return list;
    }

    /** The padded header bytes (exposed for tests of the layout). */
    byte[] headerBytes() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : layoutOrder()) {
            ObjectNode t = root.putObject(e.name);
            t.put("dtype", e.dtype.headerName());
            ArrayNode s = t.putArray("shape");
            for (long d : e.shape) {
                s.add(d);
            }
            ArrayNode o = t.putArray("data_offsets");
            o.add(offset);
            o.add(offset + e.byteLength);
            offset += e.byteLength;
        }
        byte[] raw = root.toString().getBytes(StandardCharsets.UTF_8);
        // Pad with spaces (valid JSON whitespace) so that 8 + header length is a multiple of 8.
        int padded = (raw.length + ALIGN - 1) / ALIGN * ALIGN;
        byte[] out = new byte[padded];
        System.arraycopy(raw, 0, out, 0, raw.length);
        for (int i = raw.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    /** Writes the file atomically (temp file in the same folder, then ATOMIC_MOVE). */
    public void write(Path target) throws IOException {
        byte[] header = headerBytes();
        List<Entry> order = layoutOrder();
        AtomicFiles.write(target, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            len.putLong(0, header.length);
            AtomicFiles.writeFully(ch, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (Entry e : order) {
                long before = ch.position();
                e.payload.writeTo(ch);
                if (ch.position() - before != e.byteLength) {
                    throw new IOException("tensor '" + e.name + "': wrote " + (ch.position() - before)
                            + " bytes, expected " + e.byteLength + " (buffer changed after add?)");
                }
            }
        });
    }
}
