package org.hyperdas.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import picocli.CommandLine.Option;

/** {@code --model} and {@code --device}, shared by the commands that run a target model. */
final class TargetOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Target model: a Hugging Face Llama folder. Default: the knowledge model written by"
                    + " `hyperdas-run pretrain` (~/.cache/hyperdas/knowledge-model).")
    Path model;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, auto or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", paramLabel = "N",
            description = "ONNX Runtime intra-op threads (default: every core).")
    Integer threads;

    /** Where `hyperdas-run pretrain` puts the knowledge model: $HYPERDAS_CACHE or ~/.cache/hyperdas. */
    static Path knowledgeModelFolder() {
        String cache = System.getenv("HYPERDAS_CACHE");
        Path root = cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".cache", "hyperdas");
        return root.resolve("knowledge-model");
    }

    /** The --model folder, or the cached knowledge model. */
    Path modelFolder() {
        if (model != null) {
            return model;
        }
        Path cached = knowledgeModelFolder();
        if (Files.isRegularFile(cached.resolve("config.json"))) {
            return cached;
        }
        throw new BadInputException("no --model given and no knowledge model at " + cached
                + ": run `hyperdas-run pretrain` first to train it, or pass --model DIR (a Hugging Face Llama folder)");
    }

    OrtEngine engine() {
        OrtEngine e = OrtEngine.create(device);
        return threads == null ? e : e.withIntraOpThreads(threads);
    }
}
