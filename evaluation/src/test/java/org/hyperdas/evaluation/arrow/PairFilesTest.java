package org.hyperdas.evaluation.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairBuilder;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairFilesTest {
    @TempDir
    Path tmp;

    private static List<Pair> pairs() {
        return new PairBuilder(RavelLoader.loadEmbedded("city"), PairOptions.defaults(9).withLimits(700, 200))
                .buildAll(PairSplit.TRAIN);
    }

    @Test
    void writeThenReadThroughThePlainIpcReader() throws IOException {
        List<Pair> pairs = pairs();
        Path f = tmp.resolve("city_train.arrow");
        long n = PairWriter.write(f, pairs, Map.of(PairSchema.META_ENTITY_TYPE, "city"));
        assertEquals(pairs.size(), n);
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(f), s.toList(), "no temporary file left behind");
        }
        // Plain Arrow IPC file reader, no project code: schema, metadata, values.
        try (BufferAllocator alloc = new RootAllocator();
                FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
                ArrowFileReader r = new ArrowFileReader(ch, alloc)) {
            VectorSchemaRoot root = r.getVectorSchemaRoot();
            Schema schema = root.getSchema();
            assertEquals(PairSchema.fields(), schema.getFields());
            assertEquals(15, schema.getFields().size());
            assertEquals("1", schema.getCustomMetadata().get(PairSchema.META_VERSION));
            assertEquals("city", schema.getCustomMetadata().get(PairSchema.META_ENTITY_TYPE));
            assertEquals((pairs.size() + PairWriter.DEFAULT_BATCH_ROWS - 1) / PairWriter.DEFAULT_BATCH_ROWS,
                    r.getRecordBlocks().size());
            int row = 0;
            while (r.loadNextBatch()) {
                VarCharVector instruction = (VarCharVector) root.getVector("instruction");
                VarCharVector kind = (VarCharVector) root.getVector("kind");
                BitVector knows = (BitVector) root.getVector("knows_it");
                for (int i = 0; i < root.getRowCount(); i++, row++) {
                    Pair p = pairs.get(row);
                    assertEquals(p.instruction(), new String(instruction.get(i), StandardCharsets.UTF_8));
                    assertEquals(p.kind().label(), new String(kind.get(i), StandardCharsets.UTF_8));
                    assertEquals(1, knows.get(i));
                }
            }
            assertEquals(pairs.size(), row);
        }
        assertEquals(pairs, PairReader.readAll(f));
        assertEquals(pairs.size(), PairReader.count(f));
        try (PairReader r = PairReader.open(f)) {
            assertEquals("city", r.metadata().get(PairSchema.META_ENTITY_TYPE));
        }
    }

    @Test
    void ipcStreamAndNonAsciiRoundTrip() throws IOException {
        List<Pair> pairs = new ArrayList<>(pairs().subList(0, 10));
        pairs.add(new Pair("city", "Country", "Country", "", PairKind.CAUSE, "train",
                " \"city\": \"%s\", \"pays\": \"", "São Paulo", "%s liegt in", "Kraków",
                "São Paulo ; Kraków - Country", "Brazil", "Poland", "Poland", false));
        Path f = tmp.resolve("s.arrow");
        PairWriter.write(f, pairs.iterator(), Map.of(), 3, true);
        assertFalse(new String(Files.readAllBytes(f), 0, 6, StandardCharsets.US_ASCII).equals("ARROW1"));
        List<Pair> back = PairReader.readAll(f);
        assertEquals(pairs, back);
        assertEquals("\"city\": \"São Paulo\", \"pays\": \"", back.get(10).basePrompt().substring(1));
        assertFalse(back.get(10).knowsIt());
    }

    @Test
    void knowsItIsRewrittenFromAPredicate() throws IOException {
        List<Pair> pairs = pairs();
        Path f = tmp.resolve("k.arrow");
        PairWriter.write(f, pairs, Map.of(PairSchema.META_SPLIT, "train"));
        long kept = PairWriter.rewriteKnowsIt(f, p -> p.kind() == PairKind.CAUSE);
        List<Pair> back = PairReader.readAll(f);
        assertEquals(pairs.stream().filter(p -> p.kind() == PairKind.CAUSE).count(), kept);
        for (int i = 0; i < pairs.size(); i++) {
            assertEquals(pairs.get(i).withKnowsIt(pairs.get(i).kind() == PairKind.CAUSE), back.get(i));
        }
        try (PairReader r = PairReader.open(f)) {
            assertEquals("train", r.metadata().get(PairSchema.META_SPLIT));
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void emptyFileAndOtherImplementationsColumns() throws IOException {
        Path empty = tmp.resolve("empty.arrow");
        assertEquals(0, PairWriter.write(empty, List.of(), Map.of()));
        assertEquals(List.of(), PairReader.readAll(empty));

        // Another writer: different column order, no source_attribute or knows_it, an extra column.
        List<String> cols = new ArrayList<>(PairSchema.REQUIRED_COLUMNS);
        java.util.Collections.reverse(cols);
        cols.add("note");
        List<Field> fields = cols.stream()
                .map(c -> new Field(c, FieldType.nullable(ArrowType.Utf8.INSTANCE), null)).toList();
        Pair p = pairs().get(0);
        Path f = tmp.resolve("other.arrow");
        try (BufferAllocator alloc = new RootAllocator();
                VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), alloc);
                FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                ArrowStreamWriter w = new ArrowStreamWriter(root, null, ch)) {
            w.start();
            root.allocateNew();
            String[] all = PairWriter.values(p);
            for (String c : cols) {
                int idx = PairSchema.STRING_COLUMNS.indexOf(c);
                String v = idx >= 0 ? all[idx] : "extra";
                ((VarCharVector) root.getVector(c)).setSafe(0, v.getBytes(StandardCharsets.UTF_8));
            }
            root.setRowCount(1);
            w.writeBatch();
            w.end();
        }
        Pair back = PairReader.readAll(f).get(0);
        assertEquals(new Pair(p.entityType(), p.attribute(), p.baseAttribute(), "", p.kind(), p.split(),
                p.baseTemplate(), p.baseEntity(), p.sourceTemplate(), p.sourceEntity(), p.instruction(), p.baseLabel(),
                p.counterfactualLabel(), p.expectedLabel(), true), back);
    }

    /** Files written by pyarrow 25.0.1 (see resources .../arrow/pyarrow/make_and_check.py). */
    @Test
    void readsFilesWrittenByPyarrow() throws Exception {
        List<Pair> expected = null;
        for (String name : List.of("py_file.arrow", "py_stream.arrow", "py_large.arrow")) {
            Path f = Path.of(getClass().getResource("/org/hyperdas/evaluation/arrow/pyarrow/" + name).toURI());
            List<Pair> pairs = PairReader.readAll(f);
            assertEquals(3, pairs.size(), name);
            Pair p = pairs.get(0);
            assertEquals("São Paulo", p.baseEntity());
            assertEquals(" São Paulo is in", p.basePrompt());
            assertEquals("Kraków", p.sourceEntity());
            assertEquals(PairKind.ISOLATE, pairs.get(1).kind());
            assertEquals("{\"city\": \"Lima\"", pairs.get(1).basePrompt());
            if (name.equals("py_large.arrow")) {
                // no knows_it column: defaults to true
                assertTrue(pairs.stream().allMatch(Pair::knowsIt));
            } else {
                assertFalse(pairs.get(1).knowsIt());
                if (expected == null) {
                    expected = pairs;
                } else {
                    assertEquals(expected, pairs);
                }
            }
        }
    }

    @Test
    void badFilesGiveClearErrors() throws IOException {
        BadInputException e = assertThrows(BadInputException.class, () -> PairReader.open(tmp.resolve("none.arrow")));
        assertTrue(e.getMessage().contains("none.arrow: no such file"), e.getMessage());
        Path junk = tmp.resolve("junk.arrow");
        Files.writeString(junk, "not arrow at all");
        e = assertThrows(BadInputException.class, () -> PairReader.open(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        Path noCols = tmp.resolve("nocols.arrow");
        try (BufferAllocator alloc = new RootAllocator();
                VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(
                        new Field("x", FieldType.nullable(ArrowType.Utf8.INSTANCE), null))), alloc);
                FileChannel ch = FileChannel.open(noCols, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                ArrowStreamWriter w = new ArrowStreamWriter(root, null, ch)) {
            w.start();
            w.end();
        }
        e = assertThrows(BadInputException.class, () -> PairReader.open(noCols));
        assertTrue(e.getMessage().contains("field 'entity_type': expected a utf8 column of the pair schema"),
                e.getMessage());
        Pair p = pairs().get(0);
        Pair bad = new Pair(p.entityType(), p.attribute(), p.baseAttribute(), p.sourceAttribute(), p.kind(), p.split(),
                p.baseTemplate(), p.baseEntity(), "no slot here", p.sourceEntity(), p.instruction(), p.baseLabel(),
                p.counterfactualLabel(), p.expectedLabel(), true);
        Path badFile = tmp.resolve("bad.arrow");
        PairWriter.write(badFile, List.of(p, bad), Map.of());
        e = assertThrows(BadInputException.class, () -> PairReader.readAll(badFile));
        assertTrue(e.getMessage().contains("field 'source_template[1]': expected a template with exactly one %s, "
                + "found 0 in \"no slot here\""), e.getMessage());
    }
}
