package org.hyperdas.runtime.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** A raw safetensors file: u64 LE header length, the header text, then dataBytes bytes. */
    private Path raw(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static String messageOf(Path p) {
        return assertThrows(BadInputException.class, () -> SafetensorsFile.open(p).close()).getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected \"" + part + "\" in: " + message);
        }
    }

    @Test
    void truncatedFileIsRejected() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3, 4, 5});
        assertContains(messageOf(p), p.toString(), "truncated", "5 bytes", "at least 8");
    }

    @Test
    void emptyFileIsRejected() throws IOException {
        Path p = dir.resolve("empty.safetensors");
        Files.write(p, new byte[0]);
        assertContains(messageOf(p), p.toString(), "at least 8");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        Path p = dir.resolve("long-header.safetensors");
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(1000).put("{}          ".getBytes(StandardCharsets.US_ASCII));
        Files.write(p, b.array());
        assertContains(messageOf(p), p.toString(), "header length 1000", "past the end", "at most 12");
    }

    @Test
    void hugeU64HeaderLengthIsReportedUnsigned() throws IOException {
        Path p = dir.resolve("neg.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(-1L).putLong(0);
        Files.write(p, b.array());
        assertContains(messageOf(p), p.toString(), "18446744073709551615", "past the end");
    }

    @Test
    void spanOutsideDataArea() throws IOException {
        Path p = raw("outside.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        assertContains(messageOf(p), p.toString(), "tensor 'w'", "outside the data area", "end <= 8");
    }

    @Test
    void overlappingSpans() throws IOException {
        Path p = raw("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24);
        assertContains(messageOf(p), p.toString(), "tensor 'b'", "overlap tensor 'a'", "disjoint");
    }

    @Test
    void unknownDtype() throws IOException {
        Path p = raw("dtype.safetensors", "{\"q\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        assertContains(messageOf(p), p.toString(), "tensor 'q'", "unknown dtype \"Q4_K\"", "expected one of");
    }

    @Test
    void shapeDoesNotMatchSpan() throws IOException {
        Path p = raw("shape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16);
        assertContains(messageOf(p), p.toString(), "tensor 'w'", "[3]", "needs 12 bytes", "span 16");
    }

    @Test
    void headerNotJson() throws IOException {
        Path p = raw("json.safetensors", "{\"w\": [", 0);
        assertContains(messageOf(p), p.toString(), "not valid JSON");
    }

    @Test
    void headerNotAnObject() throws IOException {
        Path p = raw("array.safetensors", "[1, 2]  ", 0);
        assertContains(messageOf(p), p.toString(), "header is array", "expected a JSON object");
    }

    @Test
    void metadataMustBeStrings() throws IOException {
        Path p = raw("meta.safetensors", "{\"__metadata__\":{\"format\":3}}", 0);
        assertContains(messageOf(p), p.toString(), "__metadata__.format", "expected a string", "number 3");
    }

    @Test
    void negativeDimensionIsRejected() throws IOException {
        Path p = raw("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4);
        assertContains(messageOf(p), p.toString(), "tensor 'w'", "shape", "non-negative");
    }

    @Test
    void duplicateTensorNamesAreRejected() throws IOException {
        Path p = raw("dup.safetensors", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2);
        assertContains(messageOf(p), p.toString(), "not valid JSON", "Duplicate field 'w'");
    }

    @Test
    void missingFile() {
        Path p = dir.resolve("nope.safetensors");
        assertContains(messageOf(p), p.toString(), "no such file");
    }

    @Test
    void zeroLengthTensorsAndRawFileRead() throws IOException {
        // Hand-written, not via our writer: offsets as a foreign writer might lay them out.
        Path p = raw("ok.safetensors", "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[4,12]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 12);
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).putLong(-7);
        byte[] all = Files.readAllBytes(p);
        System.arraycopy(data.array(), 0, all, all.length - 12, 12);
        Files.write(p, all);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals("pt", f.metadata().get("format"));
            assertEquals(java.util.List.of("a", "e", "b"), java.util.List.copyOf(f.tensors().keySet()));
            assertEquals(2.5f, f.float32("a").get(0));
            assertEquals(1, f.tensor("a").elementCount());
            assertEquals(0, f.tensor("e").elementCount());
            assertEquals(-7L, f.bytes("b").getLong(0));
            assertEquals(f.dataStart() + 4, f.tensor("b").offset());
            assertContains(assertThrows(BadInputException.class, () -> f.float32("b")).getMessage(),
                    "tensor 'b'", "dtype I64", "floating-point");
            assertContains(assertThrows(BadInputException.class, () -> f.tensor("zz")).getMessage(),
                    p.toString(), "'zz'");
        }
    }

    @Test
    void stories260KTensorsAreMappedViews() {
        Path model = SharedData.require("models/stories260K").resolve("model.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(model)) {
            assertEquals(47, f.tensors().size());
            TensorInfo emb = f.tensor("model.embed_tokens.weight");
            assertEquals(DType.F32, emb.dtype());
            assertTrue(emb.hasShape(512, 64));
            assertEquals(512L * 64 * 4, emb.byteLength());
            long params = f.tensors().values().stream().mapToLong(TensorInfo::elementCount).sum();
            assertEquals(260_032L, params);
            // Offsets are ascending and lie in the data area.
            long prevEnd = f.dataStart();
            for (TensorInfo t : f.tensors().values()) {
                assertTrue(t.offset() >= prevEnd);
                prevEnd = t.offset() + t.byteLength();
            }
            FloatBuffer fb = f.float32("model.embed_tokens.weight");
            assertTrue(fb.isDirect(), "an F32 tensor should be a view of the mapping");
            assertTrue(fb.isReadOnly());
            assertEquals(512 * 64, fb.remaining());
            assertEquals(f.bytes("model.embed_tokens.weight").getFloat(4 * 100), fb.get(100));
        }
    }

    @Test
    void bf16UpcastMatchesF32WithinBf16Rounding() {
        Path f32Dir = SharedData.require("models/stories260K");
        Path bfDir = SharedData.require("models/stories260K-bf16-sharded");
        try (WeightStore f32 = WeightStore.open(f32Dir); WeightStore bf = WeightStore.open(bfDir)) {
            assertEquals(f32.tensors().keySet(), bf.tensors().keySet());
            long compared = 0;
            for (String name : f32.tensors().keySet()) {
                assertEquals(DType.BF16, bf.tensor(name).dtype(), name);
                float[] a = f32.floatArray(name);
                FloatBuffer b = bf.float32(name);
                assertTrue(b.isDirect());
                assertEquals(a.length, b.remaining(), name);
                for (int i = 0; i < a.length; i++) {
                    float want = a[i];
                    float got = b.get(i);
                    // bf16 keeps 8 significant bits: rounding error at most 2^-8 relative.
                    assertTrue(Math.abs(got - want) <= Math.abs(want) * 0x1p-8f,
                            () -> name + ": bf16 " + got + " vs f32 " + want);
                    compared++;
                }
            }
            assertEquals(260_032L, compared);
        }
    }

    @Test
    void halfAndBf16Conversions() {
        assertEquals(1.0f, DType.f16ToFloat((short) 0x3c00));
        assertEquals(-2.0f, DType.f16ToFloat((short) 0xc000));
        assertEquals(65504f, DType.f16ToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, DType.f16ToFloat((short) 0x0001));
        assertEquals(Float.POSITIVE_INFINITY, DType.f16ToFloat((short) 0x7c00));
        assertTrue(Float.isNaN(DType.f16ToFloat((short) 0x7e00)));
        assertEquals(1.0f, DType.bf16ToFloat(DType.floatToBf16(1.0f)));
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even gives 1.
        assertEquals(1.0f, DType.bf16ToFloat(DType.floatToBf16(1.0f + 0x1p-8f)));
        assertEquals(1.0f + 0x1p-7f, DType.bf16ToFloat(DType.floatToBf16(1.0f + 0x1p-8f + 0x1p-12f)));
        assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN))));
    }
}
