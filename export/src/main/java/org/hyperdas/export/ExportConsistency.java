package org.hyperdas.export;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.FiniteScan;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.TensorInfo;

/**
 * Checks the manifest fields that inference echoes or relies on (method, layer, the target's sizes)
 * against the export's own files, and the weights file's integrity (header, truncation, finite
 * values), so a hand-edited or damaged export is refused with the field or tensor named instead of
 * running into raw ONNX Runtime text or printing made-up facts.
 */
final class ExportConsistency {
    /** The methods whose exports this code reads, with the spec of their intervened graph. */
    static final Map<String, String> INTERVENED_SPEC = Map.of(
            "patching", "patching-intervened",
            "das", "das-intervened",
            "mdas", "das-intervened",
            "hyperdas", GraphSpec.HYPERDAS_INTERVENED);

    private static final String EMBEDDINGS = "model.embed_tokens.weight";
    private static final String LAYER_PREFIX = "model.layers.";

    private ExportConsistency() {}

    static void check(Path folder, Path manifestFile, ExportManifest m) {
        String spec = INTERVENED_SPEC.get(m.method());
        if (spec == null) {
            throw BadInputException.field(manifestFile, "method", "one of " + new TreeSet<>(INTERVENED_SPEC.keySet()),
                    "\"" + m.method() + "\"");
        }
        List<String> specs = m.graphs().stream().map(ExportManifest.GraphEntry::spec).toList();
        if (!specs.contains(spec)) {
            throw BadInputException.field(manifestFile, "method", "a method whose intervened graph (spec " + spec
                    + ") the export lists", "\"" + m.method() + "\" with graph specs " + specs);
        }
        ExportManifest.Target target = m.target();
        if (m.layer() < 0 || m.layer() >= target.layers()) {
            throw BadInputException.field(manifestFile, "layer", "a layer in 0.." + (target.layers() - 1)
                    + " (target.layers " + target.layers() + ")", m.layer());
        }
        Path weightsFile = folder.resolve(m.weights());
        try (SafetensorsFile weights = SafetensorsFile.open(weightsFile)) {
            TensorInfo embed = weights.tensors().get(EMBEDDINGS);
            if (embed == null || embed.shape().length != 2) {
                throw BadInputException.file(weightsFile, "expected the target's " + EMBEDDINGS
                        + " [vocab_size, hidden_size], found " + (embed == null ? "none" : TensorInfo.shapeString(
                        embed.shape())));
            }
            requireEqual(manifestFile, "target.hidden_size", target.hiddenSize(), embed.shape()[1], weightsFile);
            requireEqual(manifestFile, "target.vocab_size", target.vocabSize(), embed.shape()[0], weightsFile);
            for (TensorInfo t : weights.tensors().values()) {
                int layer = layerIndex(t.name());
                if (layer >= target.layers()) {
                    throw BadInputException.field(manifestFile, "target.layers", "at least " + (layer + 1) + " ("
                            + weightsFile.getFileName() + " holds " + t.name() + ")", target.layers());
                }
                if (FiniteScan.firstNonFinite(t.dtype(), weights.bytes(t.name())).isPresent()) {
                    throw BadInputException.file(weightsFile, "tensor '" + t.name() + "' holds a non-finite value"
                            + " (NaN or infinity): expected finite weights");
                }
            }
        }
    }

    private static void requireEqual(Path manifestFile, String field, long declared, long actual, Path weightsFile) {
        if (declared != actual) {
            throw BadInputException.field(manifestFile, field, actual + " (from " + EMBEDDINGS + " in "
                    + weightsFile.getFileName() + ")", declared);
        }
    }

    private static int layerIndex(String name) {
        if (!name.startsWith(LAYER_PREFIX)) {
            return -1;
        }
        int end = name.indexOf('.', LAYER_PREFIX.length());
        String digits = name.substring(LAYER_PREFIX.length(), end < 0 ? name.length() : end);
        if (digits.isEmpty() || digits.length() > 6 || !digits.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(digits);
    }
}
