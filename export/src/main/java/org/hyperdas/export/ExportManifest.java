package org.hyperdas.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.hyperdas.runtime.BadInputException;

/**
 * {@code manifest.json} of an export folder (contract: {@code export-specs/manifest.v1.json}).
 *
 * @param formatVersion {@value #FORMAT_VERSION}
 * @param producer the tool and version that wrote the export
 * @param method hyperdas, das, mdas or patching
 * @param modes hyperdas: the exported selection modes ("soft", "one-to-many", "one-to-one"); else empty
 * @param target the target model at export time
 * @param layer the intervention layer
 * @param k the subspace size, null for patching
 * @param hypernetLayers hyperdas: the hypernetwork's decoder layers; else null
 * @param attributes the trained attributes "type.Attribute"; das/mdas: the order of the stacked subspaces
 * @param scores run label to split to overall Cause / Isolate / Disentangle, as the run had them
 * @param tokenizer the tokenizer file
 * @param weights the shared external-data file
 * @param graphs every exported graph
 */
public record ExportManifest(int formatVersion, Producer producer, String method, List<String> modes, Target target,
        int layer, Integer k, Integer hypernetLayers, List<String> attributes, Map<String, Map<String, Cid>> scores,
        String tokenizer, String weights, List<GraphEntry> graphs) {

    public static final String FILE = "manifest.json";
    public static final String FORMAT = "hyperdas-export";
    /** The manifest spec version this code writes and reads. */
    public static final int FORMAT_VERSION = 1;
    public static final String PRODUCER = "hyperdas-run";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ExportManifest {
        modes = List.copyOf(modes);
        attributes = List.copyOf(attributes);
        Map<String, Map<String, Cid>> copy = new LinkedHashMap<>();
        scores.forEach((run, splits) -> copy.put(run, Collections.unmodifiableMap(new LinkedHashMap<>(splits))));
        scores = Collections.unmodifiableMap(copy);
        graphs = List.copyOf(graphs);
        Objects.requireNonNull(method, "method");
    }

    /** The tool that wrote an export. */
    public record Producer(String name, String version) {
        /** This build: "hyperdas-run" and the project version. */
        public static Producer current() {
            Properties p = new Properties();
            try (InputStream in = ExportManifest.class.getResourceAsStream("producer.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read producer.properties: " + e.getMessage(), e);
            }
            String v = p.getProperty("version", "dev");
            return new Producer(PRODUCER, v.startsWith("${") ? "dev" : v);
        }
    }

    /** The target model: its folder at export time and its sizes. */
    public record Target(String path, int layers, int hiddenSize, int vocabSize) {
    }

    /** Overall Cause / Isolate / Disentangle of one split (null where nothing was scored). */
    public record Cid(Double cause, Double isolate, Double disentangle) {
    }

    /**
     * One exported graph.
     *
     * @param file the .onnx file name in the export folder
     * @param spec the spec it follows
     * @param specVersion that spec's version
     * @param mode hyperdas intervened graphs: the selection mode; else null
     */
    public record GraphEntry(String file, String spec, int specVersion, String mode) {
    }

    /** The graph of {@code spec} (and {@code mode}, when not null). */
    public java.util.Optional<GraphEntry> graph(String spec, String mode) {
        return graphs.stream().filter(g -> g.spec().equals(spec) && (mode == null || mode.equals(g.mode())))
                .findFirst();
    }

    /** The value of a fixed dim's manifest field ("target.hidden_size", "k", ...). */
    public long fixedValue(String field) {
        return switch (field) {
            case "target.hidden_size" -> target.hiddenSize();
            case "target.vocab_size" -> target.vocabSize();
            case "target.layers" -> target.layers();
            case "k" -> {
                if (k == null) {
                    throw new IllegalStateException("the manifest has no k");
                }
                yield k;
            }
            default -> throw new IllegalStateException("no manifest field '" + field + "' for a dim");
        };
    }

    // ------------------------------------------------------------------ writing

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("format_version", formatVersion);
        ObjectNode p = root.putObject("producer");
        p.put("name", producer.name());
        p.put("version", producer.version());
        root.put("method", method);
        ArrayNode m = root.putArray("modes");
        modes.forEach(m::add);
        ObjectNode t = root.putObject("target");
        t.put("path", target.path());
        t.put("layers", target.layers());
        t.put("hidden_size", target.hiddenSize());
        t.put("vocab_size", target.vocabSize());
        root.put("layer", layer);
        if (k == null) {
            root.putNull("k");
        } else {
            root.put("k", k);
        }
        if (hypernetLayers == null) {
            root.putNull("hypernet_layers");
        } else {
            root.put("hypernet_layers", hypernetLayers);
        }
        ArrayNode a = root.putArray("attributes");
        attributes.forEach(a::add);
        ObjectNode s = root.putObject("scores");
        for (Map.Entry<String, Map<String, Cid>> run : scores.entrySet()) {
            ObjectNode r = s.putObject(run.getKey());
            for (Map.Entry<String, Cid> split : run.getValue().entrySet()) {
                ObjectNode c = r.putObject(split.getKey());
                c.put("cause", split.getValue().cause());
                c.put("isolate", split.getValue().isolate());
                c.put("disentangle", split.getValue().disentangle());
            }
        }
        root.put("tokenizer", tokenizer);
        root.put("weights", weights);
        ArrayNode gs = root.putArray("graphs");
        for (GraphEntry g : graphs) {
            ObjectNode n = gs.addObject();
            n.put("file", g.file());
            n.put("spec", g.spec());
            n.put("spec_version", g.specVersion());
            if (g.mode() == null) {
                n.putNull("mode");
            } else {
                n.put("mode", g.mode());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads and checks a manifest.
     *
     * @throws BadInputException naming the file, the field and the expected value when the file is
     *     missing or not JSON, a field is missing or of the wrong type, or the format version is not
     *     {@value #FORMAT_VERSION}
     */
    public static ExportManifest read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.file(file, "no such file (an export folder written by hyperdas-run export holds "
                    + FILE + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw BadInputException.file(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw BadInputException.file(file, "expected a JSON object");
        }
        String format = text(root, "format", file, "format");
        if (!format.equals(FORMAT)) {
            throw BadInputException.field(file, "format", "\"" + FORMAT + "\"", "\"" + format + "\"");
        }
        int version = integer(root, "format_version", file, "format_version");
        if (version != FORMAT_VERSION) {
            throw BadInputException.field(file, "format_version", FORMAT_VERSION
                    + " (the manifest version this hyperdas-run reads)", version);
        }
        JsonNode p = object(root, "producer", file, "producer");
        Producer producer = new Producer(text(p, "name", file, "producer.name"),
                text(p, "version", file, "producer.version"));
        String method = text(root, "method", file, "method");
        List<String> modes = strings(root, "modes", file);
        JsonNode t = object(root, "target", file, "target");
        Target target = new Target(text(t, "path", file, "target.path"), integer(t, "layers", file, "target.layers"),
                integer(t, "hidden_size", file, "target.hidden_size"),
                integer(t, "vocab_size", file, "target.vocab_size"));
        int layer = integer(root, "layer", file, "layer");
        Integer k = nullableInteger(root, "k", file, "k");
        Integer hypernetLayers = nullableInteger(root, "hypernet_layers", file, "hypernet_layers");
        List<String> attributes = strings(root, "attributes", file);
        JsonNode s = object(root, "scores", file, "scores");
        Map<String, Map<String, Cid>> scores = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> run = it.next();
            Map<String, Cid> splits = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> si = run.getValue().fields(); si.hasNext();) {
                Map.Entry<String, JsonNode> split = si.next();
                String where = "scores." + run.getKey() + "." + split.getKey();
                splits.put(split.getKey(), new Cid(number(split.getValue(), "cause", file, where),
                        number(split.getValue(), "isolate", file, where),
                        number(split.getValue(), "disentangle", file, where)));
            }
            scores.put(run.getKey(), splits);
        }
        String tokenizer = text(root, "tokenizer", file, "tokenizer");
        String weights = text(root, "weights", file, "weights");
        JsonNode gs = root.get("graphs");
        if (gs == null || !gs.isArray() || gs.isEmpty()) {
            throw BadInputException.field(file, "graphs", "a non-empty array of graph entries", describe(gs));
        }
        List<GraphEntry> graphs = new ArrayList<>();
        for (int i = 0; i < gs.size(); i++) {
            JsonNode g = gs.get(i);
            String where = "graphs[" + i + "]";
            if (!g.isObject()) {
                throw BadInputException.field(file, where, "an object", describe(g));
            }
            JsonNode mode = g.get("mode");
            if (mode != null && !mode.isNull() && !mode.isTextual()) {
                throw BadInputException.field(file, where + ".mode", "a string or null", describe(mode));
            }
            graphs.add(new GraphEntry(text(g, "file", file, where + ".file"), text(g, "spec", file, where + ".spec"),
                    integer(g, "spec_version", file, where + ".spec_version"),
                    mode == null || mode.isNull() ? null : mode.textValue()));
        }
        return new ExportManifest(version, producer, method, modes, target, layer, k, hypernetLayers, attributes,
                scores, tokenizer, weights, graphs);
    }

    private static String describe(JsonNode n) {
        return n == null ? "nothing" : n.toString();
    }

    private static String text(JsonNode n, String key, Path file, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw BadInputException.field(file, where, "a string", describe(v));
        }
        return v.textValue();
    }

    private static JsonNode object(JsonNode n, String key, Path file, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isObject()) {
            throw BadInputException.field(file, where, "an object", describe(v));
        }
        return v;
    }

    private static int integer(JsonNode n, String key, Path file, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw BadInputException.field(file, where, "an integer", describe(v));
        }
        return v.intValue();
    }

    private static Integer nullableInteger(JsonNode n, String key, Path file, String where) {
        JsonNode v = n.get(key);
        if (v != null && v.isNull()) {
            return null;
        }
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw BadInputException.field(file, where, "an integer or null", describe(v));
        }
        return v.intValue();
    }

    private static Double number(JsonNode n, String key, Path file, String where) {
        JsonNode v = n.get(key);
        if (v != null && v.isNull()) {
            return null;
        }
        if (v == null || !v.isNumber()) {
            throw BadInputException.field(file, where + "." + key, "a number or null", describe(v));
        }
        return v.doubleValue();
    }

    private static List<String> strings(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray()) {
            throw BadInputException.field(file, key, "an array of strings", describe(v));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw BadInputException.field(file, key + "[" + i + "]", "a string", describe(v.get(i)));
            }
            out.add(v.get(i).textValue());
        }
        return out;
    }
}
