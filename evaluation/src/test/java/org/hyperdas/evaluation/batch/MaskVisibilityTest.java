package org.hyperdas.evaluation.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.hyperdas.evaluation.pairs.LabelSpace;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;

/** Intervention masks and label placement on quoted templates and Wikipedia passages (Llama 3 tokenizer). */
class MaskVisibilityTest {
    /** Base template ending in a quote; source a Wikipedia passage naming the entity mid-text. */
    private static final Pair PASSAGE = new Pair("city", "Country", "Country", "wikipedia", PairKind.CAUSE, "train",
            "[{\"city\": \"Madrid\", \"country\": \"Spain\"}, {\"city\": \"%s\", \"country\": \"", "Paris",
            "On 7 April 1955, after the merger of %s's cross-town rival, the club moved to a new ground", "Lima",
            "Paris ; Lima - Country", "France", "Peru", "Peru", true);

    /** A passage naming its entity again after the slot: the mask runs to the later mention, as the reference's does. */
    @Test
    void theMaskRunsToTheEntitysLastMention() {
        Pair twice = new Pair("city", "Country", "Country", "wikipedia", PairKind.CAUSE, "train",
                "%s is a city situated in the country of", "Paris",
                "The port of %s grew fast; by 1900 Lima had a tram line and a university", "Lima",
                "Paris ; Lima - Country", "France", "Peru", "Peru", true);
        assertEquals("The port of Lima grew fast; by 1900 Lima", twice.sourcePrefix());
        try (HfTokenizer tok = HfTokenizer.open(SharedData.require("tokenizers/llama3/tokenizer.json"))) {
            PairBatch b = new Batcher(tok).batch(List.of(twice));
            int src = PairBatch.length(b.sourceInterventionMask(), 0);
            assertEquals("The port of Lima grew fast; by 1900 Lima", decode(tok, b, b.sourceIds(), 0, src));
            assertEquals(src - 1, b.sourceEntityLast().get(0));
        }
    }

    private static String decode(HfTokenizer tok, PairBatch b, LongTensor ids, int row, int n) {
        return tok.decode(ids.row(row, n), true);
    }

    @Test
    void quotedTemplateLabelHasNoLeadingSpace() {
        try (HfTokenizer tok = HfTokenizer.open(SharedData.require("tokenizers/llama3/tokenizer.json"))) {
            PairBatch b = new Batcher(tok).batch(List.of(PASSAGE));
            int labels = PairBatch.length(b.labelMask(), 0);
            assertEquals("Peru", tok.decode(b.labelIds().row(0, labels), true));
            assertEquals(LabelSpace.join(PASSAGE.basePrompt(), "Peru"),
                    decode(tok, b, b.baseIds(), 0, PairBatch.length(b.baseMask(), 0)));
            assertTrue(Batcher.teacherForcedText(PASSAGE).endsWith("\"country\": \"Peru"));
        }
    }

    @Test
    void entityMasksStopAtTheMentionSuffixMasksCoverThePrompt() {
        try (HfTokenizer tok = HfTokenizer.open(SharedData.require("tokenizers/llama3/tokenizer.json"))) {
            Batcher.Options o = Batcher.Options.defaults(tok);
            PairBatch off = new Batcher(tok, o).batch(List.of(PASSAGE));
            // Off: BOS .. the mention's last token, on both sides; the passage's rest stays hidden.
            int src = PairBatch.length(off.sourceInterventionMask(), 0);
            assertEquals("On 7 April 1955, after the merger of Lima", decode(tok, off, off.sourceIds(), 0, src));
            assertTrue(src < PairBatch.length(off.sourceMask(), 0));
            int base = PairBatch.length(off.baseInterventionMask(), 0);
            assertEquals("[{\"city\": \"Madrid\", \"country\": \"Spain\"}, {\"city\": \"Paris",
                    decode(tok, off, off.baseIds(), 0, base));

            PairBatch on = new Batcher(tok, o.withVisibility(new MaskVisibility(true, true))).batch(List.of(PASSAGE));
            assertEquals(PairBatch.length(on.sourceMask(), 0), PairBatch.length(on.sourceInterventionMask(), 0));
            int labelStart = (int) on.labelPositions().get(0, 0) + 1;
            assertEquals(labelStart, PairBatch.length(on.baseInterventionMask(), 0));
            assertEquals(PASSAGE.basePrompt(), decode(tok, on, on.baseIds(), 0, labelStart));

            PairBatch sourceOnly = new Batcher(tok, o.withVisibility(new MaskVisibility(false, true)))
                    .batch(List.of(PASSAGE));
            assertEquals(base, PairBatch.length(sourceOnly.baseInterventionMask(), 0));
            assertEquals(PairBatch.length(on.sourceMask(), 0), PairBatch.length(sourceOnly.sourceInterventionMask(), 0));
            // Everything else is the same batch.
            assertEquals(off.baseIds(), on.baseIds());
            assertEquals(off.sourceIds(), on.sourceIds());
            assertEquals(off.labelIds(), on.labelIds());
        }
    }
}
