package org.hyperdas.evaluation.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.Test;

class LabelTokensTest {
    @Test
    void parsesAllAndCounts() {
        assertEquals(LabelTokens.ALL, LabelTokens.parse("--label-tokens", "all"));
        assertEquals(LabelTokens.ALL, LabelTokens.parse("--label-tokens", " ALL "));
        assertEquals(LabelTokens.first(3), LabelTokens.parse("--label-tokens", "3"));
        assertEquals("all", LabelTokens.ALL.toString());
        assertEquals("3", LabelTokens.first(3).toString());
        assertEquals(0, LabelTokens.ALL.maxTokens());
        assertEquals(3, LabelTokens.first(3).maxTokens());
        for (String bad : new String[] {"0", "-1", "three", ""}) {
            BadInputException e = assertThrows(BadInputException.class, () -> LabelTokens.parse("--label-tokens", bad));
            assertTrue(e.getMessage().contains("--label-tokens") && e.getMessage().contains("all"), e.getMessage());
        }
    }

    @Test
    void judgesTheLeadingTokens() {
        long[] labels = {5, 6, 7, 8};
        long[] lastWrong = {5, 6, 7, 9};
        long[] firstWrong = {4, 6, 7, 8};
        assertTrue(LabelTokens.first(3).correct(lastWrong, 0, labels, 0, 4));
        assertFalse(LabelTokens.ALL.correct(lastWrong, 0, labels, 0, 4));
        assertTrue(LabelTokens.ALL.correct(labels, 0, labels, 0, 4));
        assertFalse(LabelTokens.first(1).correct(firstWrong, 0, labels, 0, 4));
        // A label shorter than k: all of its tokens; offsets address rows of flat arrays.
        long[] rows = {0, 0, 5, 6};
        assertTrue(LabelTokens.first(3).correct(rows, 2, labels, 0, 2));
        assertTrue(LabelTokens.ALL.correct(rows, 2, labels, 0, 2));
    }
}
