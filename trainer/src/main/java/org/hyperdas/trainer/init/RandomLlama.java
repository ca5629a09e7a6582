package org.hyperdas.trainer.init;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.runtime.io.OutputFolder;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.runtime.safetensors.StreamingSafetensorsWriter;
import org.hyperdas.runtime.safetensors.StreamingSafetensorsWriter.Declared;

/**
 * Writes a Hugging Face Llama folder of random weights: config.json (marked
 * {@code "hyperdas_random_init": true} with its seed and std), the weights as model.safetensors or,
 * above {@link InitOptions#maxShardBytes()}, as HF-style shards with model.safetensors.index.json,
 * and the tokenizer files copied from the tokenizer folder.
 *
 * <p>Initialization is GPT-2/Megatron style, so the residual stream keeps a sane scale over any
 * depth: every matrix ~ N(0, std^2), except the two projections that write into the residual
 * stream (o_proj, down_proj) ~ N(0, (std / sqrt(2 x layers))^2), since 2 x layers of them add up
 * there; RMSNorm weights 1, biases 0. Values are drawn chunk by chunk from a generator seeded by
 * (seed, tensor name, chunk index) and written as they are drawn, so memory stays a few MiB
 * whatever the model size, and the bytes depend only on the seed.
 */
public final class RandomLlama {
    /** The files a tokenizer folder may hold that a model folder carries along (tokenizer.json required). */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was written. */
    public record Result(Path folder, List<String> weightFiles, long parameters, long weightBytes) {
        public Result {
            weightFiles = List.copyOf(weightFiles);
        }
    }

    private RandomLlama() {
    }

    /** Checks the options and the tokenizer, writes the folder beside {@code out}, then moves it into place. */
    public static Result write(InitOptions o, PrintStream log) throws IOException {
        checkTokenizer(o);
        Path staging = OutputFolder.newTempSibling(o.out(), OutputKind.INIT_MODEL);
        try {
            AtomicFiles.writeString(staging.resolve("config.json"), configJson(o));
            for (String name : TOKENIZER_FILES) {
                Path from = o.tokenizer().resolve(name);
                if (Files.isRegularFile(from)) {
                    AtomicFiles.writeBytes(staging.resolve(name), Files.readAllBytes(from));
                }
            }
            List<String> files = o.configOnly() ? List.of() : writeWeights(o, staging, log);
            OutputFolder.install(staging, o.out(), OutputKind.INIT_MODEL);
            long params = o.config().parameterCount();
            return new Result(o.out().toAbsolutePath().normalize(), files, params,
                    o.configOnly() ? 0 : params * o.dtype().byteSize());
        } catch (IOException | RuntimeException e) {
            OutputFolder.deleteTree(staging);
            throw e;
        }
    }

    private static void checkTokenizer(InitOptions o) {
        Path file = o.tokenizer().resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("--tokenizer " + o.tokenizer() + ": expected a folder holding tokenizer.json,"
                    + " found no " + file);
        }
        try (HfTokenizer t = HfTokenizer.open(file)) {
            if (t.vocabSize() > o.config().vocabSize()) {
                throw new BadInputException("--tokenizer " + o.tokenizer() + ": its " + t.vocabSize()
                        + " ids do not fit the config's vocab_size " + o.config().vocabSize()
                        + "; expected a tokenizer of at most vocab_size ids");
            }
        }
    }

    /** The config with its dtype, plus the keys that say the weights are random and how they were drawn. */
    static String configJson(InitOptions o) throws IOException {
        String dtype = o.dtype() == DType.BF16 ? "bfloat16" : "float32";
        String base = o.config().toBuilder().torchDtype(dtype).build().toJson();
        ObjectNode node = (ObjectNode) JSON.readTree(base);
        node.put("hyperdas_random_init", true);
        node.put("hyperdas_init_seed", o.seed());
        node.put("hyperdas_init_std", o.std());
        return JSON.writeValueAsString(node) + "\n";
    }

    /** Standard deviation of a tensor's values; NaN for the ones that are constant (see {@link #constant}). */
    static double stdOf(String name, LlamaConfig config, double std) {
        if (name.endsWith("layernorm.weight") || name.equals("model.norm.weight") || name.endsWith(".bias")) {
            return Double.NaN;
        }
        if (name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight")) {
            return std / Math.sqrt(2.0 * config.numHiddenLayers());
        }
        return std;
    }

    /** The value of a constant tensor: 1 for RMSNorm weights, 0 for biases. */
    static float constant(String name) {
        return name.endsWith(".bias") ? 0f : 1f;
    }

    /** Splits the tensors in canonical order into shards of at most maxShardBytes (one tensor may exceed it). */
    static List<List<Declared>> shards(LlamaConfig config, DType dtype, long maxShardBytes) {
        List<List<Declared>> shards = new ArrayList<>();
        List<Declared> current = new ArrayList<>();
        long bytes = 0;
        for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
            Declared d = new Declared(e.getKey(), dtype, e.getValue());
            if (!current.isEmpty() && bytes + d.byteLength() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(d);
            bytes += d.byteLength();
        }
        shards.add(current);
        return shards;
    }

    static String shardName(int index, int count) {
        return count == 1 ? "model.safetensors"
                : String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", index + 1, count);
    }

    private static List<String> writeWeights(InitOptions o, Path folder, PrintStream log) throws IOException {
        List<List<Declared>> shards = shards(o.config(), o.dtype(), o.maxShardBytes());
        StreamingSafetensorsWriter.Filler filler = filler(o);
        List<String> names = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = shardName(i, shards.size());
            long start = System.nanoTime();
            StreamingSafetensorsWriter.write(folder.resolve(name), shards.get(i), Map.of("format", "pt"), filler,
                    o.threads());
            long bytes = shards.get(i).stream().mapToLong(Declared::byteLength).sum();
            total += bytes;
            shards.get(i).forEach(d -> weightMap.put(d.name(), name));
            names.add(name);
            log.printf(Locale.ROOT, "wrote %s: %d tensors, %.1f MB in %.1f s%n", name, shards.get(i).size(),
                    bytes / 1e6, (System.nanoTime() - start) / 1e9);
        }
        if (shards.size() > 1) {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            AtomicFiles.writeString(folder.resolve("model.safetensors.index.json"), JSON.writeValueAsString(index) + "\n");
            names.add("model.safetensors.index.json");
        }
        return names;
    }

    /** Normal values with the tensor's std, or its constant; each chunk from its own seeded generator. */
    static StreamingSafetensorsWriter.Filler filler(InitOptions o) {
        Map<String, Double> stds = new LinkedHashMap<>();
        for (String name : o.config().expectedTensors().keySet()) {
            stds.put(name, stdOf(name, o.config(), o.std()));
        }
        return (tensor, offset, out, count) -> {
            double std = stds.get(tensor.name());
            if (Double.isNaN(std)) {
                java.util.Arrays.fill(out, 0, count, constant(tensor.name()));
                return;
            }
            SplittableRandom random = new SplittableRandom(chunkSeed(o.seed(), tensor.name(),
                    offset / StreamingSafetensorsWriter.CHUNK));
            for (int i = 0; i < count; i++) {
                out[i] = (float) (random.nextGaussian() * std);
            }
        };
    }

    /** Mixes seed, name and chunk (SplitMix64 finalizer) so neighbouring chunks get unrelated streams. */
    static long chunkSeed(long seed, String name, long chunk) {
        long z = seed * 0x9E3779B97F4A7C15L + name.hashCode() * 0xC2B2AE3D27D4EB4FL + chunk * 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
