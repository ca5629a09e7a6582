package org.hyperdas.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.trainer.CacheDirs;
import org.hyperdas.trainer.knowledge.KnowledgeTrainer;
import org.hyperdas.trainer.knowledge.PretrainOptions;
import picocli.CommandLine.Option;

/** {@code --model} and {@code --device}, shared by the commands that run a target model. */
final class TargetOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Target model: a Hugging Face Llama folder. Default: the knowledge model written by"
                    + " `hyperdas-run pretrain` ($XDG_CACHE_HOME/hyperdas/knowledge-model, else ~/.cache/hyperdas/knowledge-model).")
    Path model;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Cache folder holding the knowledge model (DIR/knowledge-model). Default: $XDG_CACHE_HOME/hyperdas,"
                    + " else ~/.cache/hyperdas.")
    Path cache;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, auto or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", paramLabel = "N",
            description = "ONNX Runtime intra-op threads (default: every core).")
    Integer threads;

    /** The --model folder, or the cached knowledge model. */
    Path modelFolder() {
        return modelFolder(false);
    }

    /**
     * The --model folder, or the cached knowledge model; with {@code pretrainIfMissing} a missing
     * knowledge model is trained first with the default settings (what {@code hyperdas-run pretrain}
     * does), so the embedded default runs end to end on a fresh machine.
     */
    Path modelFolder(boolean pretrainIfMissing) {
        if (model != null) {
            return model;
        }
        Path cached = CacheDirs.knowledgeModel(cache);
        if (Files.isRegularFile(cached.resolve("config.json"))) {
            return cached;
        }
        if (pretrainIfMissing) {
            System.err.println("no knowledge model at " + cached + ": training it first (hyperdas-run pretrain)");
            try {
                return KnowledgeTrainer.run(PretrainOptions.defaults().withOut(cached), false, System.err).modelFolder();
            } catch (java.io.IOException | ai.onnxruntime.OrtException e) {
                throw new IllegalStateException("pretraining the knowledge model failed: " + e.getMessage(), e);
            }
        }
        throw new BadInputException("no --model given and no knowledge model at " + cached
                + ": run `hyperdas-run pretrain" + (cache != null ? " --cache " + cache : "") + "` first to train it, or pass --model DIR (a Hugging Face Llama folder)");
    }

    OrtEngine engine() {
        OrtEngine e = OrtEngine.create(device);
        return threads == null ? e : e.withIntraOpThreads(threads);
    }
}
