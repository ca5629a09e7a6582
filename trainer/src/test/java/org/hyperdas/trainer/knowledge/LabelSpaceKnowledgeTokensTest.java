package org.hyperdas.trainer.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.pairs.LabelSpace;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairBuilder;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.trainer.tokenizer.WordLevelTokenizerBuilder;
import org.junit.jupiter.api.Test;

/**
 * What the label rule does to the knowledge model's word-level tokens on the embedded data: the
 * answer after a quoted template becomes one piece without the leading space (Ġ), every other
 * pair keeps its pieces, and the corpus the vocabulary is built from contains every new piece.
 */
class LabelSpaceKnowledgeTokensTest {
    private static List<String> labelPieces(String prompt, String text) {
        List<String> p = WordLevelTokenizerBuilder.preTokenize(prompt);
        List<String> f = WordLevelTokenizerBuilder.preTokenize(text);
        int start = 0;
        while (start < p.size() && start < f.size() && p.get(start).equals(f.get(start))) {
            start++;
        }
        return f.subList(start, f.size());
    }

    @Test
    void onlyPairsAfterAQuoteChangeTheirLabelPieces() {
        KnowledgeCorpus corpus = KnowledgeCorpus.of(List.of(RavelLoader.loadEmbedded("city"),
                RavelLoader.loadEmbedded("physical_object")));
        Map<String, Integer> vocab = new WordLevelTokenizerBuilder().addAll(corpus.vocabularyTexts()).build().vocab();
        List<Pair> pairs = new ArrayList<>();
        for (String type : RavelLoader.EMBEDDED_TYPES) {
            PairBuilder b = new PairBuilder(RavelLoader.loadEmbedded(type), PairOptions.defaults(0));
            for (PairSplit s : PairOptions.DEFAULT_SPLITS) {
                pairs.addAll(b.buildAll(s));
            }
        }
        int changed = 0;
        int laterMention = 0;
        for (Pair p : pairs) {
            laterMention += p.basePrefix().equals(org.hyperdas.evaluation.ravel.Template.prefixThroughEntity(
                    p.baseTemplate(), p.baseEntity())) && p.sourcePrefix().equals(
                    org.hyperdas.evaluation.ravel.Template.prefixThroughEntity(p.sourceTemplate(), p.sourceEntity()))
                    ? 0 : 1;
            String prompt = p.basePrompt();
            List<String> before = labelPieces(prompt, prompt + " " + p.expectedLabel());
            List<String> after = labelPieces(prompt, Batcher.teacherForcedText(p));
            boolean unspaced = LabelSpace.separator(prompt).isEmpty();
            assertEquals(unspaced, !before.equals(after), prompt + " | " + before + " | " + after);
            if (unspaced) {
                changed++;
                assertEquals("\u0120" + after.get(0), before.get(0));
                assertEquals(before.subList(1, before.size()), after.subList(1, after.size()));
            }
            for (String piece : after) {
                assertTrue(vocab.containsKey(piece), "not in the knowledge vocabulary: " + piece + " of " + prompt);
            }
        }
        System.out.printf("embedded pairs (seed 0, default limits): %d of %d change their label tokens%n", changed,
                pairs.size());
        assertTrue(changed > 0 && changed < pairs.size());
        // No embedded prompt names its entity again after the slot: masks are as they were.
        assertEquals(0, laterMention);
    }
}
