package org.hyperdas.trainer.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.junit.jupiter.api.Test;

/** Facts, sentences and the template rotation over the embedded dataset. */
class KnowledgeCorpusTest {
    private final KnowledgeCorpus corpus = KnowledgeCorpus.of(
            List.of(RavelLoader.loadEmbedded("city"), RavelLoader.loadEmbedded("physical_object")));

    @Test
    void factsAndSentencesOfTheEmbeddedData() {
        assertEquals(275 * 4 + 119 * 4, corpus.facts().size());
        assertEquals(10L * corpus.facts().size(), corpus.allSentenceCount());
        assertEquals(List.of("Country", "Continent", "Language", "Timezone"), corpus.attributes("city"));
        KnowledgeCorpus.Sentence s = corpus.allSentences().iterator().next();
        assertTrue(s.prompt().contains(s.fact().entity()), s.prompt());
        assertTrue(!s.prompt().contains("%s"));
    }

    @Test
    void templatesRotateSoEverySentenceComesOnceEveryTenEpochs() {
        Set<String> seen = new HashSet<>();
        for (int epoch = 0; epoch < 10; epoch++) {
            List<KnowledgeCorpus.Sentence> sentences = corpus.epoch(3, epoch, 1);
            assertEquals(corpus.facts().size(), sentences.size());
            Map<String, Integer> entitiesPerTemplate = new HashMap<>();
            for (KnowledgeCorpus.Sentence s : sentences) {
                assertTrue(seen.add(s.prompt() + "|" + s.value()), "repeated within 10 epochs: " + s.prompt());
                entitiesPerTemplate.merge(s.template().text(), 1, Integer::sum);
            }
            // Every template of every attribute is used in every epoch, with several entities.
            assertEquals(80, entitiesPerTemplate.size());
            assertTrue(entitiesPerTemplate.values().stream().allMatch(n -> n >= 3), entitiesPerTemplate.toString());
        }
        assertEquals(corpus.allSentenceCount(), seen.size());
        assertEquals(corpus.epoch(3, 4, 1), corpus.epoch(3, 4, 1));
        assertEquals(2 * corpus.facts().size(), corpus.epoch(3, 0, 2).size());
    }
}
