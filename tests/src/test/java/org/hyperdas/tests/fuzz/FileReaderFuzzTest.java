package org.hyperdas.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.hyperdas.evaluation.arrow.PairReader;
import org.hyperdas.evaluation.arrow.PairWriter;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.export.ExportManifest;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.testing.SharedData;

/**
 * Property-based fuzzing of every file reader: a valid file, mutated at random (bytes flipped,
 * cut, inserted or deleted; JSON fields deleted or given another type), is either refused with a
 * BadInputException or read into something consistent with the file; never another exception, an
 * Error or a hang. Each property runs a bounded number of tries so the suite takes about a minute.
 */
class FileReaderFuzzTest {
    private static final int TRIES = 200;
    private static Path dir;
    private static byte[] safetensors;
    private static int safetensorsHeader;
    private static byte[] pairs;

    @BeforeContainer
    static void fixtures() throws IOException {
        dir = Files.createTempDirectory("hyperdas-fuzz");
        Path st = dir.resolve("valid.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .addF32("a.weight", new long[] {3, 4}, new float[12])
                .addBf16("b.weight", new long[] {5}, new float[] {1, 2, 3, 4, 5})
                .addI64("c.ids", new long[] {2}, new long[] {7, 8})
                .write(st);
        safetensors = Files.readAllBytes(st);
        safetensorsHeader = 8 + (int) java.nio.ByteBuffer.wrap(safetensors, 0, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        Path pf = dir.resolve("valid.arrow");
        List<Pair> ps = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ps.add(new Pair("city", "Country", "Country", i % 2 == 0 ? "Country" : "Language",
                    i % 2 == 0 ? PairKind.CAUSE : PairKind.ISOLATE, "train", "%s is a city in the country of",
                    "Paris" + i, "%s is in", "Tokyo" + i, "Paris ; Tokyo - Country", "France", "Japan",
                    i % 2 == 0 ? "Japan" : "France", true));
        }
        PairWriter.write(pf, ps.iterator(), Map.of(), 2, true);
        pairs = Files.readAllBytes(pf);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Path write(String name, byte[] bytes) throws IOException {
        Path f = Files.createTempDirectory(dir, "try").resolve(name);
        Files.write(f, bytes);
        return f;
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void safetensorsHeaderAndData(@ForAll long seed) throws IOException {
        Mutator.Mutated m = Mutator.bytes(safetensors, seed, safetensorsHeader);
        Path f = write("model.safetensors", m.bytes());
        ReaderOracle.expectClean(m.what(), () -> SafetensorsFile.open(f), file -> {
            try (file) {
                long dataStart = 8 + headerLength(m.bytes());
                for (TensorInfo t : file.tensors().values()) {
                    // What was accepted must be readable as declared, inside the data area.
                    assertTrue(t.offset() >= dataStart && t.offset() + t.byteLength() <= Files.size(f),
                            m.what() + ": " + t);
                    assertEquals(t.elementCount() * t.dtype().byteSize(), t.byteLength(), m.what() + ": " + t);
                    assertEquals(t.byteLength(), file.bytes(t.name()).remaining(), m.what());
                }
            }
        });
    }

    private static long headerLength(byte[] b) {
        return java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void safetensorsHeaderFields(@ForAll long seed) throws IOException {
        String header = new String(safetensors, 8, safetensorsHeader - 8, StandardCharsets.UTF_8);
        byte[] json = Mutator.json(header, seed).getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + json.length + safetensors.length - safetensorsHeader)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(safetensors, safetensorsHeader, safetensors.length - safetensorsHeader);
        Path f = write("model.safetensors", b.array());
        ReaderOracle.expectClean("header " + new String(json, StandardCharsets.UTF_8), () -> SafetensorsFile.open(f),
                file -> {
                    try (file) {
                        for (TensorInfo t : file.tensors().values()) {
                            assertEquals(t.byteLength(), file.bytes(t.name()).remaining());
                        }
                    }
                });
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void configJson(@ForAll long seed, @ForAll boolean tree) throws IOException {
        String valid = Files.readString(SharedData.require("models/stories260K/config.json"));
        String text = tree ? Mutator.json(valid, seed)
                : new String(Mutator.bytes(valid.getBytes(StandardCharsets.UTF_8), seed, 0).bytes(),
                        StandardCharsets.UTF_8);
        Path f = write("config.json", text.getBytes(StandardCharsets.UTF_8));
        ReaderOracle.expectClean(text, () -> LlamaConfig.load(f), c -> {
            if (tree) {
                assertSaysWhatTheFileSays(Mutator.parse(text), Mutator.parse(c.toJson()), text);
            }
        });
    }

    /**
     * Every field the reader kept must hold the file's value: a value of another type silently
     * coerced (or a field read from the wrong place) shows up as a difference.
     */
    private static void assertSaysWhatTheFileSays(JsonNode file, JsonNode read, String what) {
        for (Map.Entry<String, JsonNode> e : read.properties()) {
            JsonNode given = file.get(e.getKey());
            if (given == null || given.isNull()) {
                continue;
            }
            JsonNode kept = e.getValue();
            if (given.isNumber() && kept.isNumber()) {
                assertEquals(given.doubleValue(), kept.doubleValue(), 1e-9 * Math.abs(given.doubleValue()),
                        e.getKey() + " in " + what);
            } else if (given.isValueNode() && !(given.isNumber() && kept.isArray())) {
                assertEquals(given, kept, e.getKey() + " in " + what);
            }
        }
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void tokenizerJson(@ForAll long seed, @ForAll boolean tree) throws IOException {
        String valid = Files.readString(SharedData.require("models/stories260K/tokenizer.json"));
        String text = tree ? Mutator.json(valid, seed)
                : new String(Mutator.bytes(valid.getBytes(StandardCharsets.UTF_8), seed, 0).bytes(),
                        StandardCharsets.UTF_8);
        Path f = write("tokenizer.json", text.getBytes(StandardCharsets.UTF_8));
        ReaderOracle.expectClean(text.length() + " chars", () -> HfTokenizer.open(f), tok -> {
            try (tok) {
                long[] ids = tok.encode("Once upon a time, Lily");
                for (long id : ids) {
                    assertTrue(id >= 0 && id < tok.vocabSize(), "id " + id + " outside the vocabulary");
                }
                assertNotNull(tok.decode(ids, true));
            }
        });
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void ravelJson(@ForAll long seed, @ForAll boolean tree) throws IOException {
        Path ravel = SharedData.require("ravel/data");
        Path tryDir = Files.createTempDirectory(dir, "ravel");
        List<String> files = RavelLoader.files("occupation");
        for (String name : files) {
            if (Files.exists(ravel.resolve(name))) {
                Files.copy(ravel.resolve(name), tryDir.resolve(name));
            }
        }
        Path victim = tryDir.resolve(files.get((int) Math.floorMod(seed, (long) files.size())));
        if (Files.exists(victim)) {
            String valid = Files.readString(victim);
            String text = tree ? Mutator.json(valid, seed)
                    : new String(Mutator.bytes(valid.getBytes(StandardCharsets.UTF_8), seed, 0).bytes(),
                            StandardCharsets.UTF_8);
            Files.writeString(victim, text);
        }
        ReaderOracle.expectClean(victim.getFileName().toString(), () -> RavelLoader.load(tryDir, "occupation",
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream())), (RavelDataset d) -> assertNotNull(
                d.attributesWithValues()));
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void arrowPairFiles(@ForAll long seed) throws IOException {
        Mutator.Mutated m = Mutator.bytes(pairs, seed, 0);
        Path f = write("pairs.arrow", m.bytes());
        ReaderOracle.expectClean(m.what(), () -> PairReader.readAll(f), read -> {
            assertTrue(read.size() <= 6 * 2, m.what() + ": " + read.size() + " pairs from a file of 6");
            for (Pair p : read) {
                assertTrue(p.baseTemplate().contains("%s"), m.what() + ": " + p);
            }
        });
    }

    private static final String MANIFEST = """
            {"format": "hyperdas-export", "format_version": 1,
             "producer": {"name": "hyperdas-run", "version": "0.1.0"},
             "method": "das", "modes": [],
             "target": {"path": "/m", "layers": 2, "hidden_size": 32, "vocab_size": 208},
             "layer": 1, "k": 4, "hypernet_layers": null, "attributes": ["city.Country"],
             "scores": {"das": {"test_entity": {"cause": 0.5, "isolate": 0.25, "disentangle": 0.375}}},
             "tokenizer": "tokenizer.json", "weights": "weights.safetensors",
             "graphs": [{"file": "target.onnx", "spec": "target", "spec_version": 1, "mode": null},
                        {"file": "intervened.onnx", "spec": "das-intervened", "spec_version": 1, "mode": null}]}
            """;

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void manifestJson(@ForAll long seed, @ForAll boolean tree) throws IOException {
        String text = tree ? Mutator.json(MANIFEST, seed)
                : new String(Mutator.bytes(MANIFEST.getBytes(StandardCharsets.UTF_8), seed, 0).bytes(),
                        StandardCharsets.UTF_8);
        Path f = write("manifest.json", text.getBytes(StandardCharsets.UTF_8));
        ReaderOracle.expectClean(text, () -> ExportManifest.read(f), m -> {
            if (tree) {
                assertSaysWhatTheFileSays(Mutator.parse(text), Mutator.parse(m.toJson()), text);
            }
        });
    }
}
