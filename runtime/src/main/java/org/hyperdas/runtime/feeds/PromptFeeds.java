package org.hyperdas.runtime.feeds;

import java.util.Map;

/**
 * The prompt feeds every intervention graph takes, whatever holds their values (tensors for the
 * trainer and evaluator, plain arrays for exported-model inference): the base and source ids,
 * attention masks and intervention masks, and the instruction ids and mask.
 *
 * @param <T> what holds one feed's values
 */
public record PromptFeeds<T>(T baseIds, T baseMask, T baseInterventionMask, T sourceIds, T sourceMask,
        T sourceInterventionMask, T instructionIds, T instructionMask) {

    /** Puts the eight feeds into {@code feeds} under their {@link FeedSchema} names, in that order. */
    public void putInto(Map<Feed, ? super T> feeds) {
        feeds.put(FeedSchema.BASE_IDS, baseIds);
        feeds.put(FeedSchema.BASE_MASK, baseMask);
        feeds.put(FeedSchema.BASE_INTERVENTION_MASK, baseInterventionMask);
        feeds.put(FeedSchema.SOURCE_IDS, sourceIds);
        feeds.put(FeedSchema.SOURCE_MASK, sourceMask);
        feeds.put(FeedSchema.SOURCE_INTERVENTION_MASK, sourceInterventionMask);
        feeds.put(FeedSchema.INSTRUCTION_IDS, instructionIds);
        feeds.put(FeedSchema.INSTRUCTION_MASK, instructionMask);
    }
}
