package org.hyperdas.export;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The contract of one kind of exported graph, read from {@code export-specs/<spec>.v<version>.json}
 * (bundled on the classpath): its inputs and outputs with dtype, shape in named dims and meaning,
 * the opset, and what each dim is.
 *
 * <p>A dim is {@code dynamic} (a symbolic {@code dim_param} of that name in the model: batch,
 * base_seq, ...) or {@code fixed} (a number in the model, the value of the manifest field
 * {@code manifest}: vocab, hidden, k).
 *
 * @param spec the spec name, e.g. "hyperdas-intervened"
 * @param specVersion its version (also in the file name)
 * @param opset the default-domain opset the models import
 * @param producer the producing tool
 * @param description what the graph computes
 * @param dims every dim the shapes use
 * @param inputs the graph inputs, in order
 * @param outputs the graph outputs, in order
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GraphSpec(
        @JsonProperty("spec") String spec,
        @JsonProperty("spec_version") int specVersion,
        @JsonProperty("opset") int opset,
        @JsonProperty("producer") String producer,
        @JsonProperty("description") String description,
        @JsonProperty("dims") List<DimSpec> dims,
        @JsonProperty("inputs") List<TensorSpec> inputs,
        @JsonProperty("outputs") List<TensorSpec> outputs) {

    /**
     * The graph kinds and the one version of each this code writes and reads. Version 2 of the
     * graphs with logits returns them only at the fed {@code logit_positions} (version 1: at
     * every position, [batch, seq, vocab]); exports of version 1 are refused by the loader, to be
     * exported again.
     */
    public static final Map<String, Integer> SUPPORTED = Map.of(
            "hyperdas-intervened", 2,
            "hyperdas-hypernetwork", 1,
            "das-intervened", 2,
            "patching-intervened", 2,
            "target", 2);

    public static final String HYPERDAS_INTERVENED = "hyperdas-intervened";
    public static final String HYPERDAS_HYPERNETWORK = "hyperdas-hypernetwork";
    public static final String DAS_INTERVENED = "das-intervened";
    public static final String PATCHING_INTERVENED = "patching-intervened";
    public static final String TARGET = "target";

    /**
     * The specs of graphs that run the target with an intervention and return its logits: an
     * export has one such graph, or one per selection mode. Their inputs (and the spec's name,
     * not the method's) tell what to feed: an {@code attribute} index, sites, instructions.
     */
    public static final Set<String> INTERVENED = Set.of(HYPERDAS_INTERVENED, DAS_INTERVENED, PATCHING_INTERVENED);

    /** The classpath folder of the bundled specs. */
    public static final String RESOURCE_FOLDER = "/export-specs/";

    private static final ObjectMapper JSON = new ObjectMapper();

    public GraphSpec {
        dims = List.copyOf(dims);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * One dim.
     *
     * @param name e.g. "base_seq"
     * @param kind "dynamic" or "fixed"
     * @param manifest for a fixed dim, the manifest field holding its value (e.g. "target.hidden_size")
     * @param meaning one line
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DimSpec(@JsonProperty("name") String name, @JsonProperty("kind") String kind,
            @JsonProperty("manifest") String manifest, @JsonProperty("meaning") String meaning) {
        public boolean fixed() {
            return "fixed".equals(kind);
        }
    }

    /**
     * One input or output.
     *
     * @param name the graph's name for it
     * @param dtype "int64" or "float32"
     * @param shape named dims (empty for a scalar)
     * @param meaning one line
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TensorSpec(@JsonProperty("name") String name, @JsonProperty("dtype") String dtype,
            @JsonProperty("shape") List<String> shape, @JsonProperty("meaning") String meaning) {
        public TensorSpec {
            shape = List.copyOf(shape);
        }

        /** The ONNX TensorProto elem_type of {@link #dtype}. */
        public int onnxElemType() {
            return switch (dtype) {
                case "float32" -> 1;
                case "int64" -> 7;
                case "bool" -> 9;
                default -> throw new IllegalStateException("spec dtype '" + dtype + "' is not known");
            };
        }
    }

    /** Whether the graph has an input of that name. */
    public boolean hasInput(String name) {
        return inputs.stream().anyMatch(t -> t.name().equals(name));
    }

    /** Whether the graph has an output of that name. */
    public boolean hasOutput(String name) {
        return outputs.stream().anyMatch(t -> t.name().equals(name));
    }

    /** The dim of that name. */
    public Optional<DimSpec> dim(String name) {
        return dims.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** The resource file name of a spec version: {@code <spec>.v<version>.json}. */
    public static String fileName(String spec, int version) {
        return spec + ".v" + version + ".json";
    }

    /** The bundled spec {@code name} in the version this code supports. */
    public static GraphSpec load(String name) {
        Integer version = SUPPORTED.get(name);
        if (version == null) {
            throw new IllegalArgumentException("no export spec '" + name + "' (known: " + SUPPORTED.keySet() + ")");
        }
        String resource = RESOURCE_FOLDER + fileName(name, version);
        try (InputStream in = GraphSpec.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("export spec " + resource + " is missing from the classpath");
            }
            GraphSpec spec = JSON.readValue(in, GraphSpec.class);
            if (!spec.spec().equals(name) || spec.specVersion() != version) {
                throw new IllegalStateException(resource + " names spec '" + spec.spec() + "' version "
                        + spec.specVersion() + ", expected '" + name + "' version " + version);
            }
            return spec;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read export spec " + resource + ": " + e.getMessage(), e);
        }
    }
}
