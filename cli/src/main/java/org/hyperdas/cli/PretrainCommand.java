package org.hyperdas.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.trainer.CacheDirs;
import org.hyperdas.trainer.knowledge.KnowledgeTrainer;
import org.hyperdas.trainer.knowledge.PretrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hyperdas-run pretrain}: trains the knowledge model (a small Llama that knows RAVEL facts). */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {
            "Train a small Llama on RAVEL facts (\"template %% entity\" + \" \" + value, every entity and template "
                    + "of the chosen types) and write a Hugging Face model folder (model.safetensors, config.json, "
                    + "tokenizer.json) with its knowledge report (knowledge.json: teacher-forced accuracy of the "
                    + "first 3 value tokens per entity type, attribute and template).",
            "Without flags: the embedded dataset (275 cities, 119 objects), a 4-layer model, about 2 minutes on 2 cores.",
            "Progress (epoch, step, loss, tokens/s, ETA) goes to stderr, the knowledge table to stdout."})
final class PretrainCommand implements Callable<Integer> {
    private static final PretrainOptions D = PretrainOptions.defaults();

    @Option(names = "--ravel", paramLabel = "DIR",
            description = "A RAVEL release folder (ravel_<type>_*.json). Default: the embedded dataset.")
    Path ravel;

    @Option(names = "--entity-types", split = ",", paramLabel = "TYPE",
            description = "Entity types to learn (comma-separated). Default: all of the dataset.")
    List<String> entityTypes;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Model folder to write (replaced when it exists). Default: $XDG_CACHE_HOME/hyperdas/"
                    + CacheDirs.KNOWLEDGE_MODEL + " or ~/.cache/hyperdas/" + CacheDirs.KNOWLEDGE_MODEL + ".")
    Path out;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Without --out: write the model to DIR/" + CacheDirs.KNOWLEDGE_MODEL + ", where train finds it"
                    + " with the same --cache.")
    Path cache;

    @Option(names = "--hidden", paramLabel = "N", description = "Hidden size (default: ${DEFAULT-VALUE}).")
    int hidden = D.hidden();

    @Option(names = "--layers", paramLabel = "N", description = "Decoder blocks (default: ${DEFAULT-VALUE}).")
    int layers = D.layers();

    @Option(names = "--heads", paramLabel = "N", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads = D.heads();

    @Option(names = "--kv-heads", paramLabel = "N", description = "Key/value heads (default: ${DEFAULT-VALUE}).")
    int kvHeads = D.kvHeads();

    @Option(names = "--intermediate", paramLabel = "N",
            description = "MLP width; 0: 8/3 x hidden rounded up to a multiple of 32 (default: ${DEFAULT-VALUE}).")
    int intermediate = D.intermediate();

    @Option(names = "--epochs", paramLabel = "N",
            description = "Passes over the facts (default: ${DEFAULT-VALUE}).")
    int epochs = D.epochs();

    @Option(names = "--templates-per-fact", paramLabel = "N",
            description = "Templates per fact and epoch, rotating over the epochs (default: ${DEFAULT-VALUE}).")
    int templatesPerFact = D.templatesPerFact();

    @Option(names = "--batch-size", paramLabel = "N", description = "Sentences per step (default: ${DEFAULT-VALUE}).")
    int batchSize = D.batchSize();

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr = D.lr();

    @Option(names = "--embedding-lr-scale", paramLabel = "X",
            description = "Token embeddings learn at --lr times X (default: ${DEFAULT-VALUE}).")
    double embeddingLrScale = D.embeddingLrScale();

    @Option(names = "--weight-decay", paramLabel = "WD",
            description = "AdamW weight decay of the matrices (default: ${DEFAULT-VALUE}).")
    double weightDecay = D.weightDecay();

    @Option(names = "--beta2", paramLabel = "B", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
    double beta2 = D.beta2();

    @Option(names = "--clip-norm", paramLabel = "N",
            description = "Global gradient-norm clipping, 0: off (default: ${DEFAULT-VALUE}).")
    double clipNorm = D.clipNorm();

    @Option(names = "--warmup", paramLabel = "FRACTION",
            description = "Share of the steps with linear warm-up (default: ${DEFAULT-VALUE}).")
    double warmup = D.warmupFraction();

    @Option(names = "--schedule", paramLabel = "cosine|linear",
            description = "Learning-rate decay after warm-up (default: ${DEFAULT-VALUE}).")
    String schedule = D.schedule();

    @Option(names = "--init-std", paramLabel = "S",
            description = "Std of the initial matrices and embeddings, 0: 1/sqrt(hidden) (default: ${DEFAULT-VALUE}).")
    double initStd = D.initStd();

    @Option(names = "--seed", paramLabel = "N",
            description = "Seeds weights, template rotation and batch order (default: ${DEFAULT-VALUE}).")
    long seed = D.seed();

    @Option(names = "--checkpoint-every", paramLabel = "STEPS",
            description = "Steps between checkpoints, 0: only when stopping (default: ${DEFAULT-VALUE}).")
    int checkpointEvery = D.checkpointEvery();

    @Mixin
    OutputOptions output;

    @Option(names = "--resume", description = "Continue the interrupted run that writes --out from its last checkpoint.")
    boolean resume;

    @Option(names = "--stop-after-steps", paramLabel = "N",
            description = "Stop once N steps are done, keeping a checkpoint for --resume (0: run to the end).")
    long stopAfterSteps;

    @Option(names = "--threads", paramLabel = "N",
            description = "ONNX Runtime threads, 0: all cores (default: ${DEFAULT-VALUE}).")
    int threads = D.threads();

    @Spec
    CommandSpec spec;

    PretrainOptions options() {
        return new PretrainOptions(ravel, entityTypes, out != null ? out : CacheDirs.knowledgeModel(cache), hidden, layers, heads, kvHeads,
                intermediate, epochs, templatesPerFact, batchSize, lr, embeddingLrScale, weightDecay, beta2, clipNorm, warmup, schedule,
                initStd, seed, checkpointEvery, threads);
    }

    @Override
    public Integer call() throws Exception {
        if (stopAfterSteps < 0) {
            throw new org.hyperdas.runtime.BadInputException(
                    "pretrain: --stop-after-steps: expected 0 or a positive number of steps, found " + stopAfterSteps);
        }
        PrintStream err = System.err;
        PretrainOptions settings = options();
        output.check(out != null ? "--out" : "--cache", settings.out(), OutputKind.PRETRAIN);
        KnowledgeTrainer.Result r = KnowledgeTrainer.run(settings, resume, stopAfterSteps, err);
        var o = spec.commandLine().getOut();
        if (r.completed()) {
            o.print(r.report().table());
            o.printf(Locale.ROOT, "model folder: %s (%,d steps)%n", r.modelFolder(), r.steps());
        } else {
            o.printf(Locale.ROOT, "stopped after %,d of %,d steps; continue with --resume%n", r.steps(), r.totalSteps());
        }
        o.flush();
        return 0;
    }
}
