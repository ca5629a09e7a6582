package org.hyperdas.evaluation.ravel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.junit.jupiter.api.Test;

class TemplateTest {
    @Test
    void fillKeepsEverythingButTheSlot() {
        Template t = new Template("Country", " {\"city\": \"%s\", \"share\": \"100%\", \"country\": \"", Split.TRAIN);
        assertEquals(" {\"city\": \"Zürich\", \"share\": \"100%\", \"country\": \"", t.fill("Zürich"));
        assertEquals(" {\"city\": \"", t.before());
        assertEquals("\", \"share\": \"100%\", \"country\": \"", t.after());
        assertEquals(" {\"city\": \"Zürich", Template.prefixThroughEntity(t.text(), "Zürich"));
        assertEquals("These early apples", Template.fill("These early %ss", "apple"));
        assertEquals(0, Template.slotCount("no slot"));
        assertEquals(2, Template.slotCount("%s and %s"));
        assertThrows(IllegalArgumentException.class, () -> new Template("A", "%s%s", Split.TEST));
    }

    @Test
    void labelsParse() {
        assertEquals(Split.VAL, Split.parseOrNull("validation"));
        assertNull(Split.parseOrNull("training"));
        assertEquals(PairKind.CAUSE, PairKind.parseOrNull("causal"));
        assertEquals(PairKind.ISOLATE, PairKind.parseOrNull("isolate"));
        assertNull(PairKind.parseOrNull("both"));
        assertEquals(PairSplit.TEST_CONTEXT, PairSplit.parseOrNull("test_context"));
        assertEquals(Split.TRAIN, PairSplit.TEST_CONTEXT.entitySplit());
        assertEquals(Split.TEST, PairSplit.TEST_CONTEXT.templateSplit());
        assertEquals(Split.TEST, PairSplit.TEST_ENTITY.entitySplit());
        assertEquals(Split.TRAIN, PairSplit.TEST_ENTITY.templateSplit());
    }

    @Test
    void pairTexts() {
        Pair cause = new Pair("city", "Country", "Country", "Language", PairKind.CAUSE, "train", "city: %s, country:",
                "Qaminis", "Most residents of %s speak", "Boston", Pair.instruction("Qaminis", "Boston", "Country"),
                "Libya", "United States", "United States", true);
        assertEquals("Qaminis ; Boston - Country", cause.instruction());
        assertEquals("city: Qaminis, country:", cause.basePrompt());
        assertEquals("city: Qaminis", cause.basePrefix());
        assertEquals("Most residents of Boston", cause.sourcePrefix());
        assertEquals("city: Boston, country:", cause.verifyPrompt());
        assertEquals(false, cause.withKnowsIt(false).knowsIt());
    }

    @Test
    void prefixThroughLastMentionFollowsALaterLiteralMention() {
        assertEquals("Lima is big; Lima", Template.prefixThroughLastMention("%s is big; Lima has trams", "Lima"));
        assertEquals("Lima, Peru. Lima", Template.prefixThroughLastMention("Lima, Peru. %s is big", "Lima"));
        assertEquals("Lima", Template.prefixThroughLastMention("%s", "Lima"));
    }
}
