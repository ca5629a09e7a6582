package org.hyperdas.tests.memory;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.llama.LlamaGraphs;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * Child-JVM probe: how much Java heap loading a model's weights into an ONNX Runtime session
 * costs, for models too small for a heap limit below their weights to mean anything.
 *
 * <p>The measured window is: open the model folder, build the full forward, create the session.
 * It is run for three ways of giving the graph its weights:
 * <ul>
 *   <li>{@code inputs}: weights as graph inputs, no weight data touched: the cost of the graph
 *       and the session alone, the reference;
 *   <li>{@code external}: what the toolkit does, ONNX Runtime reads them from the safetensors file;
 *   <li>{@code heap-copy}: each tensor copied into a Java array and put in the model inline: the
 *       regression a bound on {@code external} has to catch.
 * </ul>
 * Every mode runs once unmeasured first (classes, ONNX Runtime's environment and static caches in
 * place), then once measured. Per mode it prints {@code <mode>.allocated-bytes}: Java heap this
 * thread allocated in the window, garbage included, an upper bound of what the window could add
 * to the heap at any moment (so a transient copy counts too); and {@code <mode>.peak-growth-bytes}:
 * the heap pools' summed peak in the window (peaks reset after a full GC at its start) minus the
 * heap in use at its start. The external session also runs one forward, whose first logit is
 * printed.
 */
public final class WeightsHeapGrowthProbe {
    static final List<String> MODES = List.of("inputs", "external", "heap-copy");

    private WeightsHeapGrowthProbe() {}

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        for (String mode : MODES) {
            window(folder, mode, false);
        }
        for (String mode : MODES) {
            window(folder, mode, true);
        }
    }

    private static void window(Path folder, String mode, boolean report) throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long threadId = Thread.currentThread().getId();
        long heapBefore = heapUsedAfterGc();
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
        long allocatedBefore = threads.getThreadAllocatedBytes(threadId);
        try (HfModel model = HfModel.open(folder)) {
            LlamaWeights weights = switch (mode) {
                case "inputs" -> LlamaWeights.inputs();
                case "external" -> LlamaWeights.external(model.weights());
                case "heap-copy" -> LlamaWeights.inline(heapCopies(model.weights()));
                default -> throw new IllegalArgumentException("mode: expected one of " + MODES + ", found " + mode);
            };
            Graph g = LlamaGraphs.forward(model.config(), weights);
            Path external = weights.externalDataFolder().orElse(folder);
            try (GraphRunner runner = GraphRunner.open(g, external)) {
                long allocated = threads.getThreadAllocatedBytes(threadId) - allocatedBefore;
                long peak = heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                if (report) {
                    System.out.println("weight-bytes=" + model.weights().tensors().values().stream()
                            .mapToLong(TensorInfo::byteLength).sum());
                    System.out.println(mode + ".allocated-bytes=" + allocated);
                    System.out.println(mode + ".peak-growth-bytes=" + (peak - heapBefore));
                }
                if (mode.equals("external")) {
                    System.out.println("first-logit=" + firstLogit(runner));
                }
            }
        }
    }

    private static float firstLogit(GraphRunner runner) throws Exception {
        long[] ids = {1, 5, 7, 9, 11, 13, 15, 17};
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        Map<String, HostTensor> out = runner.run(Map.of(
                "input_ids", HostTensor.ofLongs(ids, 1, ids.length),
                "attention_mask", HostTensor.ofLongs(mask, 1, ids.length)));
        return out.get("logits").toFloats()[0];
    }

    /** Every (float32) tensor of the store copied into a Java array. */
    private static Map<String, HostTensor> heapCopies(WeightStore store) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        store.tensors().forEach((name, info) -> out.put(name, HostTensor.ofFloats(store.floatArray(name), info.shape())));
        return out;
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    }

    private static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return heapPools().stream().mapToLong(p -> p.getUsage().getUsed()).sum();
    }
}
