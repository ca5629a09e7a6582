package org.hyperdas.evaluation.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfDatasetReaderTest {
    @Test
    void cityCountryTest() {
        Path dir = SharedData.require("ravel/hyperdas-llama3-8b/city_country_test");
        assertEquals(HfDatasetReader.COLUMNS, HfDatasetReader.columnNames(dir));
        List<HfDatasetReader.Row> rows = HfDatasetReader.readRows(dir);
        assertEquals(2622, rows.size());
        assertEquals(1544, rows.stream().filter(r -> r.attributeType().equals("causal")).count());
        assertEquals(1078, rows.stream().filter(r -> r.attributeType().equals("isolate")).count());
        HfDatasetReader.Row first = rows.get(0);
        assertEquals("Qaminis ; Boston - Country", first.editInstruction());
        assertEquals("city: Qaminis, country:", first.basePrompt());
        assertEquals("city: Boston, country:", first.verifyText());

        List<Pair> pairs = HfDatasetReader.readPairs(dir);
        assertEquals(2622, pairs.size());
        for (int i = 0; i < rows.size(); i++) {
            HfDatasetReader.Row r = rows.get(i);
            Pair p = pairs.get(i);
            assertEquals(r.basePrompt(), p.basePrompt());
            assertEquals(r.sourcePrompt(), p.sourcePrompt());
            assertEquals(r.inputPrefix(), p.basePrefix());
            assertEquals(r.counterfactualInputPrefix(), p.sourcePrefix());
            assertEquals(r.verifyText(), p.verifyPrompt(), "row " + i);
            assertEquals("Country", p.attribute());
            assertEquals("city", p.entityType());
            assertEquals("test", p.split());
            assertEquals(r.attributeType().equals("causal") ? PairKind.CAUSE : PairKind.ISOLATE, p.kind());
            assertEquals(p.kind() == PairKind.CAUSE ? r.counterfactualTarget() : r.target(), p.expectedLabel());
        }
    }

    @Test
    void everyFolderReads() {
        Path root = SharedData.require("ravel/hyperdas-llama3-8b");
        Map<String, String> counts = new TreeMap<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.sorted().toList()) {
                if (!Files.exists(d.resolve("data-00000-of-00001.arrow"))) {
                    BadInputException e = assertThrows(BadInputException.class, () -> HfDatasetReader.readRows(d));
                    assertTrue(e.getMessage().contains("data-00000-of-00001.arrow: no such file"), e.getMessage());
                    counts.put(d.getFileName().toString(), "no data file");
                    continue;
                }
                long[] kinds = new long[2];
                HfDatasetReader.forEachPair(d, p -> {
                    kinds[p.kind().ordinal()]++;
                    assertTrue(p.baseTemplate().contains("%s"));
                });
                counts.put(d.getFileName().toString(), kinds[0] + " causal / " + kinds[1] + " isolate");
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        counts.forEach((k, v) -> System.out.println(k + ": " + v));
        assertEquals("1544 causal / 1078 isolate", counts.get("city_country_test"));
        assertEquals("no data file", counts.get("city_test"));
    }

    @Test
    void plainArrowFileWithoutDatasetInfo(@TempDir Path tmp) throws IOException {
        Path src = SharedData.require("ravel/hyperdas-llama3-8b/city_country_test/data-00000-of-00001.arrow");
        Path folder = tmp.resolve("bare");
        Files.createDirectories(folder);
        Files.copy(src, folder.resolve("part.arrow"));
        assertEquals(2622, HfDatasetReader.readRows(folder).size());
        assertEquals(2622, HfDatasetReader.readRows(folder.resolve("part.arrow")).size());
        // Converted to our schema, and read back.
        Path out = tmp.resolve("city_country_test.arrow");
        assertEquals(2622, HfDatasetReader.convert(SharedData.require("ravel/hyperdas-llama3-8b/city_country_test"), out));
        List<Pair> back = PairReader.readAll(out);
        assertEquals(HfDatasetReader.readPairs(src.getParent()), back);
        assertEquals(1544, back.stream().filter(p -> p.kind() == PairKind.CAUSE).count());
    }
}
