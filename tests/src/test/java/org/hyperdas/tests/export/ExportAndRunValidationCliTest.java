package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code infer} and {@code leaderboard} read is validated against what it must be: manifest
 * fields that infer echoes (method, layer, target hidden size) against the export's weights, the
 * weights' values (finite), scores against the run's own predictions; damaged .onnx files are one
 * line naming ONNX Runtime's complaint with exit 2, never a trace.
 */
class ExportAndRunValidationCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ExportFixture.Result infer(Path export, Pair p) {
        return ExportFixture.cli("infer", "--export", export.toString(), "--base", p.basePrompt(), "--source",
                p.sourcePrompt(), "--instruction", p.instruction());
    }

    private static Pair causePair(Path run) {
        return PredictionFile.read(run.resolve(RunFolder.PREDICTIONS)).stream().map(o -> o.pair())
                .filter(q -> q.kind() == PairKind.CAUSE).findFirst().orElseThrow();
    }

    private static void editManifest(Path export, String field, Object value) throws IOException {
        Path f = export.resolve("manifest.json");
        ObjectNode root = (ObjectNode) JSON.readTree(f.toFile());
        ObjectNode target = field.startsWith("target.") ? (ObjectNode) root.get("target") : root;
        String name = field.startsWith("target.") ? field.substring("target.".length()) : field;
        target.set(name, JSON.valueToTree(value));
        Files.writeString(f, root.toString());
    }

    private static void assertOneLine(ExportFixture.Result r, int code, String... mentions) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), "mentions " + m + ": " + r.err());
        }
    }

    @Test
    void inferChecksTheManifestFieldsItEchoes(@TempDir Path tmp) throws IOException {
        ExportFixture.Runs runs = ExportFixture.get();
        Pair p = causePair(runs.mdasRun());
        ExportFixture.Result fine = infer(runs.mdasExport(), p);
        assertEquals(0, fine.code(), fine.err());

        Path method = ExportFixture.copy(runs.mdasExport(), tmp.resolve("method"));
        editManifest(method, "method", "rome");
        assertOneLine(infer(method, p), 2, "manifest.json", "'method'", "rome");

        Path layer = ExportFixture.copy(runs.mdasExport(), tmp.resolve("layer"));
        editManifest(layer, "layer", 40);
        assertOneLine(infer(layer, p), 2, "'layer'", "40");

        Path hidden = ExportFixture.copy(runs.mdasExport(), tmp.resolve("hidden"));
        editManifest(hidden, "target.hidden_size", 4096);
        assertOneLine(infer(hidden, p), 2, "'target.hidden_size'", "4096", "weights.safetensors");
    }

    @Test
    void damagedExportFilesAreOneLineWithExitTwo(@TempDir Path tmp) throws IOException {
        ExportFixture.Runs runs = ExportFixture.get();
        Pair p = causePair(runs.mdasRun());

        Path nan = ExportFixture.copy(runs.mdasExport(), tmp.resolve("nan"));
        String tensor = poisonFirstFloat(nan.resolve("weights.safetensors"), Float.NaN);
        assertOneLine(infer(nan, p), 2, "weights.safetensors", tensor, "non-finite");

        Path truncated = ExportFixture.copy(runs.mdasExport(), tmp.resolve("truncated"));
        Path w = truncated.resolve("weights.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(w.toFile(), "rw")) {
            raf.setLength(raf.length() * 2 / 3);
        }
        assertOneLine(infer(truncated, p), 2, "weights.safetensors");

        Path onnx = ExportFixture.copy(runs.mdasExport(), tmp.resolve("onnx"));
        Files.writeString(onnx.resolve("target.onnx"), "not a protobuf at all");
        assertOneLine(infer(onnx, p), 2, "ONNX Runtime", "target.onnx");
    }

    /** Writes {@code value} over the first element of the first F32 tensor; returns its name. */
    static String poisonFirstFloat(Path file, float value) throws IOException {
        TensorInfo t;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            t = f.tensors().values().stream().filter(x -> x.dtype().name().equals("F32")).findFirst().orElseThrow();
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(t.offset());
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
        }
        return t.name();
    }

    @Test
    void leaderboardRefusesScoresItsPredictionsDoNotSupport(@TempDir Path tmp) throws IOException {
        ExportFixture.Runs runs = ExportFixture.get();
        ExportFixture.Result fine = ExportFixture.cli("leaderboard", "--runs", runs.mdasRun().toString(), "--out",
                tmp.resolve("ok").toString());
        assertEquals(0, fine.code(), fine.err());

        Path above = ExportFixture.copy(runs.mdasRun(), tmp.resolve("above"));
        ObjectNode scores = (ObjectNode) JSON.readTree(above.resolve("scores.json").toFile());
        String split = scores.get("splits").fieldNames().next();
        ((ObjectNode) scores.get("splits").get(split)).put("cause", 1.7);
        Files.writeString(above.resolve("scores.json"), scores.toString());
        assertOneLine(ExportFixture.cli("leaderboard", "--runs", above.toString(), "--out",
                tmp.resolve("o1").toString()), 2, "scores.json", "splits." + split + ".cause", "1.7");

        Path swapped = ExportFixture.copy(runs.mdasRun(), tmp.resolve("swapped"));
        Files.copy(runs.patchingRun().resolve("predictions.arrow"), swapped.resolve("predictions.arrow"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ExportFixture.Result r = ExportFixture.cli("leaderboard", "--runs", swapped.toString(), "--out",
                tmp.resolve("o2").toString());
        if (!PredictionFile.read(runs.patchingRun().resolve("predictions.arrow")).stream().map(o -> o.correct())
                .toList().equals(PredictionFile.read(runs.mdasRun().resolve("predictions.arrow")).stream()
                        .map(o -> o.correct()).toList())) {
            assertOneLine(r, 2, "predictions.arrow");
        }

        Path corrupt = ExportFixture.copy(runs.mdasRun(), tmp.resolve("corrupt"));
        Path pf = corrupt.resolve("predictions.arrow");
        byte[] b = Files.readAllBytes(pf);
        Files.write(pf, java.util.Arrays.copyOf(b, b.length / 2));
        assertOneLine(ExportFixture.cli("leaderboard", "--runs", corrupt.toString(), "--out",
                tmp.resolve("o3").toString()), 2, "predictions.arrow");
    }
}
