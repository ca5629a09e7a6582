package org.hyperdas.tests.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.tests.reference.ReferenceLlama;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HyperDAS's initial values (copies of the target's embedding and layers, and new random
 * tensors) go straight from the memory-mapped weights into off-heap buffers: a child JVM whose
 * heap is smaller than the state writes them all, with the values of the array path. The same
 * heap is too small for the array path, so the probe is known to see a heap copy.
 */
class HyperDasStateOffHeapTest {
    private static final String CHILD_HEAP = "-Xmx32m";
    private static final long CHILD_HEAP_BYTES = 32L << 20;

    @Test
    void initialValuesOfAStateLargerThanTheHeapAreWrittenOffHeap(@TempDir Path tmp) throws Exception {
        LlamaConfig config = LlamaConfig.builder()
                .hiddenSize(256).intermediateSize(512).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).headDim(64)
                .vocabSize(40_000).rmsNormEps(1e-5).ropeTheta(10_000.0)
                .maxPositionEmbeddings(256).tieWordEmbeddings(true)
                .bosTokenId(1).eosTokenId(2).torchDtype("float32")
                .build();
        long stateBytes = 4 * HyperDasParameters.shapes(config, HyperDasStateProbe.config(config)).values().stream()
                .mapToLong(s -> { long n = 1; for (long d : s) { n *= d; } return n; }).sum();
        // Larger than the child's heap, and so is the embedding copy alone (one float32 array of it
        // would not fit): a child that finishes wrote no heap copy of any large tensor.
        assertTrue(stateBytes > CHILD_HEAP_BYTES && 4L * 40_000 * 256 > CHILD_HEAP_BYTES, "state " + stateBytes);
        Path folder = ReferenceLlama.random(config, 11).writeTo(tmp.resolve("model"));

        Result stream = run(tmp, folder, "stream");
        Result arrays = run(tmp, folder, "arrays");
        System.out.printf("HyperDAS state %,d bytes: written off-heap under %s (heap pools' peaks add up to"
                + " %.1f MB)%n", stateBytes, CHILD_HEAP, stream.heapPeak / 1e6);
        assertEquals(0, stream.exit, stream.log);
        assertNotEquals(0, arrays.exit, "the array path fit the small heap, so the probe sees no heap copy: "
                + arrays.log);
        assertTrue(arrays.log.contains("OutOfMemoryError"), arrays.log);

        // The values equal the array path's (run here, with this JVM's heap).
        Result reference = run(tmp, folder, "arrays", "-Xmx1g");
        assertEquals(0, reference.exit, reference.log);
        assertEquals(field(reference.log, "checksum"), field(stream.log, "checksum"));
        assertEquals(field(reference.log, "values"), field(stream.log, "values"));
    }

    private record Result(int exit, long heapPeak, String log) {}

    private static Result run(Path tmp, Path folder, String mode) throws Exception {
        return run(tmp, folder, mode, CHILD_HEAP);
    }

    private static Result run(Path tmp, Path folder, String mode, String heap) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "-XX:MaxDirectMemorySize=1g", "-cp", System.getProperty("java.class.path"),
                HyperDasStateProbe.class.getName(), folder.toString(), mode);
        Path log = Files.createTempFile(tmp, mode, ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "child JVM did not finish");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        long peak = text.contains("peak-heap-bytes=") ? Long.parseLong(field(text, "peak-heap-bytes")) : -1;
        return new Result(p.exitValue(), peak, text);
    }

    private static String field(String text, String key) {
        Matcher m = Pattern.compile(Pattern.quote(key) + "=(-?\\d+)").matcher(text);
        assertTrue(m.find(), text);
        return m.group(1);
    }
}
