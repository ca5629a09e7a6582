package org.hyperdas.evaluation.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.HfDatasetReader;
import org.hyperdas.evaluation.arrow.PairReader;
import org.hyperdas.evaluation.arrow.PairWriter;
import org.hyperdas.evaluation.pairs.LabelSpace;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairBuilder;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatcherTest {
    private static List<Pair> embeddedPairs(int n) {
        List<Pair> all = new ArrayList<>();
        for (String type : RavelLoader.EMBEDDED_TYPES) {
            all.addAll(new PairBuilder(RavelLoader.loadEmbedded(type), PairOptions.defaults(4).withLimits(50, 20))
                    .buildAll(PairSplit.TRAIN));
        }
        // interleave types and kinds
        List<Pair> out = new ArrayList<>();
        for (int i = 0; out.size() < n && i < all.size(); i += 7) {
            out.add(all.get(i));
        }
        return out;
    }

    /** Checks every invariant of a batch against its pairs. */
    private static void check(HfTokenizer tok, PairBatch b, boolean strictLabels) {
        int n = b.size();
        long bos = tok.bosId().orElseThrow();
        for (int i = 0; i < n; i++) {
            Pair p = b.pairs().get(i);
            int tb = PairBatch.length(b.baseMask(), i);
            int ts = PairBatch.length(b.sourceMask(), i);
            int ti = PairBatch.length(b.instructionMask(), i);
            int tl = PairBatch.length(b.labelMask(), i);
            assertEquals(bos, b.baseIds().get(i, 0));
            assertEquals(bos, b.sourceIds().get(i, 0));
            assertEquals(bos, b.instructionIds().get(i, 0));
            // Masks are prefixes: real tokens first, then padding.
            for (LongTensor m : List.of(b.baseMask(), b.sourceMask(), b.instructionMask(), b.labelMask())) {
                int len = PairBatch.length(m, i);
                for (int c = 0; c < m.dim(1); c++) {
                    assertEquals(c < len ? 1 : 0, m.get(i, c));
                }
            }
            // Label tokens sit right after the prompt and are predicted from the position before.
            for (int j = 0; j < tl; j++) {
                int pos = (int) b.labelPositions().get(i, j);
                assertEquals(b.baseIds().get(i, pos + 1), b.labelIds().get(i, j));
            }
            assertEquals(tb, b.labelPositions().get(i, tl - 1) + 2);
            long[] label = b.labelIds().row(i, tl);
            if (strictLabels) {
                assertEquals(LabelSpace.separator(p.basePrompt()) + p.expectedLabel(), tok.decode(label, true), p.toString());
            } else {
                assertTrue(tok.decode(label, true).contains(p.expectedLabel().substring(0, 1)), p.toString());
            }
            // Prompt tokens followed by label tokens decode to the teacher-forced text.
            String baseText = tok.decode(b.baseIds().row(i, tb), true);
            if (strictLabels) {
                assertEquals(Batcher.teacherForcedText(p), baseText);
            } else { // labels may be cut to a few tokens
                assertTrue(Batcher.teacherForcedText(p).startsWith(baseText), baseText);
                assertTrue(baseText.startsWith(p.basePrompt()), baseText);
            }
            assertEquals(p.sourcePrompt(), tok.decode(b.sourceIds().row(i, ts), true));
            assertEquals(p.instruction(), tok.decode(b.instructionIds().row(i, ti), true));
            // Last entity token: the prompt up to it ends with the entity (or its merged token).
            int be = (int) b.baseEntityLast().get(i);
            int se = (int) b.sourceEntityLast().get(i);
            String upToBase = tok.decode(Arrays.copyOf(b.baseIds().row(i), be + 1), true);
            String beforeBase = tok.decode(Arrays.copyOf(b.baseIds().row(i), be), true);
            assertTrue(upToBase.length() >= p.basePrefix().length() && beforeBase.length() < p.basePrefix().length(),
                    "base entity end: '" + upToBase + "' for '" + p.basePrefix() + "'");
            String upToSource = tok.decode(Arrays.copyOf(b.sourceIds().row(i), se + 1), true);
            String beforeSource = tok.decode(Arrays.copyOf(b.sourceIds().row(i), se), true);
            assertTrue(upToSource.length() >= p.sourcePrefix().length()
                    && beforeSource.length() < p.sourcePrefix().length(), upToSource + " / " + p.sourcePrefix());
            assertEquals(be + 1, PairBatch.length(b.baseInterventionMask(), i));
            assertEquals(se + 1, PairBatch.length(b.sourceInterventionMask(), i));
            assertEquals(p.kind() == PairKind.CAUSE ? 1 : 0, b.isCause().get(i));
        }
        assertTrue(b.baseIds().data().isDirect());
    }

    @Test
    void llama3Batches() {
        Path tokFile = SharedData.require("tokenizers/llama3/tokenizer.json");
        try (HfTokenizer tok = HfTokenizer.open(tokFile)) {
            Batcher batcher = new Batcher(tok, Batcher.Options.defaults(tok).withBatchSize(8));
            List<Pair> pairs = embeddedPairs(40);
            List<PairBatch> batches = new ArrayList<>();
            batcher.batches(pairs.iterator()).forEachRemaining(batches::add);
            assertEquals(5, batches.size());
            for (PairBatch b : batches) {
                check(tok, b, true);
                assertEquals(8, b.baseIds().dim(0));
                assertEquals(b.labelIds().dim(1), b.labelPositions().dim(1));
            }
            // A known example: "Paris" in a Country prompt.
            Pair paris = new Pair("city", "Country", "Country", "Country", PairKind.CAUSE, "train",
                    "%s is a city situated in the country of", "Paris", "Q: Which country is %s in? A:", "Lima",
                    "Paris ; Lima - Country", "France", "Peru", "Peru", true);
            PairBatch one = batcher.batch(List.of(paris));
            check(tok, one, true);
            assertEquals(1, one.baseEntityLast().get(0)); // <|begin_of_text|> Paris ...
            assertEquals(List.of("Ġof", "ĠPeru"), List.of(tok.token(one.baseIds().get(0,
                    (int) one.labelPositions().get(0, 0))), tok.token(one.labelIds().get(0, 0))));
            assertEquals(6, one.sourceEntityLast().get(0)); // BOS Q : Which country is ĠLima
        }
    }

    @Test
    void sentencePieceTokenizerAndPadding() {
        Path tokFile = SharedData.require("models/stories260K/tokenizer.json");
        try (HfTokenizer tok = HfTokenizer.open(tokFile)) {
            Batcher batcher = new Batcher(tok, Batcher.Options.defaults(tok).withBatchSize(16).withPadToMultiple(8)
                    .withMaxLabelTokens(3));
            List<Pair> pairs = embeddedPairs(32);
            batcher.batches(pairs.iterator()).forEachRemaining(b -> {
                check(tok, b, false);
                assertEquals(0, b.baseIds().dim(1) % 8);
                assertEquals(0, b.sourceIds().dim(1) % 8);
                assertTrue(b.labelIds().dim(1) <= 8);
                for (int i = 0; i < b.size(); i++) {
                    assertTrue(PairBatch.length(b.labelMask(), i) <= 3);
                    int len = PairBatch.length(b.baseMask(), i);
                    for (int c = len; c < b.baseIds().dim(1); c++) {
                        assertEquals(tok.eosId().orElseThrow(), b.baseIds().get(i, c));
                    }
                }
            });
        }
    }

    @Test
    void streamsFromAPairFileSkippingUnknown(@TempDir Path tmp) throws IOException {
        Path tokFile = SharedData.require("tokenizers/llama3/tokenizer.json");
        Path f = tmp.resolve("p.arrow");
        List<Pair> pairs = embeddedPairs(100);
        PairWriter.write(f, pairs.iterator(), Map.of(), 16, false);
        PairWriter.rewriteKnowsIt(f, p -> p.kind() == PairKind.ISOLATE);
        long known = PairReader.readAll(f).stream().filter(Pair::knowsIt).count();
        try (HfTokenizer tok = HfTokenizer.open(tokFile)) {
            Batcher batcher = new Batcher(tok, Batcher.Options.defaults(tok).withBatchSize(10));
            int rows = 0;
            int batches = 0;
            try (Batcher.BatchStream s = batcher.batches(f)) {
                while (s.hasNext()) {
                    PairBatch b = s.next();
                    check(tok, b, true);
                    b.pairs().forEach(p -> assertEquals(PairKind.ISOLATE, p.kind()));
                    rows += b.size();
                    batches++;
                }
            }
            assertEquals(known, rows);
            assertEquals((known + 9) / 10, batches);
        }
    }

    @Test
    void hyperdasRowsBatchToo() {
        Path dir = SharedData.require("ravel/hyperdas-llama3-8b/city_country_test");
        Path tokFile = SharedData.require("tokenizers/llama3/tokenizer.json");
        List<Pair> pairs = HfDatasetReader.readPairs(dir).subList(0, 64);
        try (HfTokenizer tok = HfTokenizer.open(tokFile)) {
            Batcher batcher = new Batcher(tok, Batcher.Options.defaults(tok).withBatchSize(32));
            batcher.batches(pairs.iterator()).forEachRemaining(b -> check(tok, b, true));
        }
    }
}
