package org.hyperdas.evaluation.ravel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperdas.evaluation.arrow.PairReader;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preparing all five RAVEL entity types in a JVM limited to 1 GB of heap. */
class StreamingHeapTest {
    @Test
    void allFiveTypesUnderOneGigabyte(@TempDir Path tmp) throws IOException, InterruptedException {
        Path ravel = SharedData.require("ravel/data");
        Path out = tmp.resolve("pairs");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HeapProbe.class.getName(), ravel.toString(), out.toString(), "11"));
        Path log = tmp.resolve("child.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(170, TimeUnit.SECONDS), "child JVM timed out");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        Matcher m = Pattern.compile("peak-heap-bytes=(\\d+)").matcher(text);
        assertTrue(m.find(), text);
        long peak = Long.parseLong(m.group(1));
        System.out.printf("prepare all five types with -Xmx1g: peak heap %.1f MB%n", peak / 1e6);
        assertTrue(peak < 1L << 30, "peak heap " + peak);
        long rows = 0;
        for (String type : RavelLoader.RAVEL_TYPES) {
            for (PairSplit s : PairOptions.DEFAULT_SPLITS) {
                rows += PairReader.count(out.resolve(PrepareData.fileName(type, s)));
            }
        }
        List<String> tsv = Files.readAllLines(out.resolve("counts.tsv"));
        long fromTsv = tsv.stream().skip(1).mapToLong(l -> Long.parseLong(l.split("\t")[4])).sum();
        assertEquals(fromTsv, rows);
        assertTrue(text.contains("total"), text);
        System.out.println("rows written: " + rows);
    }
}
