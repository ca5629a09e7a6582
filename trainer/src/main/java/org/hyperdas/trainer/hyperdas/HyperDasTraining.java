package org.hyperdas.trainer.hyperdas;

import org.hyperdas.runtime.BadInputException;

/**
 * The training-loop settings of a HyperDAS run (the architecture and optimizer are in
 * {@link org.hyperdas.graphs.hyperdas.HyperDasConfig}).
 *
 * @param epochs passes over the training pairs [3]
 * @param batchSize examples per optimizer step [16]
 * @param warmupSteps learning-rate warm-up steps, or null for 10% of the steps
 * @param sparsityWarmup fraction of the steps at the start with sparsity weight 0 [0.5]
 * @param sparsityStart sparsity weight right after the warm-up [0.15]
 * @param sparsityEnd sparsity weight at the last step [1.5]
 * @param reference the reference script's protocol: constant learning rate (no warm-up, no decay)
 *     and its sparsity form (one linspace over the whole run, the warm-up part zeroed); otherwise
 *     warm-up then cosine decay and a ramp that starts at {@code sparsityStart} after the warm-up
 * @param minSteps 0, or the fewest optimizer steps a run takes: with few training pairs (a small
 *     entity type under per-type scope) {@link #epochsFor} adds epochs until the run has at least
 *     this many steps, up to {@value #MAX_EPOCH_FACTOR} times {@code epochs} (a handful of pairs
 *     is not passed over a thousand times)
 */
public record HyperDasTraining(int epochs, int batchSize, Integer warmupSteps, double sparsityWarmup,
        double sparsityStart, double sparsityEnd, boolean reference, long minSteps) {
    /** The step floor adds at most this many times the configured epochs. */
    public static final int MAX_EPOCH_FACTOR = 3;

    /** Exactly {@code epochs} passes (no step floor). */
    public HyperDasTraining(int epochs, int batchSize, Integer warmupSteps, double sparsityWarmup,
            double sparsityStart, double sparsityEnd, boolean reference) {
        this(epochs, batchSize, warmupSteps, sparsityWarmup, sparsityStart, sparsityEnd, reference, 0);
    }

    /** The small-target protocol (cosine schedule, ramp after the warm-up). */
    public HyperDasTraining(int epochs, int batchSize, Integer warmupSteps, double sparsityWarmup,
            double sparsityStart, double sparsityEnd) {
        this(epochs, batchSize, warmupSteps, sparsityWarmup, sparsityStart, sparsityEnd, false);
    }

    public HyperDasTraining {
        if (epochs < 1 || batchSize < 1 || (warmupSteps != null && warmupSteps < 0) || minSteps < 0) {
            throw new BadInputException("HyperDAS training: expected epochs >= 1, batch size >= 1, warm-up >= 0,"
                    + " minimum steps >= 0; got " + epochs + ", " + batchSize + ", " + warmupSteps + ", " + minSteps);
        }
        if (!(sparsityWarmup >= 0 && sparsityWarmup <= 1) || !(sparsityStart >= 0) || !(sparsityEnd >= 0)) {
            throw new BadInputException("--sparsity: expected a warm-up fraction in [0, 1] and weights >= 0, got "
                    + sparsityWarmup + "," + sparsityStart + "," + sparsityEnd);
        }
    }

    /**
     * The sparsity-penalty weight for the step taken after {@code completedSteps} of
     * {@code totalSteps}: 0 during the first {@code floor(sparsityWarmup * totalSteps)} steps, then
     * linear from {@link #sparsityStart} (first step after the warm-up) to {@link #sparsityEnd}
     * (last step, {@code totalSteps - 1}); fed as the {@code sparsity_weight} input.
     * (This is HYPERDAS.md's "ramping linearly 0.15 -&gt; 1.5 after a 50% warm-up at 0".)
     *
     * <p>With {@link #reference}: the reference script's form, entry {@code completedSteps} of
     * linspace(start, end, totalSteps + 1) with the first {@code floor(sparsityWarmup * totalSteps)}
     * entries zeroed, so the weight jumps to about the midpoint when the warm-up ends.
     */
    public double sparsityWeight(long completedSteps, long totalSteps) {
        if (totalSteps <= 0 || completedSteps < 0) {
            throw new IllegalArgumentException("need totalSteps > 0 and completedSteps >= 0, got " + completedSteps
                    + " of " + totalSteps);
        }
        long warmup = (long) Math.floor(sparsityWarmup * totalSteps);
        if (completedSteps < warmup) {
            return 0;
        }
        if (reference) {
            double t = Math.min(1.0, (double) completedSteps / totalSteps);
            return sparsityStart + (sparsityEnd - sparsityStart) * t;
        }
        long ramp = totalSteps - 1 - warmup;
        if (ramp <= 0) {
            return sparsityEnd;
        }
        double t = Math.min(1.0, (double) (completedSteps - warmup) / ramp);
        return sparsityStart + (sparsityEnd - sparsityStart) * t;
    }

    /**
     * The passes a run with {@code stepsPerEpoch} steps per pass takes: {@link #epochs}, or more
     * when that leaves it under {@link #minSteps} steps (the fewest passes that reach it, at most
     * {@value #MAX_EPOCH_FACTOR} x {@link #epochs}).
     */
    public int epochsFor(long stepsPerEpoch) {
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("stepsPerEpoch must be >= 1: " + stepsPerEpoch);
        }
        if (minSteps == 0) {
            return epochs;
        }
        long floor = (minSteps + stepsPerEpoch - 1) / stepsPerEpoch;
        return (int) Math.max(epochs, Math.min(floor, (long) MAX_EPOCH_FACTOR * epochs));
    }
}
