package org.hyperdas.cli;

import static org.hyperdas.trainer.TargetDefaults.LARGE_FROM;

import java.util.List;
import org.hyperdas.trainer.MethodOverrides;
import org.hyperdas.trainer.TargetDefaults;
import picocli.CommandLine.Option;

/**
 * Training flags shared by train and sweep. Unset ones stay null: the method takes its default for
 * the model at hand ({@link TargetDefaults}, whose values the help texts print).
 */
final class MethodFlags {
    @Option(names = "--k", paramLabel = "N",
            description = "Subspace size (das, mdas, hyperdas). Default: " + TargetDefaults.K
                    + " (at most the hidden size); hyperdas: hidden / 4, at most 128.")
    Integer k;

    @Option(names = "--steps", paramLabel = "N",
            description = "Optimizer steps per target attribute (das, mdas). Default: " + TargetDefaults.STEPS + ".")
    Integer steps;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Training pairs per step. Default: " + TargetDefaults.BATCH_SIZE + "; hyperdas: "
                    + TargetDefaults.HYPERDAS_BATCH_SIZE + ".")
    Integer batchSize;

    @Option(names = "--eval-batch-size", paramLabel = "N",
            description = "Pairs per evaluation batch. Default: " + TargetDefaults.EVAL_BATCH_SIZE + ".")
    Integer evalBatchSize;

    @Option(names = "--lr", paramLabel = "LR",
            description = "Peak learning rate (AdamW, linear warm-up and decay). Default: " + TargetDefaults.LR
                    + "; hyperdas: the hypernetwork's (R has --rotation-lr): " + TargetDefaults.HYPERNET_LR_SMALL
                    + " on small targets, " + TargetDefaults.HYPERNET_LR_LARGE + " (the paper's)" + LARGE_FROM
                    + ", cosine decay.")
    Double lr;

    @Option(names = "--warmup-steps", paramLabel = "N",
            description = "Warm-up steps. Default: " + TargetDefaults.WARMUP_STEPS + "; hyperdas: 10%% of the steps.")
    Integer warmupSteps;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed of the pairs, the initial parameters and the batch order (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The overrides these flags set, with {@code layer} and the HyperDAS flags of train (null in sweep). */
    MethodOverrides overrides(Integer layer, Integer hypernetLayers, Integer epochs, Double rotationLr,
            List<Double> sparsity, List<Double> lossWeights) {
        return new MethodOverrides(layer, k, steps, batchSize, evalBatchSize, lr, warmupSteps, seed, hypernetLayers,
                epochs, rotationLr, sparsity, lossWeights);
    }
}
