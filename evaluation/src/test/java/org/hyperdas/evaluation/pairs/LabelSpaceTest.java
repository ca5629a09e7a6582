package org.hyperdas.evaluation.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;

class LabelSpaceTest {
    @Test
    void spaceOnlyWhenThePromptDoesNotEndInASpaceQuoteOrParenthesis() {
        assertEquals("Paris is in France", LabelSpace.join("Paris is in", "France"));
        assertEquals("Paris is in France", LabelSpace.join("Paris is in ", "France"));
        assertEquals("{\"city\": \"Paris\", \"country\": \"France", LabelSpace.join("{\"city\": \"Paris\", \"country\": \"",
                "France"));
        assertEquals("'France", LabelSpace.join("'", "France"));
        assertEquals("Paris (France", LabelSpace.join("Paris (", "France"));
        assertEquals("Paris: France", LabelSpace.join("Paris:", "France"));
        assertEquals(" France", LabelSpace.join("", "France"));
        assertEquals("", LabelSpace.separator("x\""));
        assertEquals(" ", LabelSpace.separator("x)"));
    }

    /** RAVEL's own templates: about half the city templates end in a quote and take the answer unspaced. */
    @Test
    void quotedRavelTemplatesTakeTheAnswerWithoutASpace() {
        Path dir = SharedData.require("ravel/data");
        RavelDataset city = RavelLoader.load(dir, "city");
        long quoted = city.templates().stream().filter(t -> t.text().endsWith("\"")).count();
        long unspaced = city.templates().stream().filter(t -> LabelSpace.separator(t.fill("Paris")).isEmpty()).count();
        assertEquals(273, city.templates().size());
        assertEquals(128, quoted);
        assertTrue(unspaced >= quoted, unspaced + " unspaced, " + quoted + " quoted");
        for (Template t : city.templates()) {
            String prompt = t.fill("Paris");
            String text = LabelSpace.join(prompt, "France");
            assertTrue(text.endsWith("France") && text.startsWith(prompt));
            // Never two spaces, never a space right after a quote.
            assertTrue(!text.contains("  France") && !text.contains("\" France"), text);
        }
    }
}
