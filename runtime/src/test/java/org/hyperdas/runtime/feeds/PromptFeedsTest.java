package org.hyperdas.runtime.feeds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each prompt feed goes in under its own schema name, in base, source, instruction order. */
class PromptFeedsTest {
    @Test
    void putsEachValueUnderItsFeedInSchemaOrder() {
        Map<Feed, String> feeds = new LinkedHashMap<>();
        feeds.put(FeedSchema.LABEL_IDS, "labels");
        new PromptFeeds<>("bi", "bm", "bim", "si", "sm", "sim", "ii", "im").putInto(feeds);
        assertEquals(List.of("label_ids", "base_ids", "base_mask", "base_intervention_mask", "source_ids",
                "source_mask", "source_intervention_mask", "instruction_ids", "instruction_mask"),
                feeds.keySet().stream().map(Feed::name).toList());
        assertEquals(List.of("labels", "bi", "bm", "bim", "si", "sm", "sim", "ii", "im"), List.copyOf(feeds.values()));
    }
}
