package org.hyperdas.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.trainer.init.InitOptions;
import org.hyperdas.trainer.init.LlamaPresets;
import org.hyperdas.trainer.init.RandomLlama;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hyperdas-run init-model}: a Hugging Face Llama folder of random weights of a given shape. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = {
            "Write a Hugging Face Llama folder (config.json, model.safetensors or HF-style shards with "
                    + "model.safetensors.index.json, tokenizer.json) with random weights of a known shape, to measure "
                    + "memory and speed on real sizes. Matrices ~ N(0, std^2), o_proj and down_proj scaled by "
                    + "1/sqrt(2 x layers), RMSNorm weights 1; config.json says \"hyperdas_random_init\": true with "
                    + "the seed. Weights are streamed to disk tensor by tensor (a few MiB of memory).",
            "The weights know nothing: train on such a model with --no-knowledge-filter."})
final class InitModelCommand implements Callable<Integer> {
    @Option(names = "--like", required = true, paramLabel = "llama-3.2-1b|llama-3-8b|CONFIG.json",
            description = "The shape: a preset name or any Hugging Face Llama config.json (file or folder).")
    String like;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Folder with tokenizer.json (tokenizer_config.json and special_tokens_map.json are copied too).")
    Path tokenizer;

    @Option(names = "--dtype", paramLabel = "bf16|f32", description = "Stored element type (default: ${DEFAULT-VALUE}).")
    String dtype = "bf16";

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model folder to write.")
    Path out;

    @Option(names = "--seed", paramLabel = "N", description = "Seeds every value (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--std", paramLabel = "S",
            description = "Std of matrices and embeddings (default: ${DEFAULT-VALUE}, HF's initializer_range).")
    double std = InitOptions.DEFAULT_STD;

    @Option(names = "--max-shard-size", paramLabel = "SIZE",
            description = "Shard the weights above this size, like save_pretrained (default: ${DEFAULT-VALUE}).")
    String maxShardSize = "5GB";

    @Option(names = "--threads", paramLabel = "N",
            description = "Chunks drawn in parallel, 0: all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--config-only",
            description = "Write config.json and the tokenizer only, no weights (for plan on sizes that do not fit the disk).")
    boolean configOnly;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        output.check("--out", out, OutputKind.INIT_MODEL);
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        InitOptions o = new InitOptions(LlamaPresets.resolve(like), tokenizer, InitOptions.parseDtype(dtype), out, seed,
                std, InitOptions.parseSize("--max-shard-size", maxShardSize), t, configOnly);
        long start = System.nanoTime();
        RandomLlama.Result r = RandomLlama.write(o, System.err);
        spec.commandLine().getOut().printf(Locale.ROOT, "model folder: %s (%,d parameters, %s, %.1f GB of weights in %s,"
                + " %.1f s)%n", r.folder(), r.parameters(), o.dtype(), r.weightBytes() / 1e9,
                r.weightFiles().isEmpty() ? "no files" : String.join(", ", r.weightFiles()),
                (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
