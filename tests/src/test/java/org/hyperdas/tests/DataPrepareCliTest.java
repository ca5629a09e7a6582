package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.arrow.PairReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hyperdas-run data prepare} on the embedded dataset and on broken input. */
class DataPrepareCliTest {
    @Test
    void embeddedDatasetWritesPairFilesAndTable(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("pairs");
        Cli.Result r = Cli.run("data", "prepare", "--out", out.toString(), "--entity-types", "city",
                "--train-per-kind", "50", "--eval-per-kind", "20", "--seed", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("city") && r.out().contains("Country") && r.out().contains("test_context"),
                r.out());
        Path train = out.resolve("city_train.arrow");
        assertTrue(Files.exists(train));
        long n = 0;
        for (Pair p : PairReader.readAll(train)) {
            assertTrue(!p.baseLabel().equals(p.counterfactualLabel()), p.toString());
            n++;
        }
        assertTrue(n > 0);
        assertTrue(Files.exists(out.resolve("counts.tsv")));
    }

    @Test
    void unknownEntityTypeExitsWithTwo(@TempDir Path dir) {
        Cli.Result r = Cli.run("data", "prepare", "--out", dir.toString(), "--entity-types", "verb");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("entity type 'verb': expected one of [city, physical_object]"), r.err());
    }

    @Test
    void missingRavelFolderExitsWithTwo(@TempDir Path dir) {
        Cli.Result r = Cli.run("data", "prepare", "--ravel", dir.resolve("nope").toString(), "--out",
                dir.resolve("out").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nope"), r.err());
    }
}
