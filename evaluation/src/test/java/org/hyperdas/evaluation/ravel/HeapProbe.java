package org.hyperdas.evaluation.ravel;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;

/** Prepares all entity types of a RAVEL folder in a child JVM, then prints the heap's peak use. */
public final class HeapProbe {
    private HeapProbe() {}

    /** Arguments: RAVEL_DIR OUT_DIR SEED. */
    public static void main(String[] args) throws Exception {
        System.out.print(PrepareData.run(Path.of(args[0]), Path.of(args[1]), List.of(), Long.parseLong(args[2]),
                System.out).table());
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println("peak-heap-bytes=" + peak);
        System.out.println("max-heap-bytes=" + Runtime.getRuntime().maxMemory());
    }
}
