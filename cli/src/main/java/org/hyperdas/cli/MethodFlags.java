package org.hyperdas.cli;

import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.das.DasDefaults;
import picocli.CommandLine.Option;

/** Training flags shared by train and sweep; unset ones take the defaults for the model at hand. */
final class MethodFlags {
    @Option(names = "--k", paramLabel = "N",
            description = "Subspace size (das, mdas, hyperdas). Default: " + DasDefaults.K + " (at most the hidden size);"
                    + " hyperdas: hidden / 4, at most 128.")
    Integer k;

    @Option(names = "--steps", paramLabel = "N",
            description = "Optimizer steps per target attribute (das, mdas). Default: " + DasDefaults.STEPS + ".")
    Integer steps;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Training pairs per step. Default: " + DasDefaults.BATCH_SIZE + "; hyperdas: 16.")
    Integer batchSize;

    @Option(names = "--eval-batch-size", paramLabel = "N",
            description = "Pairs per evaluation batch. Default: " + DasDefaults.EVAL_BATCH_SIZE + ".")
    Integer evalBatchSize;

    @Option(names = "--lr", paramLabel = "LR",
            description = "Peak learning rate (AdamW, linear warm-up and decay). Default: " + DasDefaults.LR
                    + "; hyperdas: the hypernetwork's (R has --rotation-lr): 1e-3 on small targets, 4e-5 (the paper's) from"
                    + " hidden size 2048, cosine decay.")
    Double lr;

    @Option(names = "--warmup-steps", paramLabel = "N",
            description = "Warm-up steps. Default: " + DasDefaults.WARMUP_STEPS + "; hyperdas: 10%% of the steps.")
    Integer warmupSteps;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed of the pairs, the initial parameters and the batch order (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The options for a model of {@code layers} blocks and {@code hidden} size; layer from {@code layer} if set. */
    MethodOptions resolve(Integer layer, int layers, int hidden) {
        MethodOptions d = DasDefaults.forModel(layers, hidden, seed);
        return new MethodOptions(layer != null ? layer : d.layer(), k != null ? k : d.k(),
                steps != null ? steps : d.steps(), batchSize != null ? batchSize : d.batchSize(),
                evalBatchSize != null ? evalBatchSize : d.evalBatchSize(), lr != null ? lr : d.lr(),
                warmupSteps != null ? warmupSteps : d.warmupSteps(), seed);
    }
}
