package org.hyperdas.trainer.init;

import java.nio.file.Path;
import java.util.Objects;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.DType;

/**
 * What {@code init-model} writes.
 *
 * @param config the network's shape (a preset of {@link LlamaPresets} or a config.json)
 * @param tokenizer folder holding tokenizer.json (and optionally tokenizer_config.json, special_tokens_map.json)
 * @param dtype F32 or BF16, the stored element type (and the config's torch_dtype)
 * @param out the model folder to write
 * @param seed seeds every value
 * @param std standard deviation of the matrices and embeddings (0.02 as in HF's initializer_range)
 * @param maxShardBytes above this many bytes of weights, shards as HF does (5 GB by default)
 * @param threads chunks drawn in parallel
 * @param configOnly write config.json and the tokenizer only, no weights (for {@code plan})
 */
public record InitOptions(LlamaConfig config, Path tokenizer, DType dtype, Path out, long seed, double std,
        long maxShardBytes, int threads, boolean configOnly) {
    /** transformers' default max_shard_size, "5GB". */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
    /** transformers' LlamaConfig.initializer_range. */
    public static final double DEFAULT_STD = 0.02;

    public InitOptions {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(out, "out");
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new BadInputException("--dtype: expected bf16 or f32, found " + dtype);
        }
        if (!(std > 0) || Double.isInfinite(std)) {
            throw new BadInputException("--std: expected a positive number, found " + std);
        }
        if (maxShardBytes <= 0) {
            throw new BadInputException("--max-shard-size: expected a positive size, found " + maxShardBytes);
        }
        if (threads <= 0) {
            throw new BadInputException("--threads: expected a positive number, found " + threads);
        }
    }

    /** Parses {@code bf16} / {@code f32} (also bfloat16 / float32). */
    public static DType parseDtype(String text) {
        switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "bf16":
            case "bfloat16":
                return DType.BF16;
            case "f32":
            case "fp32":
            case "float32":
                return DType.F32;
            default:
                throw new BadInputException("--dtype " + text + ": expected bf16 or f32");
        }
    }

    /** Parses a size like {@code 5GB}, {@code 500MB}, {@code 2GiB} or a byte count. */
    public static long parseSize(String option, String text) {
        String t = text.trim().toUpperCase(java.util.Locale.ROOT);
        long unit = 1;
        String[][] units = {{"GIB", "1073741824"}, {"MIB", "1048576"}, {"KIB", "1024"}, {"GB", "1000000000"},
            {"MB", "1000000"}, {"KB", "1000"}, {"G", "1073741824"}, {"M", "1048576"}, {"K", "1024"}, {"B", "1"}};
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            double v = Double.parseDouble(t);
            if (!(v > 0)) {
                throw new NumberFormatException();
            }
            return (long) (v * unit);
        } catch (NumberFormatException e) {
            throw new BadInputException(option + " " + text + ": expected a positive size such as 5GB, 500MB, 80g or 1024");
        }
    }
}
