package org.hyperdas.tests.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.testing.SharedData;
import org.hyperdas.tests.reference.ReferenceLlama;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frozen weights stay out of the Java heap: ONNX Runtime reads them from the safetensors files as
 * external data. A child JVM whose heap is far smaller than the weights loads and runs the model.
 */
class OffHeapWeightsTest {
    /** Heap limit of the child: 4x smaller than the 100M-parameter model's 400 MB of weights. */
    private static final String CHILD_HEAP = "-Xmx96m";

    record Probe(long heapPeak, long rssPeakKb, String log) {}

    static Probe probe(Path folder, Path tmp) throws Exception {
        String text = runChild(tmp, "probe", List.of(CHILD_HEAP), OffHeapWeightsProbe.class, folder);
        return new Probe(number(text, "peak-heap-bytes"), number(text, "peak-rss-kb"), text);
    }

    /**
     * Runs {@code main} on the model folder in a child JVM with {@code jvmFlags}, asserts it exits
     * 0 within 300 s, and returns what it printed (kept in a {@code logPrefix} file under tmp).
     */
    private static String runChild(Path tmp, String logPrefix, List<String> jvmFlags, Class<?> main, Path folder)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                main.getName(), folder.toString()));
        Path log = Files.createTempFile(tmp, logPrefix, ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "child JVM did not finish");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    private static long number(String text, String key) {
        Matcher m = Pattern.compile(key + "=(\\d+)").matcher(text);
        assertTrue(m.find(), text);
        return Long.parseLong(m.group(1));
    }

    /** What {@link WeightsHeapGrowthProbe} printed in a child JVM. */
    record HeapGrowth(long weightBytes, Map<String, Long> allocated, Map<String, Long> peakGrowth, String log) {
        /** Heap allocated beyond building the same graph and session with no weights at all. */
        long allocatedForWeights(String mode) {
            return allocated.get(mode) - allocated.get("inputs");
        }
    }

    static HeapGrowth heapGrowth(Path folder, Path tmp) throws Exception {
        String text = runChild(tmp, "heap-growth", List.of("-Xmx256m", "-XX:+UseSerialGC"),
                WeightsHeapGrowthProbe.class, folder);
        Map<String, Long> allocated = new LinkedHashMap<>();
        Map<String, Long> peakGrowth = new LinkedHashMap<>();
        for (String mode : WeightsHeapGrowthProbe.MODES) {
            allocated.put(mode, signed(text, mode + ".allocated-bytes"));
            peakGrowth.put(mode, signed(text, mode + ".peak-growth-bytes"));
        }
        return new HeapGrowth(number(text, "weight-bytes"), allocated, peakGrowth, text);
    }

    private static long signed(String text, String key) {
        Matcher m = Pattern.compile(Pattern.quote(key) + "=(-?\\d+)").matcher(text);
        assertTrue(m.find(), text);
        return Long.parseLong(m.group(1));
    }

    /**
     * stories260K's 1 MB of weights is too small for a heap limit to say anything, so the bound is
     * on heap allocation instead: loading the weights (open, build the forward, create the session)
     * may allocate at most a quarter of their float32 size beyond doing the same with weights as
     * graph inputs (no weight data at all). Any copy of the weights onto the heap, even one that
     * is garbage a moment later, allocates at least their size. The same child JVM measures such
     * a copy (the weights put in the model inline from Java arrays) and the test checks that it
     * exceeds the bound, so the measurement is known to see what the bound is about.
     */
    @Test
    void stories260KRunsWithWeightsOffHeap(@TempDir Path tmp) throws Exception {
        Path model = SharedData.require("models/stories260K");
        Probe p = probe(model, tmp);
        System.out.printf("stories260K forward: peak heap %.1f MB, peak RSS %.1f MB%n",
                p.heapPeak() / 1e6, p.rssPeakKb() / 1e3);
        HeapGrowth g = heapGrowth(model, tmp);
        long bound = g.weightBytes() / 4;
        System.out.printf("stories260K load, %,d weight bytes: heap allocated %s, peak growth %s; beyond"
                + " the weightless graph: external %,d, heap copy %,d (bound %,d)%n", g.weightBytes(),
                g.allocated(), g.peakGrowth(), g.allocatedForWeights("external"), g.allocatedForWeights("heap-copy"),
                bound);
        assertEquals(4L * LlamaConfig.load(model.resolve("config.json")).parameterCount(), g.weightBytes(), g.log());
        assertTrue(g.allocatedForWeights("heap-copy") > g.weightBytes(),
                "the probe does not see a heap copy of the weights: " + g.log());
        assertTrue(g.allocatedForWeights("external") < bound, "loading stories260K's weights allocated "
                + g.allocatedForWeights("external") + " heap bytes beyond the weightless graph, expected under "
                + bound + " (a quarter of the weights): " + g.log());
    }

    @Test
    void hundredMillionParameterCheckpointRunsInAHeapSmallerThanItsWeights(@TempDir Path tmp) throws Exception {
        LlamaConfig config = LlamaConfig.builder()
                .hiddenSize(1024).intermediateSize(2816).numHiddenLayers(8)
                .numAttentionHeads(16).numKeyValueHeads(4).headDim(64)
                .vocabSize(10_000).rmsNormEps(1e-5).ropeTheta(10_000.0)
                .maxPositionEmbeddings(512).tieWordEmbeddings(true)
                .bosTokenId(1).eosTokenId(2).torchDtype("float32")
                .build();
        long params = config.parameterCount();
        assertTrue(params > 99_000_000L && params < 110_000_000L, "parameters " + params);
        Path folder = ReferenceLlama.random(config, 7).writeTo(tmp.resolve("model-100m"));
        long weightBytes = Files.size(folder.resolve("model.safetensors"));
        Probe p = probe(folder, tmp);
        System.out.printf("%,d-parameter checkpoint (%.0f MB of weights) forward with %s: peak heap %.1f MB, "
                + "peak RSS %.1f MB%n", params, weightBytes / 1e6, CHILD_HEAP, p.heapPeak() / 1e6, p.rssPeakKb() / 1e3);
        assertTrue(p.heapPeak() < weightBytes / 4, "heap peak " + p.heapPeak() + " vs weights " + weightBytes);
    }
}
