package org.hyperdas.evaluation.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepTableTest {
    @Test
    void rowsRoundTrip(@TempDir Path dir) throws Exception {
        List<SweepTable.Row> rows = List.of(
                new SweepTable.Row("layer-1_seed-0", "", "mdas", "layer=1", "{\"layer\":\"1\"}", 0, 1, 4,
                        "test_entity", 0.5, 0.25, 0.375),
                new SweepTable.Row("layer-2_seed-0", "hyperdas-soft", "hyperdas-soft", "layer=2", "{}", 7, 2, -1,
                        "test_context", Double.NaN, 1, Double.NaN));
        Path f = dir.resolve(SweepTable.FILE);
        SweepTable.write(f, rows);
        assertEquals(rows, SweepTable.read(f));
    }
}
