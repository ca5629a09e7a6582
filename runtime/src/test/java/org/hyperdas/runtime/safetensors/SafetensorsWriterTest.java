package org.hyperdas.runtime.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private static long headerLength(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        return ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void roundTripKeepsDtypesShapesValuesAndMetadata() throws IOException {
        float[] w = {1f, -2.5f, 3.25f, 0f, Float.MIN_VALUE, -0f};
        float[] bf = {1f, 0.1f, -3.14159f, 1e30f};
        long[] ids = {0, -1, Long.MAX_VALUE};
        byte[] mask = {1, 0, 1};
        Path p = dir.resolve("rt.safetensors");
        new SafetensorsWriter()
                .metadata("format", "pt")
                .metadata("note", "ünïcode ok")
                .addF32("layer.w", new long[] {2, 3}, w)
                .addBf16("layer.bf", new long[] {4}, bf)
                .addI64("ids", new long[] {3}, ids)
                .add("mask", DType.BOOL, new long[] {3}, mask)
                .addF32("scalar", new long[] {}, new float[] {42f})
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt", "note", "ünïcode ok"), f.metadata());
            assertEquals(5, f.tensors().size());
            assertArrayEquals(new long[] {2, 3}, f.tensor("layer.w").shape());
            assertArrayEquals(w, f.floatArray("layer.w"));
            assertEquals(DType.BF16, f.tensor("layer.bf").dtype());
            float[] back = f.floatArray("layer.bf");
            for (int i = 0; i < bf.length; i++) {
                assertEquals(DType.bf16ToFloat(DType.floatToBf16(bf[i])), back[i]);
                assertEquals(bf[i], back[i], Math.abs(bf[i]) * 0x1p-8f);
            }
            long[] idsBack = new long[3];
            f.bytes("ids").asLongBuffer().get(idsBack);
            assertArrayEquals(ids, idsBack);
            byte[] maskBack = new byte[3];
            f.bytes("mask").get(maskBack);
            assertArrayEquals(mask, maskBack);
            assertEquals(0, f.tensor("scalar").rank());
            assertEquals(42f, f.float32("scalar").get(0));
            // Every tensor starts aligned to its element size (larger elements first).
            for (TensorInfo t : f.tensors().values()) {
                assertEquals(0, (t.offset() - f.dataStart()) % t.dtype().byteSize(), t.name());
            }
        }
    }

    @Test
    void dataStartIsEightByteAlignedAndHeaderPaddedWithSpaces() throws IOException {
        for (int len = 1; len <= 24; len++) {
            Path p = dir.resolve("a" + len + ".safetensors");
            new SafetensorsWriter().addF32("x".repeat(len), new long[] {1}, new float[] {len}).write(p);
            long n = headerLength(p);
            assertEquals(0, (8 + n) % 8, "name length " + len);
            byte[] all = Files.readAllBytes(p);
            String header = new String(all, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{"), header);
            assertTrue(header.stripTrailing().endsWith("}"), header);
            assertTrue(header.substring(header.lastIndexOf('}') + 1).chars().allMatch(c -> c == ' '));
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(8 + n, f.dataStart());
                assertEquals((float) len, f.float32("x".repeat(len)).get(0));
            }
        }
    }

    @Test
    void rewritingStories260KGivesIdenticalTensors() throws IOException {
        Path src = SharedData.require("models/stories260K").resolve("model.safetensors");
        Path out = dir.resolve("copy.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(src)) {
            new SafetensorsWriter().metadata(f.metadata()).addAll(f).write(out);
            try (SafetensorsFile g = SafetensorsFile.open(out)) {
                assertEquals(f.tensors().keySet(), g.tensors().keySet());
                for (String name : f.tensors().keySet()) {
                    assertEquals(f.bytes(name), g.bytes(name), name);
                    assertArrayEquals(f.tensor(name).shape(), g.tensor(name).shape());
                }
            }
        }
    }

    @Test
    void replacesAnExistingFileAtomically() throws IOException {
        Path p = dir.resolve("w.safetensors");
        Files.writeString(p, "old content");
        new SafetensorsWriter().addF32("w", new long[] {2}, new float[] {1, 2}).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(2f, f.float32("w").get(1));
        }
        assertEquals(List.of("w.safetensors"), listing());
    }

    @Test
    void failedWriteLeavesNoPartialOrTemporaryFile() throws IOException {
        // The target is a non-empty folder, so the final rename fails after all bytes were written.
        Path target = dir.resolve("taken.safetensors");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep"), "x");
        SafetensorsWriter w = new SafetensorsWriter().addF32("w", new long[] {1024}, new float[1024]);
        assertThrows(IOException.class, () -> w.write(target));
        assertEquals(List.of("taken.safetensors"), listing());
        assertTrue(Files.isDirectory(target));
    }

    @Test
    void rejectsWrongSizesAndDuplicates() {
        SafetensorsWriter w = new SafetensorsWriter();
        assertThrows(IllegalArgumentException.class, () -> w.addF32("a", new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class,
                () -> w.add("b", DType.F32, new long[] {2}, ByteBuffer.allocate(7)));
        w.addF32("c", new long[] {1}, new float[1]);
        assertThrows(IllegalArgumentException.class, () -> w.addF32("c", new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> w.addF32("__metadata__", new long[] {1}, new float[1]));
    }

    @Test
    void directBufferInputIsWrittenFromItsPosition() throws IOException {
        FloatBuffer fb = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        fb.put(new float[] {9, 1, 2, 3}).position(1);
        Path p = dir.resolve("d.safetensors");
        new SafetensorsWriter().addF32("v", new long[] {3}, fb).write(p);
        assertEquals(1, fb.position(), "the caller's buffer position is untouched");
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1, 2, 3}, f.floatArray("v"));
        }
    }
}
