package org.hyperdas.evaluation.arrow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * Per-example predictions of a run ({@code predictions.arrow}): an Arrow IPC file with every
 * column of the pair schema ({@link PairSchema}, so {@link PairReader} reads its pairs) followed by
 * <pre>
 *   predicted  utf8  the decoded argmax tokens at the label positions, after intervention
 *   correct    bool  the first 3 of them all equal the expected label's tokens
 * </pre>
 * Written atomically in record batches; the bytes depend only on the outcomes and the metadata.
 */
public final class PredictionFile {
    public static final String PREDICTED = "predicted";
    public static final String CORRECT = "correct";
    private static final int BATCH_ROWS = 4096;

    private PredictionFile() {
    }

    public static Schema schema(Map<String, String> metadata) {
        List<Field> fields = new ArrayList<>(PairSchema.fields());
        fields.add(new Field(PREDICTED, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
        fields.add(new Field(CORRECT, FieldType.notNullable(ArrowType.Bool.INSTANCE), null));
        return new Schema(fields, new TreeMap<>(metadata == null ? Map.of() : metadata));
    }

    /** Writes the outcomes; returns the number of rows. */
    public static long write(Path target, List<Outcome> outcomes, Map<String, String> metadata) throws IOException {
        AtomicFiles.write(target, ch -> {
            try (BufferAllocator alloc = new RootAllocator();
                    VectorSchemaRoot root = VectorSchemaRoot.create(schema(metadata), alloc);
                    ArrowFileWriter w = new ArrowFileWriter(root, null, ArrowIo.nonClosing(ch))) {
                w.start();
                List<VarCharVector> cols = new ArrayList<>();
                for (String c : PairSchema.STRING_COLUMNS) {
                    cols.add((VarCharVector) root.getVector(c));
                }
                BitVector knows = (BitVector) root.getVector(PairSchema.KNOWS_IT);
                VarCharVector predicted = (VarCharVector) root.getVector(PREDICTED);
                BitVector correct = (BitVector) root.getVector(CORRECT);
                for (int start = 0; start < outcomes.size(); start += BATCH_ROWS) {
                    int n = Math.min(BATCH_ROWS, outcomes.size() - start);
                    root.allocateNew();
                    for (int i = 0; i < n; i++) {
                        Outcome o = outcomes.get(start + i);
                        String[] v = PairWriter.values(o.pair());
                        for (int c = 0; c < v.length; c++) {
                            cols.get(c).setSafe(i, v[c].getBytes(StandardCharsets.UTF_8));
                        }
                        knows.setSafe(i, o.pair().knowsIt() ? 1 : 0);
                        predicted.setSafe(i, o.predicted().getBytes(StandardCharsets.UTF_8));
                        correct.setSafe(i, o.correct() ? 1 : 0);
                    }
                    for (FieldVector v : root.getFieldVectors()) {
                        v.setValueCount(n);
                    }
                    root.setRowCount(n);
                    w.writeBatch();
                }
                w.end();
            }
        });
        return outcomes.size();
    }

    /** Reads a predictions file back (whole; a run's predictions fit in memory). */
    public static List<Outcome> read(Path file) {
        List<Pair> pairs = PairReader.readAll(file);
        List<Outcome> out = new ArrayList<>(pairs.size());
        try (BufferAllocator alloc = ArrowIo.allocatorFor(file); ArrowReader reader = ArrowIo.open(file, alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            for (String c : new String[] {PREDICTED, CORRECT}) {
                if (root.getVector(c) == null) {
                    throw BadInputException.field(file, c, "a column of the predictions schema", "no such column");
                }
            }
            int row = 0;
            while (reader.loadNextBatch()) {
                ArrowIo.StringColumn predicted = ArrowIo.strings(root.getVector(PREDICTED));
                ArrowIo.BoolColumn correct = ArrowIo.bools(root.getVector(CORRECT), false);
                for (int i = 0; i < root.getRowCount(); i++, row++) {
                    out.add(new Outcome(pairs.get(row), predicted.get(i), correct.get(i)));
                }
            }
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        } catch (IndexOutOfBoundsException e) {
            throw BadInputException.file(file, "more prediction rows than pairs: expected one prediction per pair"
                    + " (corrupt file?)");
        } catch (BadInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadInputException(file + ": not a readable predictions file: " + e.getMessage(), e);
        }
        if (out.size() != pairs.size()) {
            throw BadInputException.file(file, pairs.size() + " pairs but " + out.size() + " predictions: expected one"
                    + " prediction per pair (corrupt file?)");
        }
        return out;
    }
}
