package org.hyperdas.runtime.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The schema's lookups and invariants: one feed per name within each family, batch first. */
class FeedSchemaTest {
    @Test
    void pairGraphFeedsHaveDistinctNamesAndAreFoundByName() {
        Set<String> seen = new HashSet<>();
        for (Feed f : FeedSchema.pairGraphFeeds()) {
            assertTrue(seen.add(f.name()), "twice: " + f.name());
            assertEquals(Optional.of(f), FeedSchema.byName(f.name()));
        }
        assertEquals(18, seen.size());
        assertEquals(Optional.empty(), FeedSchema.byName("labels"));
        assertEquals(Optional.empty(), FeedSchema.byName("input_ids"));
    }

    @Test
    void perExampleFeedsStartWithTheBatchAxis() {
        for (Feed f : FeedSchema.pairGraphFeeds()) {
            if (!f.equals(FeedSchema.SPARSITY_WEIGHT)) {
                assertEquals(FeedSchema.BATCH, f.dims().get(0), f.toString());
            }
        }
        assertEquals(0, FeedSchema.SPARSITY_WEIGHT.rank());
    }

    @Test
    void languageModelLabelsDifferFromThePairGraphsByTypeOrAxis() {
        assertEquals(List.of(FeedSchema.TOKEN_LABEL_MASK, FeedSchema.NEXT_TOKEN_LABEL_MASK),
                FeedSchema.languageModelFeed("label_mask"));
        assertEquals(Feed.ElementType.INT64, FeedSchema.LABEL_MASK.type());
        assertEquals(Feed.ElementType.FLOAT32, FeedSchema.TOKEN_LABEL_MASK.type());
        assertEquals(List.of("batch", "seq"), FeedSchema.NEXT_TOKEN_LABELS.dims());
        assertEquals(List.of(), FeedSchema.languageModelFeed("base_ids"));
    }

    @Test
    void hyperDasLabelFeedsRenameOnlyTheLabelAxis() {
        assertEquals(new Feed("label_ids", Feed.ElementType.INT64, List.of("batch", "label_len")),
                FeedSchema.HYPERDAS_LABEL_IDS);
        assertEquals(FeedSchema.LABEL_MASK.type(), FeedSchema.HYPERDAS_LABEL_MASK.type());
        assertThrows(IllegalArgumentException.class, () -> FeedSchema.LABEL_IDS.withDims("batch"));
    }
}
