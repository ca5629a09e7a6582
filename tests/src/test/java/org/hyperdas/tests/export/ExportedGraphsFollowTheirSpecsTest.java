package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.export.ExportManifest;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.junit.jupiter.api.Test;

/**
 * Every exported .onnx file, parsed with the ONNX protobuf classes, against the JSON spec its
 * manifest entry names: input and output names in the spec's order, element types, ranks, dynamic
 * dims as dim_param of the spec's name and fixed dims as the manifest's numbers; the spec's opset;
 * every node input defined before use, no initializer or input nothing reads, every output
 * produced; every large initializer in the one shared weights file, which is a valid safetensors
 * file. The manifest has exactly the fields of the manifest spec, and the graphs load on the CPU
 * and with device "auto".
 */
class ExportedGraphsFollowTheirSpecsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An inline initializer at least this big would belong in the weights file. */
    private static final int MAX_INLINE_BYTES = 64 * 1024;

    private static JsonNode spec(String name, int version) throws Exception {
        try (InputStream in = ExportedGraphsFollowTheirSpecsTest.class
                .getResourceAsStream("/export-specs/" + name + ".v" + version + ".json")) {
            assertTrue(in != null, "no bundled spec " + name + " v" + version);
            return JSON.readTree(in);
        }
    }

    private static long fixedValue(String manifestField, JsonNode manifest) {
        JsonNode n = manifest;
        for (String part : manifestField.split("\\.")) {
            n = n.get(part);
        }
        return n.asLong();
    }

    /** Problems of one graph file against its spec; empty when it conforms. */
    static List<String> problems(Path file, JsonNode spec, JsonNode manifest, Path weights) throws Exception {
        List<String> p = new ArrayList<>();
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
        GraphProto g = model.getGraph();
        String f = file.getFileName() + ": ";

        long opset = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        if (opset != spec.get("opset").asLong()) {
            p.add(f + "opset_import " + opset + ", spec " + spec.get("opset"));
        }
        Map<String, String> meta = new HashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        if (!spec.get("spec").asText().equals(meta.get("hyperdas.spec"))
                || !spec.get("spec_version").asText().equals(meta.get("hyperdas.spec_version"))) {
            p.add(f + "metadata " + meta + " does not name the spec");
        }

        Map<String, JsonNode> dims = new HashMap<>();
        spec.get("dims").forEach(d -> dims.put(d.get("name").asText(), d));
        checkValues(p, f + "input", g.getInputList(), spec.get("inputs"), dims, manifest);
        checkValues(p, f + "output", g.getOutputList(), spec.get("outputs"), dims, manifest);

        Set<String> defined = new HashSet<>();
        g.getInputList().forEach(v -> defined.add(v.getName()));
        g.getInitializerList().forEach(t -> defined.add(t.getName()));
        Set<String> produced = new HashSet<>();
        Set<String> read = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                read.add(in);
                if (!in.isEmpty() && !defined.contains(in)) {
                    p.add(f + "node " + n.getName() + " reads undefined '" + in + "'");
                }
            }
            defined.addAll(n.getOutputList());
            produced.addAll(n.getOutputList());
        }
        for (ValueInfoProto o : g.getOutputList()) {
            read.add(o.getName());
            if (!produced.contains(o.getName())) {
                p.add(f + "output " + o.getName() + " is produced by no node");
            }
        }
        for (ValueInfoProto in : g.getInputList()) {
            if (!read.contains(in.getName())) {
                p.add(f + "input " + in.getName() + " is read by no node");
            }
        }
        long weightsSize = Files.size(weights);
        for (TensorProto t : g.getInitializerList()) {
            if (!read.contains(t.getName())) {
                p.add(f + "initializer " + t.getName() + " is used by no node");
            }
            if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                Map<String, String> ext = new HashMap<>();
                t.getExternalDataList().forEach(e -> ext.put(e.getKey(), e.getValue()));
                long end = Long.parseLong(ext.getOrDefault("offset", "0")) + Long.parseLong(ext.get("length"));
                if (!weights.getFileName().toString().equals(ext.get("location")) || end > weightsSize) {
                    p.add(f + "initializer " + t.getName() + " has external data " + ext + " outside "
                            + weights.getFileName() + " (" + weightsSize + " bytes)");
                }
            } else if (t.getRawData().size() >= MAX_INLINE_BYTES) {
                p.add(f + "initializer " + t.getName() + " holds " + t.getRawData().size() + " bytes inline");
            }
        }
        return p;
    }

    private static void checkValues(List<String> p, String what, List<ValueInfoProto> actual, JsonNode expected,
            Map<String, JsonNode> dims, JsonNode manifest) {
        List<String> names = actual.stream().map(ValueInfoProto::getName).toList();
        List<String> specNames = new ArrayList<>();
        expected.forEach(t -> specNames.add(t.get("name").asText()));
        if (!names.equals(specNames)) {
            p.add(what + "s " + names + ", spec " + specNames);
            return;
        }
        for (int i = 0; i < actual.size(); i++) {
            ValueInfoProto v = actual.get(i);
            JsonNode t = expected.get(i);
            int elem = v.getType().getTensorType().getElemType();
            int want = switch (t.get("dtype").asText()) {
                case "float32" -> TensorProto.DataType.FLOAT_VALUE;
                case "int64" -> TensorProto.DataType.INT64_VALUE;
                default -> -1;
            };
            if (elem != want) {
                p.add(what + " " + v.getName() + ": elem_type " + elem + ", spec " + t.get("dtype"));
            }
            List<TensorShapeProto.Dimension> ds = v.getType().getTensorType().getShape().getDimList();
            JsonNode shape = t.get("shape");
            if (ds.size() != shape.size()) {
                p.add(what + " " + v.getName() + ": rank " + ds.size() + ", spec " + shape);
                continue;
            }
            for (int d = 0; d < ds.size(); d++) {
                String name = shape.get(d).asText();
                JsonNode dim = dims.get(name);
                if (dim == null) {
                    p.add(what + " " + v.getName() + ": the spec does not define dim " + name);
                } else if (dim.get("kind").asText().equals("fixed")) {
                    long value = fixedValue(dim.get("manifest").asText(), manifest);
                    if (!ds.get(d).hasDimValue() || ds.get(d).getDimValue() != value) {
                        p.add(what + " " + v.getName() + " dim " + d + ": " + ds.get(d) + ", expected " + name + " = "
                                + value);
                    }
                } else if (!ds.get(d).hasDimParam() || !ds.get(d).getDimParam().equals(name)) {
                    p.add(what + " " + v.getName() + " dim " + d + ": " + ds.get(d) + ", expected dim_param " + name);
                }
            }
        }
    }

    private static List<Path> exports() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        return List.of(runs.hyperdasExport(), runs.mdasExport(), runs.patchingExport());
    }

    @Test
    void everyExportedGraphFollowsItsSpec() throws Exception {
        Set<String> checked = new LinkedHashSet<>();
        for (Path export : exports()) {
            JsonNode manifest = JSON.readTree(export.resolve(ExportManifest.FILE).toFile());
            Path weights = export.resolve(manifest.get("weights").asText());
            for (JsonNode g : manifest.get("graphs")) {
                Path file = export.resolve(g.get("file").asText());
                JsonNode spec = spec(g.get("spec").asText(), g.get("spec_version").asInt());
                List<String> problems = problems(file, spec, manifest, weights);
                assertTrue(problems.isEmpty(), String.join("\n", problems));
                checked.add(manifest.get("method").asText() + "/" + g.get("file").asText());
                System.out.printf("%s %s: follows %s v%d, %,d bytes%n", manifest.get("method").asText(),
                        g.get("file").asText(), g.get("spec").asText(), g.get("spec_version").asInt(), Files.size(file));
            }
        }
        assertEquals(List.of("hyperdas/target.onnx", "hyperdas/intervened-soft.onnx",
                "hyperdas/intervened-one-to-many.onnx", "hyperdas/intervened-one-to-one.onnx",
                "hyperdas/intervened-global-argmax.onnx",
                "hyperdas/hypernetwork.onnx", "mdas/target.onnx", "mdas/intervened.onnx", "patching/target.onnx",
                "patching/intervened.onnx"), List.copyOf(checked));
    }

    @Test
    void theGraphsShareOneWeightsFileThatIsAValidSafetensorsFile() throws Exception {
        for (Path export : exports()) {
            ExportManifest m = ExportManifest.read(export.resolve(ExportManifest.FILE));
            try (WeightStore w = WeightStore.open(export.resolve(m.weights()))) {
                Set<String> used = new HashSet<>();
                for (ExportManifest.GraphEntry g : m.graphs()) {
                    for (TensorProto t : ModelProto.parseFrom(Files.readAllBytes(export.resolve(g.file()))).getGraph()
                            .getInitializerList()) {
                        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                            assertTrue(w.find(t.getName()).isPresent(), g.file() + ": " + t.getName()
                                    + " is not a tensor of the weights file");
                            used.add(t.getName());
                        }
                    }
                }
                assertEquals(w.tensors().keySet(), used, m.method() + ": every tensor of the weights file is used");
                System.out.printf("%s: %s holds %d tensors, %,d bytes%n", m.method(), m.weights(), w.tensorCount(),
                        Files.size(export.resolve(m.weights())));
            }
        }
    }

    @Test
    void theManifestHasExactlyTheFieldsOfTheManifestSpec() throws Exception {
        JsonNode spec = spec("manifest", ExportManifest.FORMAT_VERSION);
        Set<String> fields = new LinkedHashSet<>();
        spec.get("fields").forEach(f -> fields.add(f.get("name").asText()));
        for (Path export : exports()) {
            JsonNode manifest = JSON.readTree(export.resolve(ExportManifest.FILE).toFile());
            Set<String> actual = new LinkedHashSet<>();
            manifest.fieldNames().forEachRemaining(actual::add);
            assertEquals(fields, actual, export.toString());
        }
        ExportManifest h = ExportManifest.read(exports().get(0).resolve(ExportManifest.FILE));
        assertEquals("hyperdas", h.method());
        assertEquals(List.of("soft", "one-to-many", "one-to-one", "global-argmax"), h.modes());
        assertEquals(List.of("city.Country", "city.Continent"), h.attributes());
        assertEquals(List.of("hyperdas-global-argmax", "hyperdas-one-to-many", "hyperdas-one-to-one", "hyperdas-soft"),
                h.scores().keySet().stream().sorted().toList());
        assertEquals(1, h.hypernetLayers());
        ExportManifest d = ExportManifest.read(exports().get(1).resolve(ExportManifest.FILE));
        assertEquals("mdas", d.method());
        assertEquals(List.of(), d.modes());
        assertEquals(null, d.hypernetLayers());
        assertEquals(List.of("mdas"), List.copyOf(d.scores().keySet()));
        assertEquals(4, d.k());
        ExportManifest p = ExportManifest.read(exports().get(2).resolve(ExportManifest.FILE));
        assertEquals("patching", p.method());
        assertEquals(null, p.k());
        assertEquals("patching-intervened", p.graph("patching-intervened", null).orElseThrow().spec());
    }

    @Test
    void theGraphsLoadOnTheCpuAndWithDeviceAuto() throws Exception {
        for (String device : List.of("cpu", "auto")) {
            for (Path export : exports()) {
                try (ExportedModel model = ExportedModel.open(export, OrtEngine.create(device))) {
                    for (ExportManifest.GraphEntry g : model.manifest().graphs()) {
                        model.session(g.file());
                    }
                    System.out.printf("%s export: %d graphs load with device %s (%s)%n", model.manifest().method(),
                            model.manifest().graphs().size(), device, model.engine().device());
                }
            }
        }
    }
}
