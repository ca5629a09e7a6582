package org.hyperdas.evaluation.arrow;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.runtime.BadInputException;

/**
 * Reads a pair file ({@link PairSchema}) record batch by record batch: only the current batch is
 * in memory. Takes Arrow IPC files and IPC streams, from this project or any other Arrow
 * implementation; columns are found by name (extra columns are ignored, column order is free,
 * utf8 and large_utf8 both work). source_attribute defaults to "" and knows_it to true when absent.
 */
public final class PairReader implements Iterator<Pair>, AutoCloseable {
    private final Path file;
    private final BufferAllocator allocator;
    private final ArrowReader reader;
    private final Schema schema;
    private List<Pair> batch = Collections.emptyList();
    private int pos;
    private boolean done;
    private long rowsRead;

    private PairReader(Path file, BufferAllocator allocator, ArrowReader reader, Schema schema) {
        this.file = file;
        this.allocator = allocator;
        this.reader = reader;
        this.schema = schema;
    }

    public static PairReader open(Path file) {
        BufferAllocator alloc = ArrowIo.allocatorFor(file);
        ArrowReader r = null;
        try {
            r = ArrowIo.open(file, alloc);
            Schema schema = r.getVectorSchemaRoot().getSchema();
            Map<String, Field> byName = new HashMap<>();
            schema.getFields().forEach(f -> byName.put(f.getName(), f));
            for (String c : PairSchema.REQUIRED_COLUMNS) {
                if (!byName.containsKey(c)) {
                    throw BadInputException.field(file, c, "a utf8 column of the pair schema (version "
                            + PairSchema.VERSION + ", see PAIRS_SCHEMA.md)", "no such column; the file has "
                            + byName.keySet().stream().sorted().toList());
                }
            }
            return new PairReader(file, alloc, r, schema);
        } catch (IOException e) {
            close(r, alloc);
            throw new BadInputException(file + ": not a readable Arrow file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(r, alloc);
            if (e instanceof BadInputException) {
                throw e;
            }
            throw new BadInputException(file + ": not a readable Arrow file: " + e.getMessage(), e);
        }
    }

    private static void close(ArrowReader r, BufferAllocator alloc) {
        try {
            if (r != null) {
                r.close();
            }
        } catch (IOException | RuntimeException ignored) {
            // already failing
        }
        alloc.close();
    }

    /** Reads a whole pair file into memory (small files and tests; stream big ones). */
    public static List<Pair> readAll(Path file) {
        List<Pair> out = new ArrayList<>();
        try (PairReader r = open(file)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    /** Row count, reading batch by batch. */
    public static long count(Path file) {
        long n = 0;
        try (PairReader r = open(file)) {
            List<Pair> b;
            while ((b = r.nextBatch()) != null) {
                n += b.size();
            }
        }
        return n;
    }

    public Schema schema() {
        return schema;
    }

    /** Schema metadata (sorted by key). */
    public Map<String, String> metadata() {
        Map<String, String> m = schema.getCustomMetadata();
        return m == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(m));
    }

    public Path file() {
        return file;
    }

    /**
     * The pairs of the next record batch (or of what is left of the current one after
     * {@link #next()} calls), or null at the end.
     */
    public List<Pair> nextBatch() {
        if (pos < batch.size()) {
            List<Pair> rest = batch.subList(pos, batch.size());
            pos = batch.size();
            return rest;
        }
        if (!load()) {
            return null;
        }
        pos = batch.size();
        return batch;
    }

    @Override
    public boolean hasNext() {
        return pos < batch.size() || load();
    }

    @Override
    public Pair next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return batch.get(pos++);
    }

    private boolean load() {
        while (!done) {
            boolean loaded;
            VectorSchemaRoot root;
            try {
                loaded = reader.loadNextBatch();
                root = reader.getVectorSchemaRoot();
            } catch (IOException | RuntimeException e) {
                throw new BadInputException(file + ": cannot read record batch after row " + rowsRead + ": "
                        + e.getMessage(), e);
            }
            if (!loaded) {
                done = true;
                batch = Collections.emptyList();
                pos = 0;
                return false;
            }
            try {
                batch = convert(root);
            } catch (BadInputException e) {
                throw e;
            } catch (RuntimeException e) {
                // Arrow trusts the offsets in the file: damaged ones surface as index or size errors.
                throw new BadInputException(file + ": corrupt record batch after row " + rowsRead + ": "
                        + e, e);
            }
            pos = 0;
            rowsRead += batch.size();
            if (!batch.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private List<Pair> convert(VectorSchemaRoot root) {
        int n = root.getRowCount();
        Map<String, ArrowIo.StringColumn> s = new HashMap<>();
        for (String c : PairSchema.STRING_COLUMNS) {
            FieldVector v = root.getVector(c);
            if (v != null) {
                s.put(c, ArrowIo.strings(v));
            }
        }
        FieldVector kv = root.getVector(PairSchema.KNOWS_IT);
        ArrowIo.BoolColumn knows = kv == null ? i -> true : ArrowIo.bools(kv, true);
        List<Pair> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long row = rowsRead + i;
            for (String t : new String[] {PairSchema.BASE_TEMPLATE, PairSchema.SOURCE_TEMPLATE}) {
                String text = req(s, t, i, row);
                int slots = Template.slotCount(text);
                if (slots != 1) {
                    throw BadInputException.field(file, t + "[" + row + "]", "a template with exactly one %s",
                            slots + " in \"" + text + "\"");
                }
            }
            String kindText = req(s, PairSchema.KIND, i, row);
            PairKind kind = PairKind.parseOrNull(kindText);
            if (kind == null) {
                throw BadInputException.field(file, PairSchema.KIND + "[" + row + "]", "\"cause\" or \"isolate\"",
                        "\"" + kindText + "\"");
            }
            ArrowIo.StringColumn src = s.get(PairSchema.SOURCE_ATTRIBUTE);
            String sourceAttribute = src == null ? "" : src.get(i);
            out.add(new Pair(req(s, PairSchema.ENTITY_TYPE, i, row), req(s, PairSchema.ATTRIBUTE, i, row),
                    req(s, PairSchema.BASE_ATTRIBUTE, i, row), sourceAttribute == null ? "" : sourceAttribute, kind,
                    req(s, PairSchema.SPLIT, i, row), req(s, PairSchema.BASE_TEMPLATE, i, row),
                    req(s, PairSchema.BASE_ENTITY, i, row), req(s, PairSchema.SOURCE_TEMPLATE, i, row),
                    req(s, PairSchema.SOURCE_ENTITY, i, row), req(s, PairSchema.INSTRUCTION, i, row),
                    req(s, PairSchema.BASE_LABEL, i, row), req(s, PairSchema.COUNTERFACTUAL_LABEL, i, row),
                    req(s, PairSchema.EXPECTED_LABEL, i, row), knows.get(i)));
        }
        return out;
    }

    private String req(Map<String, ArrowIo.StringColumn> s, String column, int i, long row) {
        String v = s.get(column).get(i);
        if (v == null) {
            throw BadInputException.field(file, column + "[" + row + "]", "a string", "null");
        }
        return v;
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot close: " + e.getMessage(), e);
        } finally {
            allocator.close();
        }
    }
}
