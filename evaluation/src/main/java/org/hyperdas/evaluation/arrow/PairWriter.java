package org.hyperdas.evaluation.arrow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * Writes pairs as an Arrow IPC file in the {@link PairSchema} layout, atomically (temporary file
 * in the same folder, then rename: readers see the old file or the complete new one). Pairs are
 * pulled from an iterator and written in record batches of {@link #DEFAULT_BATCH_ROWS} rows, so
 * only one batch is held at a time. The bytes depend only on the pairs and the metadata: the same
 * pairs give a byte-identical file.
 */
public final class PairWriter {
    private PairWriter() {}

    public static final int DEFAULT_BATCH_ROWS = 4096;

    /** Writes an Arrow IPC file; returns the number of rows. */
    public static long write(Path target, Iterator<Pair> pairs, Map<String, String> metadata) throws IOException {
        return write(target, pairs, metadata, DEFAULT_BATCH_ROWS, false);
    }

    public static long write(Path target, List<Pair> pairs, Map<String, String> metadata) throws IOException {
        return write(target, pairs.iterator(), metadata);
    }

    /**
     * Writes an Arrow IPC file ({@code stream == false}) or an IPC stream ({@code stream == true},
     * the format pyarrow's RecordBatchStreamWriter and Hugging Face datasets use).
     */
    public static long write(Path target, Iterator<Pair> pairs, Map<String, String> metadata, int batchRows,
            boolean stream) throws IOException {
        if (batchRows <= 0) {
            throw new IllegalArgumentException("batchRows must be > 0");
        }
        long[] rows = {0};
        AtomicFiles.write(target, ch -> {
            try (BufferAllocator alloc = new RootAllocator();
                    VectorSchemaRoot root = VectorSchemaRoot.create(PairSchema.schema(metadata), alloc);
                    ArrowWriter w = stream
                            ? new ArrowStreamWriter(root, null, ArrowIo.nonClosing(ch))
                            : new ArrowFileWriter(root, null, ArrowIo.nonClosing(ch))) {
                w.start();
                List<VarCharVector> cols = new ArrayList<>();
                for (String c : PairSchema.STRING_COLUMNS) {
                    cols.add((VarCharVector) root.getVector(c));
                }
                BitVector knows = (BitVector) root.getVector(PairSchema.KNOWS_IT);
                List<Pair> batch = new ArrayList<>(batchRows);
                while (pairs.hasNext()) {
                    batch.add(pairs.next());
                    if (batch.size() == batchRows) {
                        writeBatch(w, root, cols, knows, batch);
                        rows[0] += batch.size();
                        batch.clear();
                    }
                }
                if (!batch.isEmpty()) {
                    writeBatch(w, root, cols, knows, batch);
                    rows[0] += batch.size();
                }
                w.end();
            }
        });
        return rows[0];
    }

    private static void writeBatch(ArrowWriter w, VectorSchemaRoot root, List<VarCharVector> cols, BitVector knows,
            List<Pair> batch) throws IOException {
        root.allocateNew();
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            Pair p = batch.get(i);
            String[] v = values(p);
            for (int c = 0; c < v.length; c++) {
                cols.get(c).setSafe(i, v[c].getBytes(StandardCharsets.UTF_8));
            }
            knows.setSafe(i, p.knowsIt() ? 1 : 0);
        }
        for (VarCharVector c : cols) {
            c.setValueCount(n);
        }
        knows.setValueCount(n);
        root.setRowCount(n);
        w.writeBatch();
    }

    /** A pair's string columns in {@link PairSchema#STRING_COLUMNS} order. */
    static String[] values(Pair p) {
        return new String[] {p.entityType(), p.attribute(), p.baseAttribute(), p.sourceAttribute(), p.kind().label(),
            p.split(), p.baseTemplate(), p.baseEntity(), p.sourceTemplate(), p.sourceEntity(), p.instruction(),
            p.baseLabel(), p.counterfactualLabel(), p.expectedLabel()};
    }

    /**
     * Rewrites a pair file's knows_it column from a predicate (the knowledge filter), streaming
     * batch by batch and replacing the file atomically; metadata is kept. Returns how many pairs
     * the predicate accepted.
     */
    public static long rewriteKnowsIt(Path file, Predicate<Pair> knows) throws IOException {
        long[] accepted = {0};
        Map<String, String> metadata;
        boolean stream;
        try (PairReader probe = PairReader.open(file)) {
            metadata = probe.metadata();
        }
        stream = !ArrowIo.isIpcFile(file);
        // Read and write at once: the reader holds the old file open while the temporary file fills.
        try (PairReader reader = PairReader.open(file)) {
            Iterator<Pair> relabelled = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return reader.hasNext();
                }

                @Override
                public Pair next() {
                    Pair p = reader.next();
                    boolean k = knows.test(p);
                    if (k) {
                        accepted[0]++;
                    }
                    return p.withKnowsIt(k);
                }
            };
            write(file, relabelled, metadata, DEFAULT_BATCH_ROWS, stream);
        }
        return accepted[0];
    }
}
