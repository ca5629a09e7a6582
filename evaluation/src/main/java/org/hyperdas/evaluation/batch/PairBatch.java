package org.hyperdas.evaluation.batch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.runtime.feeds.Feed;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.feeds.PromptFeeds;

/**
 * One batch of pairs as padded int64 tensors (right padding; masks are 1 on real tokens).
 * B = batch size; Tb, Ts, Ti, L = longest base, source, instruction, label in the batch
 * (rounded up to the batcher's multiple).
 *
 * @param pairs                   the pairs, in row order
 * @param baseIds                 [B, Tb] BOS + base prompt + label tokens (teacher forcing input)
 * @param baseMask                [B, Tb] attention mask of baseIds
 * @param baseInterventionMask    [B, Tb] 1 on BOS .. last base-entity token: the positions an
 *                                intervention may write (template suffix, label and padding excluded)
 * @param sourceIds               [B, Ts] BOS + source prompt
 * @param sourceMask              [B, Ts]
 * @param sourceInterventionMask  [B, Ts] 1 on BOS .. last source-entity token
 * @param instructionIds          [B, Ti] BOS + "base ; source - Attribute"
 * @param instructionMask         [B, Ti]
 * @param labelIds                [B, L] the expected label's tokens (of the label after the prompt, see LabelSpace)
 * @param labelMask               [B, L]
 * @param labelPositions          [B, L] position in baseIds whose logits predict labelIds[b, j]
 *                                (label token position - 1); 0 where labelMask is 0
 * @param baseEntityLast          [B] position of the last base-entity token in baseIds
 * @param sourceEntityLast        [B] position of the last source-entity token in sourceIds
 * @param isCause                 [B] 1 for cause pairs, 0 for isolate pairs (loss weights)
 */
public record PairBatch(
        List<Pair> pairs,
        LongTensor baseIds,
        LongTensor baseMask,
        LongTensor baseInterventionMask,
        LongTensor sourceIds,
        LongTensor sourceMask,
        LongTensor sourceInterventionMask,
        LongTensor instructionIds,
        LongTensor instructionMask,
        LongTensor labelIds,
        LongTensor labelMask,
        LongTensor labelPositions,
        LongTensor baseEntityLast,
        LongTensor sourceEntityLast,
        LongTensor isCause) {

    public PairBatch {
        pairs = List.copyOf(pairs);
    }

    public int size() {
        return pairs.size();
    }

    /**
     * The batch as graph feeds, keyed by the schema: the prompts, intervention masks, instruction,
     * labels and {@link FeedSchema#IS_CAUSE}, and one intervention site per example at the last
     * entity tokens ({@link FeedSchema#BASE_POSITIONS}, {@link FeedSchema#SOURCE_POSITIONS} [B, 1]
     * over the entity positions' buffers, {@link FeedSchema#SITE_MASK} all 1). A graph takes the
     * ones it declares.
     */
    public Map<Feed, LongTensor> feeds() {
        Map<Feed, LongTensor> m = new LinkedHashMap<>();
        new PromptFeeds<>(baseIds, baseMask, baseInterventionMask, sourceIds, sourceMask, sourceInterventionMask,
                instructionIds, instructionMask).putInto(m);
        m.put(FeedSchema.LABEL_IDS, labelIds);
        m.put(FeedSchema.LABEL_MASK, labelMask);
        m.put(FeedSchema.LABEL_POSITIONS, labelPositions);
        m.put(FeedSchema.IS_CAUSE, isCause);
        long[] oneSite = {size(), 1};
        m.put(FeedSchema.BASE_POSITIONS, new LongTensor(oneSite, baseEntityLast.data()));
        m.put(FeedSchema.SOURCE_POSITIONS, new LongTensor(oneSite, sourceEntityLast.data()));
        LongTensor siteMask = LongTensor.zeros(oneSite);
        for (int i = 0; i < size(); i++) {
            siteMask.data().put(i, 1);
        }
        m.put(FeedSchema.SITE_MASK, siteMask);
        return m;
    }

    /** Number of real tokens in row b of a mask. */
    public static int length(LongTensor mask, int b) {
        int n = 0;
        for (int c = 0; c < mask.dim(1); c++) {
            n += (int) mask.get(b, c);
        }
        return n;
    }
}
