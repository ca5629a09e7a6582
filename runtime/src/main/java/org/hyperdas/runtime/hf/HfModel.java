package org.hyperdas.runtime.hf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * A Hugging Face Llama model folder: config.json + safetensors weights (single or sharded) +
 * tokenizer.json, opened and cross-checked.
 *
 * <p>Every tensor the config implies must exist with the right shape and a floating-point dtype;
 * all problems are collected and reported in ONE BadInputException (so a user fixing a converted
 * checkpoint sees everything at once). Extra tensors are tolerated (some checkpoints carry rotary
 * {@code inv_freq} buffers) and listed by {@link #unexpectedTensors()}.
 */
public final class HfModel implements AutoCloseable {
    private final Path folder;
    private final LlamaConfig config;
    private final WeightStore weights;
    private final HfTokenizer tokenizer;
    private final List<String> unexpected;

    private HfModel(Path folder, LlamaConfig config, WeightStore weights, HfTokenizer tokenizer,
            List<String> unexpected) {
        this.folder = folder;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.unexpected = unexpected;
    }

    /**
     * Opens and validates a model folder.
     *
     * @throws BadInputException naming the file and the problem(s)
     */
    public static HfModel open(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw BadInputException.file(folder, "no such folder (expected a Hugging Face model folder with "
                    + "config.json, model.safetensors or model.safetensors.index.json, and tokenizer.json)");
        }
        LlamaConfig config = LlamaConfig.load(folder.resolve("config.json"));
        Path tokPath = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokPath)) {
            throw BadInputException.file(tokPath, "missing: a model folder needs its tokenizer.json "
                    + "(copy it from the base model's folder)");
        }
        WeightStore weights = WeightStore.open(folder);
        HfTokenizer tokenizer = null;
        try {
            List<String> unexpected = check(config, weights);
            tokenizer = HfTokenizer.open(tokPath);
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new BadInputException(tokPath + ": tokenizer has " + tokenizer.vocabSize()
                        + " ids, expected at most vocab_size " + config.vocabSize() + " from config.json");
            }
            return new HfModel(folder, config, weights, tokenizer, unexpected);
        } catch (RuntimeException e) {
            weights.close();
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw e;
        }
    }

    /**
     * Compares the weights with what the config implies; returns the unexpected tensor names.
     *
     * @throws BadInputException listing every missing, misshapen or non-float tensor
     */
    public static List<String> check(LlamaConfig config, WeightStore weights) {
        Map<String, long[]> expected = config.expectedTensors();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorInfo t = weights.tensors().get(e.getKey());
            if (t == null) {
                problems.add("missing " + e.getKey());
            } else if (!t.hasShape(e.getValue())) {
                problems.add(e.getKey() + " has shape " + TensorInfo.shapeString(t.shape()) + ", expected "
                        + TensorInfo.shapeString(e.getValue()));
            } else if (!t.dtype().isFloatingPoint()) {
                problems.add(e.getKey() + " has dtype " + t.dtype() + ", expected a floating-point dtype");
            }
        }
        if (!problems.isEmpty()) {
            Path where = weights.indexFile().orElse(weights.files().size() == 1
                    ? weights.files().get(0).path() : weights.folder());
            throw new BadInputException(where + ": " + problems.size() + " tensor problem"
                    + (problems.size() == 1 ? "" : "s") + " (checked against config.json: "
                    + config.numHiddenLayers() + " layers, hidden " + config.hiddenSize() + "): "
                    + String.join("; ", problems));
        }
        List<String> extra = new ArrayList<>();
        int deepest = -1;
        for (String name : weights.tensors().keySet()) {
            if (!expected.containsKey(name)) {
                extra.add(name);
                deepest = Math.max(deepest, layerIndex(name));
            }
        }
        if (deepest >= config.numHiddenLayers()) {
            // Layers the config does not declare would be dropped without a word: the model run
            // would not be the checkpoint's.
            throw BadInputException.field(weights.folder().resolve("config.json"), "num_hidden_layers",
                    (deepest + 1) + " (the weights hold tensors of layers 0.." + deepest + ")",
                    config.numHiddenLayers());
        }
        weights.requireFinite(expected.keySet());
        return Collections.unmodifiableList(extra);
    }

    /** N of a {@code model.layers.N.} tensor name, else -1. */
    static int layerIndex(String tensorName) {
        String prefix = "model.layers.";
        if (!tensorName.startsWith(prefix)) {
            return -1;
        }
        int end = tensorName.indexOf('.', prefix.length());
        String digits = tensorName.substring(prefix.length(), end < 0 ? tensorName.length() : end);
        if (digits.isEmpty() || digits.length() > 6 || !digits.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(digits);
    }

    public Path folder() {
        return folder;
    }

    public LlamaConfig config() {
        return config;
    }

    public WeightStore weights() {
        return weights;
    }

    public HfTokenizer tokenizer() {
        return tokenizer;
    }

    /** e.g. "LlamaForCausalLM". */
    public String architecture() {
        return config.architecture();
    }

    /** Tensors present in the weights that the config does not imply (tolerated, e.g. inv_freq). */
    public List<String> unexpectedTensors() {
        return unexpected;
    }

    /** Number of tensors in the weights (all of them, unexpected ones included). */
    public int tensorCount() {
        return weights.tensorCount();
    }

    /** Parameters actually stored (sum over all tensors' element counts). */
    public long parameterCount() {
        return weights.parameterCount();
    }

    /**
     * The storage dtype of the weights: the dtype holding the most parameters (a checkpoint is
     * normally uniform; see {@link WeightStore#parameterCountByDType()} for the full picture).
     */
    public DType dtype() {
        return weights.parameterCountByDType().entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElseGet(() -> torchDtypeAsDType(config.torchDtype()));
    }

    /** Maps config.json's torch_dtype to a DType (F32 when absent or unknown). */
    public static DType torchDtypeAsDType(String torchDtype) {
        if (torchDtype == null) {
            return DType.F32;
        }
        return switch (torchDtype) {
            case "bfloat16" -> DType.BF16;
            case "float16" -> DType.F16;
            case "float64" -> DType.F64;
            default -> DType.F32;
        };
    }

    @Override
    public void close() {
        weights.close();
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "HfModel[" + folder + ", " + config.architecture() + ", " + tensorCount() + " tensors]";
    }
}
