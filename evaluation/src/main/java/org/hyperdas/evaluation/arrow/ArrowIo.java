package org.hyperdas.evaluation.arrow;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.hyperdas.runtime.BadInputException;

/** Shared Arrow plumbing: opening IPC files or streams, reading string columns. */
final class ArrowIo {
    private ArrowIo() {}

    private static final byte[] FILE_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

    /** Whether a file starts with the Arrow IPC file magic (otherwise it is taken as a stream). */
    static boolean isIpcFile(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(FILE_MAGIC.length);
            return java.util.Arrays.equals(head, FILE_MAGIC);
        }
    }

    /**
     * Opens an Arrow IPC file ("ARROW1" magic, random access) or an IPC stream (what pyarrow and
     * Hugging Face datasets write as .arrow) for batch-by-batch reading.
     */
    /**
     * An allocator for reading {@code file}: Arrow allocates a record batch's body at the size the
     * file declares, so a damaged length would ask for petabytes and end the JVM; the limit (a
     * few times the file size, which bounds what honest batches hold) turns that into an
     * OutOfMemoryException the readers report as a damaged file.
     */
    static BufferAllocator allocatorFor(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            size = 0;
        }
        return new RootAllocator(Math.min(Long.MAX_VALUE / 8, 4 * size + (64L << 20)));
    }

    static ArrowReader open(Path file, BufferAllocator allocator) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString());
            }
            boolean ipcFile = isIpcFile(file);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            return ipcFile ? new ArrowFileReader(ch, allocator) : new ArrowStreamReader(ch, allocator);
        } catch (NoSuchFileException e) {
            throw BadInputException.file(file, "no such file (expected an Arrow IPC file or stream)");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Reads strings from a utf8 / large_utf8 (or, as text, any) column. */
    interface StringColumn {
        String get(int row);
    }

    static StringColumn strings(FieldVector v) {
        if (v instanceof VarCharVector s) {
            return i -> s.isNull(i) ? null : new String(s.get(i), StandardCharsets.UTF_8);
        }
        if (v instanceof LargeVarCharVector s) {
            return i -> s.isNull(i) ? null : new String(s.get(i), StandardCharsets.UTF_8);
        }
        return i -> {
            Object o = v.getObject(i);
            return o == null ? null : o.toString();
        };
    }

    interface BoolColumn {
        boolean get(int row);
    }

    static BoolColumn bools(FieldVector v, boolean ifNull) {
        if (v instanceof BitVector b) {
            return i -> b.isNull(i) ? ifNull : b.get(i) != 0;
        }
        return i -> {
            Object o = v.getObject(i);
            return o == null ? ifNull : Boolean.parseBoolean(o.toString()) || "1".equals(o.toString());
        };
    }

    /** A channel that ignores close(), so an Arrow writer can't close the channel AtomicFiles still forces. */
    static WritableByteChannel nonClosing(FileChannel ch) {
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                return ch.write(src);
            }

            @Override
            public boolean isOpen() {
                return ch.isOpen();
            }

            @Override
            public void close() {}
        };
    }
}
