package org.hyperdas.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled export specs load in the version this code supports and describe every dim they
 * use; manifest.json round-trips and names the field and expected value when it is wrong; the
 * instruction text splits into its entities and attribute.
 */
class ExportContractsTest {
    @Test
    void everySupportedSpecLoadsAndDefinesTheDimsItUses() {
        for (Map.Entry<String, Integer> e : GraphSpec.SUPPORTED.entrySet()) {
            GraphSpec s = GraphSpec.load(e.getKey());
            assertEquals(e.getValue(), s.specVersion());
            assertEquals(21, s.opset(), s.spec());
            assertEquals("hyperdas-run", s.producer());
            for (GraphSpec.TensorSpec t : concat(s.inputs(), s.outputs())) {
                assertTrue(!t.meaning().isBlank(), s.spec() + " " + t.name());
                t.onnxElemType();
                for (String d : t.shape()) {
                    GraphSpec.DimSpec dim = s.dim(d).orElseThrow(() -> new AssertionError(s.spec() + ": dim " + d));
                    assertTrue(!dim.fixed() || dim.manifest() != null, s.spec() + ": fixed dim " + d);
                }
            }
        }
    }

    /**
     * Version 2 of each spec with logits differs from version 1 (kept: it describes the exports
     * written before) only in the logit_positions input and the logits' middle axis: the same
     * other inputs and outputs, the logits [batch, positions, vocab] instead of at every position.
     */
    @Test
    void version2AsksForLogitPositionsAndKeepsEverythingElseOfVersion1() throws Exception {
        for (Map.Entry<String, Integer> e : GraphSpec.SUPPORTED.entrySet()) {
            GraphSpec v1 = bundled(e.getKey(), 1);
            GraphSpec current = GraphSpec.load(e.getKey());
            if (!v1.hasOutput("logits")) {
                assertEquals(1, e.getValue(), e.getKey() + ": no logits, no version 2");
                continue;
            }
            assertEquals(2, e.getValue(), e.getKey());
            List<GraphSpec.TensorSpec> inputs = new ArrayList<>(v1.inputs());
            inputs.add(tensor(current, "logit_positions"));
            assertEquals(inputs, current.inputs(), e.getKey());
            GraphSpec.TensorSpec positions = tensor(current, "logit_positions");
            assertEquals(List.of("batch", "positions"), positions.shape());
            assertEquals("int64", positions.dtype());
            assertEquals(List.of("batch", "positions", "vocab"), tensor(current, "logits").shape(), e.getKey());
            List<String> v1Logits = v1.outputs().get(0).shape();
            assertEquals(List.of("batch", e.getKey().equals(GraphSpec.TARGET) ? "seq" : "base_seq", "vocab"), v1Logits);
            for (int i = 1; i < v1.outputs().size(); i++) {
                assertEquals(v1.outputs().get(i), current.outputs().get(i), e.getKey());
            }
            assertEquals("dynamic", current.dim("positions").orElseThrow().kind());
        }
    }

    private static GraphSpec bundled(String name, int version) throws Exception {
        try (InputStream in = GraphSpec.class.getResourceAsStream(GraphSpec.RESOURCE_FOLDER
                + GraphSpec.fileName(name, version))) {
            assertTrue(in != null, name + " v" + version + " is bundled");
            GraphSpec s = new ObjectMapper().readValue(in, GraphSpec.class);
            assertEquals(version, s.specVersion());
            return s;
        }
    }

    private static GraphSpec.TensorSpec tensor(GraphSpec s, String name) {
        return concat(s.inputs(), s.outputs()).stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(s.spec() + " has no " + name));
    }

    private static List<GraphSpec.TensorSpec> concat(List<GraphSpec.TensorSpec> a, List<GraphSpec.TensorSpec> b) {
        List<GraphSpec.TensorSpec> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static ExportManifest manifest() {
        Map<String, Map<String, ExportManifest.Cid>> scores = new LinkedHashMap<>();
        scores.put("hyperdas-soft", Map.of("test_entity", new ExportManifest.Cid(0.5, 0.75, 0.625)));
        scores.put("hyperdas-one-to-one", Map.of("test_entity", new ExportManifest.Cid(null, 1.0, null)));
        return new ExportManifest(1, new ExportManifest.Producer("hyperdas-run", "9"), "hyperdas",
                List.of("soft", "one-to-one"), new ExportManifest.Target("/m", 2, 32, 100), 1, 4, 1,
                List.of("city.Country"), scores, "tokenizer.json", "weights.safetensors",
                List.of(new ExportManifest.GraphEntry("target.onnx", "target", 1, null),
                        new ExportManifest.GraphEntry("intervened-soft.onnx", "hyperdas-intervened", 1, "soft")));
    }

    @Test
    void theManifestRoundTrips(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("manifest.json");
        Files.writeString(f, manifest().toJson());
        ExportManifest back = ExportManifest.read(f);
        assertEquals(manifest(), back);
        assertEquals(List.of("hyperdas-soft", "hyperdas-one-to-one"), List.copyOf(back.scores().keySet()));
        assertEquals("intervened-soft.onnx", back.graph("hyperdas-intervened", "soft").orElseThrow().file());
        assertEquals(32, back.fixedValue("target.hidden_size"));
    }

    @Test
    void aWrongManifestNamesTheFieldAndTheExpectedValue(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("manifest.json");
        String json = manifest().toJson();
        Files.writeString(f, json.replace("\"format_version\" : 1", "\"format_version\" : 2"));
        BadInputException e = assertThrows(BadInputException.class, () -> ExportManifest.read(f));
        assertTrue(e.getMessage().contains("'format_version': expected 1"), e.getMessage());
        Files.writeString(f, json.replace("\"layer\" : 1,", ""));
        e = assertThrows(BadInputException.class, () -> ExportManifest.read(f));
        assertTrue(e.getMessage().startsWith(f + ": field 'layer': expected an integer, found nothing"),
                e.getMessage());
        Files.writeString(f, json.replace("\"spec_version\" : 1,\n    \"mode\" : \"soft\"",
                "\"spec_version\" : \"one\",\n    \"mode\" : \"soft\""));
        e = assertThrows(BadInputException.class, () -> ExportManifest.read(f));
        assertTrue(e.getMessage().contains("'graphs[1].spec_version': expected an integer"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> ExportManifest.read(dir.resolve("none.json")));
        assertTrue(e.getMessage().contains("none.json: no such file"), e.getMessage());
    }

    @Test
    void theInstructionSplitsIntoEntitiesAndAttribute() {
        InferenceInputs.Instruction i = InferenceInputs.Instruction.parse("New York ; Addis Ababa - Country");
        assertEquals(new InferenceInputs.Instruction("New York", "Addis Ababa", "Country"), i);
        assertThrows(BadInputException.class, () -> InferenceInputs.Instruction.parse("Paris - Country"));
        assertThrows(BadInputException.class, () -> InferenceInputs.Instruction.parse("Paris ; Tokyo"));
        assertEquals(3, InferenceInputs.lastEntityToken(new long[] {1, 5, 6, 7}, new long[] {1, 5, 6, 7, 9}));
        assertEquals(2, InferenceInputs.lastEntityToken(new long[] {1, 5, 8}, new long[] {1, 5, 6, 7, 9}));
    }
}
