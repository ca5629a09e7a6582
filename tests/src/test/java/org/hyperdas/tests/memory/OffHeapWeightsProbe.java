package org.hyperdas.tests.memory;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.llama.LlamaGraphs;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.HfModel;

/**
 * Child-JVM probe: opens a model folder, builds the full forward with external-data weights,
 * creates the session and runs one forward, then prints the heap's peak use and the process's
 * peak resident set. Run with a small -Xmx: if any code path copied the weights onto the Java
 * heap, it would fail with OutOfMemoryError.
 */
public final class OffHeapWeightsProbe {
    private OffHeapWeightsProbe() {}

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        try (HfModel model = HfModel.open(folder)) {
            LlamaWeights weights = LlamaWeights.external(model.weights());
            Graph g = LlamaGraphs.forward(model.config(), weights);
            Path external = weights.externalDataFolder().orElse(folder);
            try (GraphRunner runner = GraphRunner.open(g, external)) {
                long[] ids = {1, 5, 7, 9, 11, 13, 15, 17};
                long[] mask = new long[ids.length];
                java.util.Arrays.fill(mask, 1);
                Map<String, HostTensor> out = runner.run(Map.of(
                        "input_ids", HostTensor.ofLongs(ids, 1, ids.length),
                        "attention_mask", HostTensor.ofLongs(mask, 1, ids.length)));
                float[] logits = out.get("logits").toFloats();
                System.out.println("logits=" + logits.length + " first=" + logits[0]);
            }
            System.out.println("parameters=" + model.parameterCount());
        }
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println("peak-heap-bytes=" + heapPeak);
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                System.out.println("peak-rss-kb=" + line.replaceAll("\\D", ""));
            }
        }
    }
}
