package org.hyperdas.tests.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.export.InferenceInputs;
import org.hyperdas.runtime.feeds.Feed;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.junit.jupiter.api.Test;

/**
 * The inputs {@code infer} builds from three texts (base prompt, source prompt, instruction) are
 * exactly the in-process batcher's tensors of the same pair, over the base prompt's tokens: ids,
 * masks, intervention masks and the last entity positions.
 */
class InferenceInputsMatchTheBatcherTest {
    @Test
    void textsGiveTheBatchersTensorsForEveryTestPair() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        List<Outcome> outcomes = PredictionFile.read(runs.hyperdasRun().resolve("hyperdas-soft")
                .resolve(RunFolder.PREDICTIONS));
        try (HfTokenizer tok = HfTokenizer.open(runs.hyperdasExport().resolve("tokenizer.json"))) {
            Batcher batcher = new Batcher(tok, Batcher.Options.defaults(tok).withBatchSize(1).withOnlyKnown(false));
            for (Outcome o : outcomes) {
                Pair p = o.pair();
                PairBatch b = batcher.batch(List.of(p));
                InferenceInputs x = InferenceInputs.of(tok, p.basePrompt(), p.sourcePrompt(), p.instruction());
                int prompt = (int) b.labelPositions().get(0, 0) + 1;
                String what = p.instruction() + " / " + p.basePrompt();
                assertArrayEquals(Arrays.copyOf(b.baseIds().row(0), prompt), x.baseIds()[0], what);
                assertArrayEquals(Arrays.copyOf(b.baseMask().row(0), prompt), x.baseMask()[0], what);
                assertArrayEquals(Arrays.copyOf(b.baseInterventionMask().row(0), prompt), x.baseInterventionMask()[0],
                        what);
                assertArrayEquals(b.sourceIds().row(0), x.sourceIds()[0], what);
                assertArrayEquals(b.sourceMask().row(0), x.sourceMask()[0], what);
                assertArrayEquals(b.sourceInterventionMask().row(0), x.sourceInterventionMask()[0], what);
                assertArrayEquals(b.instructionIds().row(0), x.instructionIds()[0], what);
                assertArrayEquals(b.instructionMask().row(0), x.instructionMask()[0], what);
                assertEquals(b.baseEntityLast().get(0), x.baseEntityLast()[0], what);
                assertEquals(b.sourceEntityLast().get(0), x.sourceEntityLast()[0], what);
                // The same schema feeds: everything infer feeds, the batch carries; the sites agree.
                assertTrue(b.feeds().keySet().containsAll(x.feeds().keySet()), what);
                for (Feed site : List.of(FeedSchema.BASE_POSITIONS, FeedSchema.SOURCE_POSITIONS, FeedSchema.SITE_MASK)) {
                    assertArrayEquals(b.feeds().get(site).row(0), x.feeds().get(site)[0], what + " " + site);
                }
            }
            System.out.printf("infer inputs: %d test pairs tokenized exactly as the batcher does%n", outcomes.size());
        }
    }

    @Test
    void appendedTokensAreOutsideTheInterventionMask() throws Exception {
        ExportFixture.Runs runs = ExportFixture.get();
        try (HfTokenizer tok = HfTokenizer.open(runs.hyperdasExport().resolve("tokenizer.json"))) {
            InferenceInputs x = InferenceInputs.of(tok, "Paris is a city in", "Tokyo is a city in",
                    "Paris ; Tokyo - Country");
            InferenceInputs y = x.appendBaseTokens(new long[] {7});
            int n = x.baseIds()[0].length;
            assertEquals(n + 1, y.baseIds()[0].length);
            assertEquals(7, y.baseIds()[0][n]);
            assertEquals(1, y.baseMask()[0][n]);
            assertEquals(0, y.baseInterventionMask()[0][n]);
            assertArrayEquals(x.baseInterventionMask()[0], Arrays.copyOf(y.baseInterventionMask()[0], n));
            assertEquals(1, x.baseEntityLast()[0]);
        }
    }
}
