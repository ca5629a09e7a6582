package org.hyperdas.evaluation.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;

/** Pairs whose texts need more positions than the model has are refused, naming the pair. */
class BatcherPositionLimitTest {
    private static Pair pair(String baseTemplate) {
        return new Pair("city", "Country", "Country", "Country", PairKind.CAUSE, "train", baseTemplate, "Paris",
                "%s is in", "Tokyo", "Paris ; Tokyo - Country", "France", "Japan", "Japan", true);
    }

    @Test
    void aPairLongerThanMaxPositionsIsBadInputNamingIt() {
        Path tokFile = SharedData.require("models/stories260K/tokenizer.json");
        try (HfTokenizer tok = HfTokenizer.open(tokFile)) {
            Pair shortPair = pair("%s is a city in the country of");
            Pair longPair = pair("Once upon a time there was a girl who lived near %s, a city in the country of");
            int shortLength = tok.encode(Batcher.teacherForcedText(shortPair)).length;
            int longLength = tok.encode(Batcher.teacherForcedText(longPair)).length;
            assertTrue(shortLength < longLength, shortLength + " vs " + longLength);
            int limit = longLength - 1;
            Batcher limited = new Batcher(tok, Batcher.Options.defaults(tok).withMaxPositions(limit));
            assertEquals(1, limited.batch(List.of(shortPair)).size());
            BadInputException e = assertThrows(BadInputException.class,
                    () -> limited.batch(List.of(shortPair, longPair)));
            assertTrue(e.getMessage().contains("max_position_embeddings " + limit), e.getMessage());
            assertTrue(e.getMessage().contains("Once upon a time") && e.getMessage().contains("train"),
                    e.getMessage());
            // No limit (0): the same pair batches as before.
            Batcher unlimited = new Batcher(tok, Batcher.Options.defaults(tok));
            assertEquals(2, unlimited.batch(List.of(shortPair, longPair)).size());
        }
    }
}
