package org.hyperdas.runtime.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.hyperdas.runtime.BadInputException;

/**
 * One .safetensors file, opened read-only with its header fully validated.
 *
 * <p>Layout: u64 little-endian header length N, N bytes of JSON header, then the data area. The
 * header maps tensor names to {dtype, shape, data_offsets [begin, end)} with offsets relative to
 * the data area, plus an optional "__metadata__" string map. Everything in the header is checked
 * at open time (dtype known, shape x dtype size equals the span, spans inside the data area and
 * not overlapping), so later reads cannot run off the file or alias each other.
 *
 * <p>Tensor bytes are memory-mapped read-only (no heap copy). Closing releases the file channel;
 * mappings already handed out stay valid until garbage-collected (a JDK limitation: there is no
 * public unmap), so do not hold on to them after close.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation refuses headers above 100 MB; so do we (it is read to heap). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors; // ordered by offset
    private final Map<String, String> metadata;
    private final Map<String, ByteBuffer> mapped = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private SafetensorsFile(Path file, FileChannel channel, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws BadInputException when the file is missing or its header is invalid; the message
     *     names the file, the tensor (when there is one) and what was expected
     */
    public static SafetensorsFile open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw BadInputException.file(file, "no such file");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot open: " + e.getMessage(), e);
        }
        try {
            SafetensorsFile sf = parse(file, ch);
            return sf;
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException(file + ": read failed", e);
        }
    }

    private static SafetensorsFile parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw BadInputException.file(file, "truncated: " + size
                    + " bytes, expected at least 8 (the u64 header length)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        // Unsigned compare: a huge u64 reads as negative in Java.
        if (headerLen < 0 || headerLen > size - 8) {
            throw BadInputException.file(file, "header length " + Long.toUnsignedString(headerLen)
                    + " runs past the end of the file, expected at most " + (size - 8)
                    + " (file is " + size + " bytes)");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw BadInputException.file(file, "header length " + headerLen
                    + " is larger than the " + MAX_HEADER_BYTES + "-byte limit");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, 8);
        String headerText = new String(headerBuf.array(), StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = JSON.readTree(headerText);
        } catch (JsonProcessingException e) {
            throw BadInputException.file(file, "header is not valid JSON, expected a JSON object ("
                    + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw BadInputException.file(file, "header is "
                    + (root == null ? "empty" : root.getNodeType().toString().toLowerCase())
                    + ", expected a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> list = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals(METADATA_KEY)) {
                parseMetadata(file, v, metadata);
                continue;
            }
            list.add(parseTensor(file, name, v, dataStart, dataSize));
        }
        list.sort(Comparator.comparingLong(TensorInfo::offset).thenComparingLong(TensorInfo::byteLength));
        // Sorted by begin, any overlap shows up between neighbours. Zero-length tensors cannot overlap.
        TensorInfo prev = null;
        for (TensorInfo t : list) {
            if (t.byteLength() == 0) {
                continue;
            }
            if (prev != null && t.offset() < prev.offset() + prev.byteLength()) {
                throw BadInputException.file(file, "tensor '" + t.name() + "' bytes ["
                        + (t.offset() - dataStart) + ", " + (t.offset() - dataStart + t.byteLength())
                        + ") overlap tensor '" + prev.name() + "' bytes [" + (prev.offset() - dataStart)
                        + ", " + (prev.offset() - dataStart + prev.byteLength())
                        + "), expected disjoint data_offsets");
            }
            prev = t;
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo t : list) {
            tensors.put(t.name(), t);
        }
        return new SafetensorsFile(file, ch, dataStart, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static void parseMetadata(Path file, JsonNode v, Map<String, String> out) {
        if (v.isNull()) {
            return;
        }
        if (!v.isObject()) {
            throw BadInputException.field(file, METADATA_KEY, "an object of strings", describe(v));
        }
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw BadInputException.field(file, METADATA_KEY + "." + m.getKey(), "a string",
                        describe(m.getValue()));
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode v, long dataStart, long dataSize) {
        String where = file + ": tensor '" + name + "'";
        if (!v.isObject()) {
            throw new BadInputException(where + ": expected an object with dtype, shape and data_offsets, found "
                    + describe(v));
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new BadInputException(where + ": field 'dtype': expected a string, found " + describe(dt));
        }
        DType dtype = DType.parse(dt.textValue(), file, name);
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new BadInputException(where + ": field 'shape': expected an array of non-negative integers, found "
                    + describe(sh));
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw new BadInputException(where + ": field 'shape': expected non-negative integers, found "
                        + describe(d) + " at index " + i);
            }
            shape[i] = d.longValue();
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !isU63(off.get(0)) || !isU63(off.get(1))) {
            throw new BadInputException(where + ": field 'data_offsets': expected [begin, end] non-negative integers, found "
                    + describe(off));
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        if (end < begin) {
            throw new BadInputException(where + ": data_offsets [" + begin + ", " + end
                    + "]: expected begin <= end");
        }
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(TensorInfo.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new BadInputException(where + ": shape " + TensorInfo.shapeString(shape) + " is too large");
        }
        if (end - begin != expectedBytes) {
            throw new BadInputException(where + ": shape " + TensorInfo.shapeString(shape) + " x " + dtype
                    + " (" + dtype.byteSize() + " bytes) needs " + expectedBytes
                    + " bytes, but data_offsets [" + begin + ", " + end + ") span " + (end - begin)
                    + "; expected them to match");
        }
        if (end > dataSize) {
            throw new BadInputException(where + ": data_offsets [" + begin + ", " + end
                    + ") lie outside the data area, expected end <= " + dataSize
                    + " (data area size; file truncated?)");
        }
        return new TensorInfo(name, file, dtype, shape, dataStart + begin, end - begin);
    }

    private static boolean isU63(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0;
    }

    /** Short description of a JSON value for "found ..." in messages. */
    static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing (field missing)";
        }
        if (n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            return "string " + abbreviate(n.toString());
        }
        if (n.isBoolean()) {
            return "boolean " + n.asText();
        }
        if (n.isNumber()) {
            return "number " + n.asText();
        }
        if (n.isArray()) {
            return "array " + abbreviate(n.toString());
        }
        return "object " + abbreviate(n.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Already failing with a better message.
        }
    }

    public Path path() {
        return file;
    }

    /** Absolute offset of the data area (8 + header length). */
    public long dataStart() {
        return dataStart;
    }

    /** The "__metadata__" map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** All tensors, ordered by their offset in the file. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** @throws BadInputException naming this file when there is no such tensor */
    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw BadInputException.file(file, "no tensor named '" + name + "'");
        }
        return t;
    }

    /**
     * The tensor's bytes as a read-only, little-endian view of a memory mapping (no copy). Each call
     * returns an independent buffer (own position/limit) over the same mapping.
     */
    public ByteBuffer bytes(String name) {
        TensorInfo t = tensor(name);
        ByteBuffer base = mapped.computeIfAbsent(name, n -> map(t));
        return base.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    private ByteBuffer map(TensorInfo t) {
        if (closed) {
            throw new IllegalStateException(file + " is closed");
        }
        if (t.byteLength() > Integer.MAX_VALUE) {
            throw BadInputException.file(file, "tensor '" + t.name() + "' is " + t.byteLength()
                    + " bytes, expected at most 2^31-1 to map it as one buffer");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, t.offset(), t.byteLength());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot map tensor '" + t.name() + "'", e);
        }
    }

    /**
     * The tensor as float32. F32 is a zero-copy view of the mapping; BF16 and F16 are widened
     * (exactly) into a new direct little-endian buffer; F64 is narrowed. Integer dtypes are an error.
     */
    public FloatBuffer float32(String name) {
        TensorInfo t = tensor(name);
        ByteBuffer src = bytes(name);
        return toFloat32(t, src);
    }

    static FloatBuffer toFloat32(TensorInfo t, ByteBuffer src) {
        if (t.dtype() == DType.F32) {
            return src.asFloatBuffer();
        }
        FloatBuffer dst = directFloats(t, t.elementCount());
        widen(t, src, dst);
        return dst.clear();
    }

    private static FloatBuffer directFloats(TensorInfo t, long n) {
        if (n * 4 > Integer.MAX_VALUE) {
            throw BadInputException.file(t.file(), "tensor '" + t.name() + "' has " + n
                    + " elements, expected at most 2^29 to widen it into one float32 buffer");
        }
        return ByteBuffer.allocateDirect((int) (n * 4)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    /**
     * Writes the tensor as float32 into {@code dst} from its position on (advancing it), straight
     * from the mapping: no intermediate buffer, so a large tensor can be widened into memory the
     * caller already holds. Values are those of {@link #float32}.
     *
     * @throws IllegalArgumentException when {@code dst} has fewer remaining elements than the tensor
     */
    public void readFloat32(String name, FloatBuffer dst) {
        TensorInfo t = tensor(name);
        long n = t.elementCount();
        if (dst.remaining() < n) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + n + " elements, the destination room for "
                    + dst.remaining());
        }
        widen(t, bytes(name), dst);
    }

    /** Writes {@code src}'s values as float32 into {@code dst} from its position on, advancing it. */
    private static void widen(TensorInfo t, ByteBuffer src, FloatBuffer dst) {
        long n = t.elementCount();
        int at = dst.position();
        switch (t.dtype()) {
            case F32 -> dst.put(src.asFloatBuffer());
            case BF16, F16 -> {
                ShortBuffer s = src.asShortBuffer();
                boolean bf = t.dtype() == DType.BF16;
                for (int i = 0; i < n; i++) {
                    short h = s.get(i);
                    dst.put(at + i, bf ? DType.bf16ToFloat(h) : DType.f16ToFloat(h));
                }
                dst.position(at + (int) n);
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(at + i, (float) src.getDouble(i * 8));
                }
                dst.position(at + (int) n);
            }
            default -> throw BadInputException.file(t.file(), "tensor '" + t.name() + "' has dtype " + t.dtype()
                    + ", expected a floating-point dtype (F32, BF16, F16, F64)");
        }
    }

    /** Copies the tensor (any float dtype) into a new float[]; for small tensors and tests. */
    public float[] floatArray(String name) {
        FloatBuffer b = float32(name);
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        mapped.clear();
        closeQuietly(channel);
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + file + ", " + tensors.size() + " tensors]";
    }
}
