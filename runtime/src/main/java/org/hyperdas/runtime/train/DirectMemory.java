package org.hyperdas.runtime.train;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import org.hyperdas.runtime.MemoryLimitException;

/**
 * Direct buffers for large state: allocation that fails with a message naming what did not fit
 * (not a bare OutOfMemoryError), the JVM's direct-memory limit, and freeing a buffer at once
 * instead of at some later garbage collection (billions of bytes must not linger after a
 * TrainStep closes).
 */
final class DirectMemory {
    private static final Method INVOKE_CLEANER;
    private static final Object UNSAFE;

    static {
        Method m = null;
        Object u = null;
        try {
            // sun.misc.Unsafe (module jdk.unsupported, open to the class path) frees a direct buffer now.
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            u = f.get(null);
            m = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            m = null; // without it, buffers are freed by the garbage collector as usual
        }
        INVOKE_CLEANER = m;
        UNSAFE = u;
    }

    private DirectMemory() {
    }

    /** A new direct buffer of {@code bytes}; a failure names {@code what}, the size and the limit. */
    static ByteBuffer allocate(int bytes, String what) {
        try {
            return ByteBuffer.allocateDirect(bytes);
        } catch (OutOfMemoryError e) {
            throw new MemoryLimitException(what, bytes, Math.max(0, limit() - used()));
        }
    }

    /** The JVM's direct-memory limit (-XX:MaxDirectMemorySize, by default the heap limit). */
    static long limit() {
        try {
            String v = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxDirectMemorySize").getValue();
            long set = Long.parseLong(v);
            return set > 0 ? set : Runtime.getRuntime().maxMemory();
        } catch (RuntimeException e) {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /** Direct memory in use now. */
    static long used() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    /** Frees a direct buffer's memory now; the buffer and every view of it must not be used after. */
    static void free(ByteBuffer buffer) {
        if (INVOKE_CLEANER == null || buffer == null || !buffer.isDirect()) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // left to the garbage collector
        }
    }
}
