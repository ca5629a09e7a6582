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
        assertEquals(20, seen.size());
        assertEquals(Optional.empty(), FeedSchema.byName("labels"));
        assertEquals(Optional.empty(), FeedSchema.byName("input_ids"));
    }

    /** The training graphs' per-step scalars: the sparsity weight and the ablations' temperature and coin. */
    private static final List<Feed> PER_STEP_SCALARS = List.of(FeedSchema.SPARSITY_WEIGHT,
            FeedSchema.SUBSPACE_TEMPERATURE, FeedSchema.PAIR_ORDER_SWAPPED);

    @Test
    void perExampleFeedsStartWithTheBatchAxis() {
        for (Feed f : FeedSchema.pairGraphFeeds()) {
            if (!PER_STEP_SCALARS.contains(f)) {
                assertEquals(FeedSchema.BATCH, f.dims().get(0), f.toString());
            }
        }
        for (Feed f : PER_STEP_SCALARS) {
            assertEquals(0, f.rank(), f.toString());
        }
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
