package org.hyperdas.tests;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures a user can cause: each is one line naming the option, file, field or tensor, exit 2,
 * no trace; garbage inputs (non-finite weights, undeclared layers, another architecture, a
 * zero-dimensional subspace) are refused; generation stops at max_position_embeddings.
 */
class ReliabilityCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void assertOneLine(Cli.Result r, int code, String... mentions) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Usage:"), r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), "mentions " + m + ": " + r.err());
        }
    }

    private static Path copyModel(Path to) throws IOException {
        Path model = SharedData.require("models/stories260K");
        Files.createDirectories(to);
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            Files.copy(model.resolve(f), to.resolve(f));
            to.resolve(f).toFile().setWritable(true);
        }
        return to;
    }

    @Test
    void badOptionValuesNameTheOptionWithoutTheUsage(@TempDir Path dir) {
        Path model = SharedData.require("models/stories260K");
        String out = dir.resolve("out").toString();
        assertOneLine(Cli.run("generate", "--model", model.toString(), "--prompt", "hi", "--max-new-tokens", "abc"),
                2, "--max-new-tokens", "abc", "--help");
        assertOneLine(Cli.run("generate", "--model", model.toString(), "--prompt", "hi", "--top-p", "2"), 2,
                "--top-p");
        assertOneLine(Cli.run("train", "--model", model.toString(), "--train-per-kind", "-1", "--out", out), 2,
                "--train-per-kind", "-1");
        assertOneLine(Cli.run("data", "prepare", "--eval-per-kind", "-3", "--out", out), 2, "--eval-per-kind");
        assertOneLine(Cli.run("info", "--model", model.toString(), "--nonsense"), 2, "--nonsense");
    }

    @Test
    void zeroDimensionalSubspaceIsAnOptionError(@TempDir Path dir) {
        Path model = SharedData.require("models/stories260K");
        String out = dir.resolve("out").toString();
        for (String method : List.of("das", "mdas", "hyperdas")) {
            assertOneLine(Cli.run("train", "--model", model.toString(), "--method", method, "--k", "0", "--out", out), 2,
                    "--k", ">= 1", "0");
        }
        assertOneLine(Cli.run("train", "--model", model.toString(), "--method", "das", "--lr", "NaN", "--out", out), 2, "--lr");
        assertOneLine(Cli.run("train", "--model", model.toString(), "--method", "das", "--steps", "0", "--out", out), 2,
                "--steps");
    }

    @Test
    void nonFiniteWeightsAreRefusedNamingTheTensor(@TempDir Path dir) throws IOException {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Path m = copyModel(dir.resolve("m" + Float.toString(bad).replace('-', 'n')));
            TensorInfo t;
            try (SafetensorsFile f = SafetensorsFile.open(m.resolve("model.safetensors"))) {
                t = f.tensor("model.layers.3.self_attn.v_proj.weight");
            }
            try (RandomAccessFile raf = new RandomAccessFile(m.resolve("model.safetensors").toFile(), "rw")) {
                raf.seek(t.offset() + 4 * 17);
                raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(bad).array());
            }
            assertOneLine(Cli.run("generate", "--model", m.toString(), "--prompt", "Once"), 2,
                    "model.layers.3.self_attn.v_proj.weight", "non-finite", "element 17");
        }
    }

    @Test
    void configMustDeclareEveryLayerAndBeLlama(@TempDir Path dir) throws IOException {
        Path fewer = copyModel(dir.resolve("fewer"));
        editConfig(fewer, "num_hidden_layers", 3);
        assertOneLine(Cli.run("generate", "--model", fewer.toString(), "--prompt", "Once"), 2,
                "config.json", "num_hidden_layers", "found 3", "0..4");

        Path mistral = copyModel(dir.resolve("mistral"));
        editConfig(mistral, "model_type", "mistral");
        assertOneLine(Cli.run("info", "--model", mistral.toString()), 2, "config.json", "model_type", "mistral");

        Path arch = copyModel(dir.resolve("arch"));
        ObjectNode c = (ObjectNode) JSON.readTree(arch.resolve("config.json").toFile());
        c.putArray("architectures").add("GPT2LMHeadModel");
        Files.writeString(arch.resolve("config.json"), c.toString());
        assertOneLine(Cli.run("generate", "--model", arch.toString(), "--prompt", "Once"), 2, "architectures",
                "GPT2LMHeadModel");
    }

    private static void editConfig(Path model, String field, Object value) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(model.resolve("config.json").toFile());
        c.set(field, JSON.valueToTree(value));
        Files.writeString(model.resolve("config.json"), c.toString());
    }

    @Test
    void generationStopsAtMaxPositionEmbeddings(@TempDir Path dir) throws IOException {
        Path small = copyModel(dir.resolve("small"));
        editConfig(small, "max_position_embeddings", 24);
        Cli.Result r = Cli.run("generate", "--model", small.toString(), "--prompt", "Once upon a time",
                "--max-new-tokens", "100");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("stopped at the model's max_position_embeddings 24"), r.err());
        // The prompt is 5 tokens with BOS: 19 more fill the 24 positions.
        assertTrue(r.err().startsWith("19 tokens"), r.err());

        String longPrompt = "Once upon a time there was a little girl named Lily who liked to play outside."
                .repeat(3);
        assertOneLine(Cli.run("generate", "--model", small.toString(), "--prompt", longPrompt), 2,
                "max_position_embeddings 24", "prompt");
    }

    @Test
    void ioFailuresNameThePath(@TempDir Path dir) throws IOException {
        Path m = copyModel(dir.resolve("m"));
        Files.delete(m.resolve("tokenizer.json"));
        Files.createDirectory(m.resolve("tokenizer.json"));
        assertOneLine(Cli.run("info", "--model", m.toString()), 2, "tokenizer.json");

        Path w = copyModel(dir.resolve("w"));
        Files.delete(w.resolve("model.safetensors"));
        Files.createDirectory(w.resolve("model.safetensors"));
        assertOneLine(Cli.run("info", "--model", w.toString()), 2, w.toString());

        Path cut = copyModel(dir.resolve("cut"));
        try (RandomAccessFile raf = new RandomAccessFile(cut.resolve("model.safetensors").toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }
        assertOneLine(Cli.run("generate", "--model", cut.toString(), "--prompt", "Once"), 2, "model.safetensors");
    }

    /** ONNX Runtime's native library cannot be extracted: one line saying what to check, exit 2. */
    @Test
    void nativeLibraryThatCannotLoadIsOneLine(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("models/stories260K");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> run = List.of(java, "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "org.hyperdas.cli.HyperdasRun", "generate", "--model",
                model.toString(), "--prompt", "Once");
        List<String> noTmp = new ArrayList<>(run);
        noTmp.add(1, "-Djava.io.tmpdir=" + dir.resolve("absent"));
        assertChild(noTmp, dir.resolve("tmpdir.log"), "java.io.tmpdir (" + dir.resolve("absent") + ")");

        // A file size limit too small for the extracted library (the JVM itself writes nothing big).
        String quoted = String.join(" ", run.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
        assertChild(List.of("bash", "-c", "ulimit -f 256 && exec " + quoted), dir.resolve("fsize.log"),
                "ulimit -f");
    }

    private static void assertChild(List<String> cmd, Path log, String mention) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        String out = Files.readString(log);
        assertEquals(2, p.exitValue(), out);
        List<String> errors;
        try (Stream<String> lines = out.lines()) {
            errors = lines.filter(l -> l.startsWith("error: ")).toList();
        }
        assertEquals(1, errors.size(), out);
        assertTrue(errors.get(0).contains("native library") && errors.get(0).contains(mention), out);
        assertFalse(out.contains("\tat ") || out.contains("Exception in thread"), out);
    }
}
