package org.hyperdas.trainer;

import java.io.PrintStream;

/**
 * An interpretability method that can be trained on RAVEL pairs and scored: {@code patching},
 * {@code das}, {@code mdas}, and any method registered in {@link MethodRegistry}.
 */
public interface InterventionMethod {
    /** The name used by {@code --method} and in run folders and leaderboards. */
    String name();

    /** One line for help texts. */
    String description();

    /**
     * Whether the method learns parameters (and so uses k, steps, learning rate, batch size);
     * run configs leave those settings out for a method that does not.
     */
    default boolean learns() {
        return true;
    }

    /** Where the method intervenes, for the run's config.json. */
    default String site() {
        return "residual stream entering block `layer` (0 = embedding output), last entity token of base and source";
    }

    /** The optimizer and schedule, for the run's config.json (methods that learn). */
    default String optimizer() {
        return "AdamW (betas 0.9, 0.999, eps 1e-8, no weight decay), linear warm-up and decay";
    }

    /**
     * Trains (if the method learns anything) and returns the intervention ready to be scored.
     *
     * @param target the frozen target model
     * @param train the training pairs, already filtered to what the model knows
     * @param options layer, k, steps, ...
     * @param control checkpoints, resume, progress interval
     * @param progress progress lines
     */
    TrainedIntervention fit(TargetModel target, PairSet train, MethodOptions options, RunControl control,
            PrintStream progress) throws Exception;

    /** {@link #fit(TargetModel, PairSet, MethodOptions, RunControl, PrintStream)} without checkpoints. */
    default TrainedIntervention fit(TargetModel target, PairSet train, MethodOptions options, PrintStream progress)
            throws Exception {
        return fit(target, train, options, RunControl.none(), progress);
    }
}
