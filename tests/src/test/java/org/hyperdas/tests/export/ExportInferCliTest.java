package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hyperdas-run export} and {@code hyperdas-run infer} through the CLI: export lists the
 * files it wrote; infer prints the base answer, the intervened answer and the selected pairs for
 * every HyperDAS mode and for MDAS; bad inputs (a missing weights or graph file, a spec version
 * this build does not read, a missing manifest field, an entity the text lacks, an occupied
 * output folder, a run folder with a broken parameters file) exit with 2 and name the file or
 * field, and a failed export leaves nothing behind.
 */
class ExportInferCliTest {
    private static Pair causePair(Path run) {
        return PredictionFile.read(run.resolve(RunFolder.PREDICTIONS)).stream().map(o -> o.pair())
                .filter(p -> p.kind() == PairKind.CAUSE).findFirst().orElseThrow();
    }

    private static ExportFixture.Result infer(Path export, Pair p, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("infer", "--export", export.toString(), "--base",
                p.basePrompt(), "--source", p.sourcePrompt(), "--instruction", p.instruction()));
        args.addAll(List.of(more));
        return ExportFixture.cli(args.toArray(String[]::new));
    }

    private static void assertThreeParts(ExportFixture.Result r) {
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("base answer:       \""), r.out());
        assertTrue(r.out().contains("intervened answer: \""), r.out());
        assertTrue(r.out().contains("selected (base token <- source token, weight):\n  \"")
                || r.out().contains("selected (base token <- source token, weight):\n  none (every base position kept"),
                r.out());
    }

    @Test
    void exportPrintsTheFilesItWrote() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        for (String f : List.of("manifest.json", "weights.safetensors", "tokenizer.json", "target.onnx",
                "intervened-soft.onnx", "intervened-one-to-many.onnx", "intervened-one-to-one.onnx",
                "intervened-global-argmax.onnx",
                "hypernetwork.onnx")) {
            assertTrue(runs.exportOut().contains("  " + f + " "), runs.exportOut());
            assertTrue(Files.isRegularFile(runs.hyperdasExport().resolve(f)), f);
        }
        System.out.print(runs.exportOut());
        System.out.print(Files.readString(runs.hyperdasExport().resolve("manifest.json")));
    }

    @Test
    void oneHyperdasModeFolderExportsThatModeWithTheSharedParameters(@TempDir Path dir) throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Path out = dir.resolve("one-to-one");
        ExportFixture.Result r = ExportFixture.cli("export", "--run",
                runs.hyperdasRun().resolve("hyperdas-one-to-one").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("hypernetwork.onnx", "intervened-one-to-one.onnx", "manifest.json", "target.onnx",
                    "tokenizer.json", "tokenizer_config.json", "weights.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        String manifest = Files.readString(out.resolve("manifest.json"));
        assertTrue(manifest.contains("\"modes\" : [ \"one-to-one\" ]"), manifest);
        assertEquals(Files.size(runs.hyperdasExport().resolve("weights.safetensors")),
                Files.size(out.resolve("weights.safetensors")));
        Pair p = causePair(runs.hyperdasRun().resolve("hyperdas-soft"));
        assertThreeParts(infer(out, p, "--mode", "one-to-one", "--max-new-tokens", "1"));
        ExportFixture.Result soft = infer(out, p, "--mode", "soft");
        assertEquals(2, soft.code(), soft.err());
        assertTrue(soft.err().contains("--mode soft: the export has the modes [one-to-one]"), soft.err());
    }

    @Test
    void inferPrintsBothAnswersAndTheSelectionInEveryMode() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Pair p = causePair(runs.hyperdasRun().resolve("hyperdas-soft"));
        for (String mode : List.of("soft", "one-to-many", "one-to-one", "global-argmax")) {
            ExportFixture.Result r = infer(runs.hyperdasExport(), p, "--mode", mode, "--max-new-tokens", "2");
            assertThreeParts(r);
            assertTrue(r.out().startsWith("hyperdas (" + mode + "), layer 1"), r.out());
            System.out.print(r.out());
        }
    }

    @Test
    void inferOnMdasUsesTheNamedAttributesSubspaceAtTheLastEntityTokens() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Pair p = causePair(runs.mdasRun());
        ExportFixture.Result r = infer(runs.mdasExport(), p, "--attribute", "Continent", "--device", "auto");
        assertThreeParts(r);
        assertTrue(r.out().startsWith("mdas (city.Continent), layer 1"), r.out());
        assertTrue(r.out().contains("1.000"), r.out());
        ExportFixture.Result byInstruction = infer(runs.mdasExport(), p);
        assertThreeParts(byInstruction);
        assertTrue(byInstruction.out().startsWith("mdas (city." + p.attribute() + ")"), byInstruction.out());
        System.out.print(r.out());
        ExportFixture.Result patching = infer(runs.patchingExport(), p);
        assertThreeParts(patching);
        assertTrue(patching.out().startsWith("patching (patching), layer 1"), patching.out());
    }

    @Test
    void badExportFoldersExitWithTwoNamingTheFileOrField(@TempDir Path dir) throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        Pair p = causePair(runs.hyperdasRun().resolve("hyperdas-soft"));

        Path noWeights = ExportFixture.copy(runs.hyperdasExport(), dir.resolve("no-weights"));
        Files.delete(noWeights.resolve("weights.safetensors"));
        ExportFixture.Result r = infer(noWeights, p);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("weights.safetensors") && r.err().contains("'weights'"), r.err());

        Path noGraph = ExportFixture.copy(runs.hyperdasExport(), dir.resolve("no-graph"));
        Files.delete(noGraph.resolve("intervened-soft.onnx"));
        r = infer(noGraph, p);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("intervened-soft.onnx") && r.err().contains("graphs[1].file"), r.err());

        // An export written with version 1 of the specs (logits at every position) is refused.
        Path version = ExportFixture.copy(runs.hyperdasExport(), dir.resolve("version-1"));
        Path manifest = version.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replaceFirst(
                "(\"file\" : \"intervened-soft.onnx\",\\s*\"spec\" : \"hyperdas-intervened\",\\s*\"spec_version\" : )2",
                "$11"));
        r = infer(version, p);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("manifest.json") && r.err().contains("graphs[1].spec_version")
                && r.err().contains("expected 2") && r.err().contains("found 1") && r.err().contains("re-export"),
                r.err());

        Path noField = ExportFixture.copy(runs.hyperdasExport(), dir.resolve("no-field"));
        manifest = noField.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"weights\" : \"weights.safetensors\",", ""));
        r = infer(noField, p);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("manifest.json") && r.err().contains("'weights'")
                && r.err().contains("expected a string"), r.err());

        r = ExportFixture.cli("infer", "--export", runs.hyperdasExport().toString(), "--base", p.basePrompt(),
                "--source", p.sourcePrompt(), "--instruction", "Atlantis ; " + p.sourceEntity() + " - Country");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("\"Atlantis\"") && r.err().contains("--base"), r.err());

        r = ExportFixture.cli("infer", "--export", runs.hyperdasExport().toString(), "--base", p.basePrompt(),
                "--source", p.sourcePrompt(), "--instruction", "no separators here");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("<base entity> ; <source entity> - <Attribute>"), r.err());
    }

    @Test
    void exportRefusesAnOccupiedFolderAndAFailedExportLeavesNothing(@TempDir Path dir) throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        ExportFixture.Result r = ExportFixture.cli("export", "--run", runs.hyperdasRun().toString(), "--out",
                runs.mdasExport().toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(runs.mdasExport().toString()) && r.err().contains("not empty"), r.err());

        r = ExportFixture.cli("export", "--run", dir.toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("not a run folder"), r.err());

        // A run whose parameters lack a tensor: the export fails after it started writing.
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        for (String f : RunFolder.FILES) {
            Files.copy(runs.mdasRun().resolve(f), broken.resolve(f));
        }
        new org.hyperdas.runtime.safetensors.SafetensorsWriter().metadata("method", "mdas")
                .addF32("city.Country.rotation", new long[] {32, 4}, new float[128])
                .write(broken.resolve(RunFolder.PARAMETERS));
        Path out = dir.resolve("exports").resolve("broken");
        r = ExportFixture.cli("export", "--run", broken.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(RunFolder.PARAMETERS) && r.err().contains("city.Continent.rotation"), r.err());
        assertFalse(Files.exists(out));
        try (Stream<Path> left = Files.list(out.getParent())) {
            assertEquals(List.of(), left.toList(), "no partial export folder");
        }
    }
}
