package org.hyperdas.tests.memory;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.runtime.hf.HfModel;

/**
 * Child-JVM probe: writes a model folder's HyperDAS initial values into direct buffers
 * ({@code stream}, the training path) or makes them as arrays ({@code arrays}, the old path), then
 * prints a checksum of the values and the heap's peak use. Run with a heap smaller than the state.
 */
public final class HyperDasStateProbe {
    private HyperDasStateProbe() {}

    /** The HyperDAS settings the test and the probe share: one hypernetwork layer at layer 1. */
    static HyperDasConfig config(org.hyperdas.runtime.hf.LlamaConfig target) {
        return HyperDasConfig.reference(target).withLayer(1).withSubspaceDim(8).withHypernetLayers(1).withSeed(5);
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        try (HfModel model = HfModel.open(folder)) {
            HyperDasConfig config = config(model.config());
            Map<String, float[]> arrays = null;
            Map<String, FloatBuffer> buffers = new LinkedHashMap<>();
            if (args[1].equals("arrays")) {
                arrays = HyperDasParameters.initialFloats(model.config(), config,
                        HyperDasParameters.reader(model.weights()));
            } else {
                HyperDasParameters.shapes(model.config(), config).forEach((name, shape) -> {
                    long n = 1;
                    for (long d : shape) {
                        n *= d;
                    }
                    buffers.put(name, ByteBuffer.allocateDirect(Math.toIntExact(n * 4))
                            .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
                });
                HyperDasParameters.initialInto(model.config(), config, model.weights(), buffers::get);
            }
            long sum = 0;
            long count = 0;
            for (FloatBuffer b : arrays == null ? buffers.values() : wrap(arrays).values()) {
                for (int i = 0; i < b.capacity(); i++) {
                    sum = sum * 31 + Float.floatToRawIntBits(b.get(i));
                }
                count += b.capacity();
            }
            System.out.println("values=" + count + " checksum=" + sum);
        }
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println("peak-heap-bytes=" + heapPeak);
    }

    static Map<String, FloatBuffer> wrap(Map<String, float[]> arrays) {
        Map<String, FloatBuffer> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> m.put(k, FloatBuffer.wrap(v)));
        return m;
    }
}
