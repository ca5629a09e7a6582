package org.hyperdas.graphs.optim;

import org.hyperdas.graphs.GraphBuildException;

/**
 * A learning-rate factor per step, computed in Java and fed to the graph's
 * {@value Optimizers#LR_SCALE_INPUT} input, which multiplies every group's base lr.
 *
 * <p>The factors are those of transformers' {@code get_constant_schedule_with_warmup},
 * {@code get_linear_schedule_with_warmup} and {@code get_cosine_schedule_with_warmup} (half a
 * cosine), evaluated at the number of completed steps, as a LambdaLR stepped after each optimizer
 * step evaluates them: with warm-up the first step has factor 0. One deliberate difference: past
 * {@code totalSteps} the cosine stays at 0 instead of rising again.
 *
 * @param kind shape after warm-up
 * @param warmupSteps steps of linear warm-up from 0 to 1
 * @param totalSteps steps at which the linear and cosine decays reach 0 (>= warmupSteps)
 */
public record LrSchedule(Kind kind, long warmupSteps, long totalSteps) {
    /** The shape after warm-up. */
    public enum Kind {
        CONSTANT, LINEAR, COSINE
    }

    public LrSchedule {
        if (kind == null) {
            throw new GraphBuildException("LrSchedule: kind is required");
        }
        if (warmupSteps < 0 || totalSteps < warmupSteps) {
            throw new GraphBuildException("LrSchedule: need 0 <= warmupSteps <= totalSteps, got warm-up "
                    + warmupSteps + " of " + totalSteps + " steps");
        }
    }

    public static LrSchedule constant(long warmupSteps) {
        return new LrSchedule(Kind.CONSTANT, warmupSteps, warmupSteps);
    }

    public static LrSchedule linear(long warmupSteps, long totalSteps) {
        return new LrSchedule(Kind.LINEAR, warmupSteps, totalSteps);
    }

    public static LrSchedule cosine(long warmupSteps, long totalSteps) {
        return new LrSchedule(Kind.COSINE, warmupSteps, totalSteps);
    }

    /**
     * The factor for the step taken after {@code completedSteps} steps (TrainStep.steps() before
     * calling step).
     */
    public double factor(long completedSteps) {
        if (completedSteps < 0) {
            throw new IllegalArgumentException("completed steps must be >= 0: " + completedSteps);
        }
        if (completedSteps < warmupSteps) {
            return (double) completedSteps / Math.max(1, warmupSteps);
        }
        long decaySteps = Math.max(1, totalSteps - warmupSteps);
        return switch (kind) {
            case CONSTANT -> 1.0;
            case LINEAR -> Math.max(0.0, (double) (totalSteps - completedSteps) / decaySteps);
            case COSINE -> {
                double progress = Math.min(1.0, (double) (completedSteps - warmupSteps) / decaySteps);
                yield 0.5 * (1.0 + Math.cos(Math.PI * progress));
            }
        };
    }
}
