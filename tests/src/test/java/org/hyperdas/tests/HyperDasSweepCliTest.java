package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep --method hyperdas,mdas} on stories260K with a handful of pairs (the scores mean
 * nothing; the layout is what is checked): each method's sweep in DIR/METHOD, HyperDAS's layer
 * folders per entity type as train writes them, one figure of every method, and an earlier sweep
 * folder read back with --compare.
 */
class HyperDasSweepCliTest {
    private static final String[] COMMON = {"--no-knowledge-filter", "--entity-types", "city", "--attributes",
        "Country", "--train-per-kind", "6", "--eval-per-kind", "3", "--steps", "3", "--batch-size", "4", "--k", "4",
        "--threads", "1", "--layers", "0..1"};

    private static Cli.Result sweep(Path model, String... head) {
        String[] args = new String[head.length + COMMON.length + 2];
        System.arraycopy(head, 0, args, 0, head.length);
        args[head.length] = "--model";
        args[head.length + 1] = model.toString();
        System.arraycopy(COMMON, 0, args, head.length + 2, COMMON.length);
        return Cli.run(args);
    }

    @Test
    void hyperdasBesideMdasInOneFigure(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        Path das = dir.resolve("das");
        Cli.Result d = sweep(model, "sweep", "--method", "das", "--out", das.toString());
        assertEquals(0, d.code(), d.err());

        Path out = dir.resolve("both");
        Cli.Result r = sweep(model, "sweep", "--method", "hyperdas,mdas", "--compare", das.toString(), "--out",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("# Layer sweep: hyperdas") && r.out().contains("# Layer sweep: mdas"), r.out());
        for (int layer = 0; layer <= 1; layer++) {
            Path h = out.resolve("hyperdas").resolve("layer-" + layer);
            assertTrue(Files.isRegularFile(h.resolve("hyperdas-soft").resolve(RunFolder.SCORES)), h.toString());
            assertTrue(Files.isRegularFile(h.resolve("types/city/hyperdas-soft").resolve(RunFolder.PARAMETERS)));
            assertTrue(Files.isRegularFile(out.resolve("mdas").resolve("layer-" + layer).resolve(RunFolder.SCORES)));
        }
        assertTrue(Files.readAllLines(out.resolve("hyperdas").resolve("sweep.csv")).stream()
                .anyMatch(l -> l.startsWith("1,val_entity,city,Country,")));
        byte[] png = Files.readAllBytes(out.resolve("disentangle-by-layer-methods.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG");

        Cli.Result bad = sweep(model, "sweep", "--method", "mdas", "--compare", dir.resolve("nothing").toString(),
                "--out", dir.resolve("bad").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("no such sweep folder"), bad.err());
    }
}
