package org.hyperdas.evaluation.arrow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * A sweep's results ({@code sweep.arrow}): one row per cell, run and pair split, as an Arrow IPC file
 * <pre>
 *   cell         utf8     the cell's folder name
 *   run          utf8     the run folder, relative to the cell's ("" = the cell folder itself)
 *   method       utf8     the run's method label ("mdas", "hyperdas-soft", ...)
 *   context      utf8     the cell's grid values other than method and seed ("layer=1, k=4")
 *   settings     utf8     every grid value of the cell, as JSON
 *   seed         int64
 *   layer        int64    the layer the run used (-1 when it has none)
 *   k            int64    the subspace size the run used (-1 when it has none)
 *   split        utf8
 *   cause, isolate, disentangle  float64  the overall scores (mean over entity types), NaN when undefined
 * </pre>
 * Written atomically; the bytes depend only on the rows.
 */
public final class SweepTable {
    public static final String FILE = "sweep.arrow";
    private static final String[] TEXT = {"cell", "run", "method", "context", "settings"};
    private static final String[] INTS = {"seed", "layer", "k"};
    private static final String[] FLOATS = {"cause", "isolate", "disentangle"};

    /** One row. */
    public record Row(String cell, String run, String method, String context, String settings, long seed, long layer,
            long k, String split, double cause, double isolate, double disentangle) {
        String[] texts() {
            return new String[] {cell, run, method, context, settings};
        }

        long[] ints() {
            return new long[] {seed, layer, k};
        }

        double[] floats() {
            return new double[] {cause, isolate, disentangle};
        }
    }

    private SweepTable() {
    }

    public static Schema schema() {
        List<Field> fields = new ArrayList<>();
        for (String t : TEXT) {
            fields.add(new Field(t, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
        }
        for (String t : INTS) {
            fields.add(new Field(t, FieldType.notNullable(new ArrowType.Int(64, true)), null));
        }
        fields.add(new Field("split", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
        for (String t : FLOATS) {
            fields.add(new Field(t, FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                    null));
        }
        return new Schema(fields, Map.of("hyperdas.table", "sweep"));
    }

    /** Writes the rows (one record batch). */
    public static void write(Path target, List<Row> rows) throws IOException {
        AtomicFiles.write(target, ch -> {
            try (BufferAllocator alloc = new RootAllocator();
                    VectorSchemaRoot root = VectorSchemaRoot.create(schema(), alloc);
                    ArrowFileWriter w = new ArrowFileWriter(root, null, ArrowIo.nonClosing(ch))) {
                w.start();
                root.allocateNew();
                for (int i = 0; i < rows.size(); i++) {
                    Row r = rows.get(i);
                    for (int c = 0; c < TEXT.length; c++) {
                        ((VarCharVector) root.getVector(TEXT[c])).setSafe(i, r.texts()[c].getBytes(StandardCharsets.UTF_8));
                    }
                    for (int c = 0; c < INTS.length; c++) {
                        ((BigIntVector) root.getVector(INTS[c])).setSafe(i, r.ints()[c]);
                    }
                    ((VarCharVector) root.getVector("split")).setSafe(i, r.split().getBytes(StandardCharsets.UTF_8));
                    for (int c = 0; c < FLOATS.length; c++) {
                        ((Float8Vector) root.getVector(FLOATS[c])).setSafe(i, r.floats()[c]);
                    }
                }
                for (FieldVector v : root.getFieldVectors()) {
                    v.setValueCount(rows.size());
                }
                root.setRowCount(rows.size());
                w.writeBatch();
                w.end();
            }
        });
    }

    /** Reads the rows back. */
    public static List<Row> read(Path file) {
        List<Row> out = new ArrayList<>();
        try (BufferAllocator alloc = new RootAllocator(); ArrowReader reader = ArrowIo.open(file, alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            if (!root.getSchema().getFields().equals(schema().getFields())) {
                throw BadInputException.file(file, "not a sweep table (expected the columns of " + FILE + ": "
                        + schema().getFields() + ")");
            }
            while (reader.loadNextBatch()) {
                for (int i = 0; i < root.getRowCount(); i++) {
                    String[] t = new String[TEXT.length];
                    for (int c = 0; c < TEXT.length; c++) {
                        t[c] = new String(((VarCharVector) root.getVector(TEXT[c])).get(i), StandardCharsets.UTF_8);
                    }
                    long[] n = new long[INTS.length];
                    for (int c = 0; c < INTS.length; c++) {
                        n[c] = ((BigIntVector) root.getVector(INTS[c])).get(i);
                    }
                    String split = new String(((VarCharVector) root.getVector("split")).get(i), StandardCharsets.UTF_8);
                    double[] f = new double[FLOATS.length];
                    for (int c = 0; c < FLOATS.length; c++) {
                        f[c] = ((Float8Vector) root.getVector(FLOATS[c])).get(i);
                    }
                    out.add(new Row(t[0], t[1], t[2], t[3], t[4], n[0], n[1], n[2], split, f[0], f[1], f[2]));
                }
            }
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        return out;
    }
}
