package org.hyperdas.evaluation.batch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.hyperdas.evaluation.arrow.PairReader;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.LabelSpace;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfTokenizer;

/**
 * Tokenizes pairs with the target model's tokenizer into {@link PairBatch}es.
 *
 * <p>Sequences: base = tokens of (base prompt, expected label joined by {@link LabelSpace}: a
 * space between them unless the prompt ends in a space, quote or parenthesis) with the tokenizer's
 * special tokens (BOS); the label tokens are those after the base prompt's own tokens (when the
 * boundary merges into one token, the label starts at that token). Source = tokens of the source
 * prompt; instruction = tokens of the instruction text. The last entity token is found by
 * tokenizing the prompt up to the end of the entity: the position of its last token, or of the
 * first full-prompt token that differs from it when the entity merges with what follows.
 *
 * <p>Intervention masks (what the hypernetwork may read and the selection may pick): by default
 * BOS .. the last token of the entity's last mention in each prompt, wherever it sits (a Wikipedia
 * passage names it mid-text, sometimes twice: the mask stops at the last mention, as the reference's
 * does, and the rest of the passage stays hidden). With
 * {@link MaskVisibility} suffix visibility on, the whole base prompt (not its label tokens) or the
 * whole source prompt.
 *
 * <p>{@link #batches(Path)} streams a pair file record batch by record batch, so a file never
 * sits on the heap as a whole.
 */
public final class Batcher {
    /**
     * @param batchSize      pairs per batch
     * @param maxLabelTokens keep at most this many label tokens (0: all)
     * @param padId          id written at padded positions (masks say which are real)
     * @param padToMultiple  round sequence lengths up to a multiple of this (1: no rounding)
     * @param onlyKnown      skip pairs whose knows_it is false
     * @param maxPositions   the model's max_position_embeddings: a longer base or source text is
     *                       refused, since positions past it were never trained (0: no limit)
     * @param visibility     how much of each prompt the intervention masks cover
     */
    public record Options(int batchSize, int maxLabelTokens, long padId, int padToMultiple, boolean onlyKnown,
            int maxPositions, MaskVisibility visibility) {
        public Options {
            if (batchSize <= 0 || maxLabelTokens < 0 || padToMultiple <= 0 || maxPositions < 0) {
                throw new IllegalArgumentException("batchSize > 0, maxLabelTokens >= 0, padToMultiple > 0,"
                        + " maxPositions >= 0 required");
            }
            java.util.Objects.requireNonNull(visibility, "visibility");
        }

        /** Batch size 16, all label tokens, pad with EOS (or 0), no rounding, skip unknown pairs. */
        public static Options defaults(HfTokenizer tokenizer) {
            return new Options(16, 0, tokenizer.eosId().orElse(0), 1, true, 0, MaskVisibility.ENTITY);
        }

        public Options withBatchSize(int b) {
            return new Options(b, maxLabelTokens, padId, padToMultiple, onlyKnown, maxPositions, visibility);
        }

        public Options withMaxLabelTokens(int m) {
            return new Options(batchSize, m, padId, padToMultiple, onlyKnown, maxPositions, visibility);
        }

        public Options withOnlyKnown(boolean k) {
            return new Options(batchSize, maxLabelTokens, padId, padToMultiple, k, maxPositions, visibility);
        }

        public Options withPadToMultiple(int m) {
            return new Options(batchSize, maxLabelTokens, padId, m, onlyKnown, maxPositions, visibility);
        }

        public Options withMaxPositions(int m) {
            return new Options(batchSize, maxLabelTokens, padId, padToMultiple, onlyKnown, m, visibility);
        }

        public Options withVisibility(MaskVisibility v) {
            return new Options(batchSize, maxLabelTokens, padId, padToMultiple, onlyKnown, maxPositions, v);
        }
    }

    private final HfTokenizer tokenizer;
    private final Options options;

    public Batcher(HfTokenizer tokenizer, Options options) {
        this.tokenizer = tokenizer;
        this.options = options;
    }

    public Batcher(HfTokenizer tokenizer) {
        this(tokenizer, Options.defaults(tokenizer));
    }

    public Options options() {
        return options;
    }

    /** The teacher-forcing text of a pair: base prompt and expected label, joined by {@link LabelSpace}. */
    public static String teacherForcedText(Pair p) {
        return LabelSpace.join(p.basePrompt(), p.expectedLabel());
    }

    /** Tokenizes a list of pairs into one batch (all of them, whatever the batch size option). */
    public PairBatch batch(List<Pair> pairs) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        return toTensors(pairs, align(pairs));
    }

    /**
     * The token rows of a batch before padding.
     *
     * @param base         teacher-forced base tokens, cut after the kept label tokens
     * @param label        the kept label tokens
     * @param labelStart   index in {@code base} of each row's first label token
     * @param baseEntity   position of the last entity token in {@code base}
     * @param source       source prompt tokens
     * @param sourceEntity position of the last entity token in {@code source}
     * @param instruction  instruction tokens
     */
    private record Aligned(long[][] base, long[][] label, int[] labelStart, int[] baseEntity, long[][] source,
            int[] sourceEntity, long[][] instruction) {
    }

    /** Tokenizes the pairs' texts and places the label and the last entity tokens. */
    private Aligned align(List<Pair> pairs) {
        int b = pairs.size();
        List<String> basePrompt = new ArrayList<>(b);
        List<String> baseFull = new ArrayList<>(b);
        List<String> basePrefix = new ArrayList<>(b);
        List<String> sourcePrompt = new ArrayList<>(b);
        List<String> sourcePrefix = new ArrayList<>(b);
        List<String> instruction = new ArrayList<>(b);
        for (Pair p : pairs) {
            basePrompt.add(p.basePrompt());
            baseFull.add(teacherForcedText(p));
            basePrefix.add(p.basePrefix());
            sourcePrompt.add(p.sourcePrompt());
            sourcePrefix.add(p.sourcePrefix());
            instruction.add(p.instruction());
        }
        long[][] bp = ids(basePrompt);
        long[][] bf = ids(baseFull);
        long[][] bx = ids(basePrefix);
        long[][] sp = ids(sourcePrompt);
        long[][] sx = ids(sourcePrefix);
        long[][] in = ids(instruction);

        long[][] base = new long[b][];
        long[][] label = new long[b][];
        int[] labelStart = new int[b];
        int[] baseEntity = new int[b];
        int[] sourceEntity = new int[b];
        for (int i = 0; i < b; i++) {
            int start = commonPrefix(bp[i], bf[i]);
            if (start >= bf[i].length) {
                throw new IllegalStateException("label \"" + pairs.get(i).expectedLabel() + "\" of pair " + i
                        + " produced no tokens after the base prompt");
            }
            int n = bf[i].length - start;
            if (options.maxLabelTokens() > 0) {
                n = Math.min(n, options.maxLabelTokens());
            }
            if (start == 0) {
                throw new IllegalStateException("base prompt of pair " + i + " shares no token with its "
                        + "teacher-forced text; can't place the label");
            }
            labelStart[i] = start;
            base[i] = Arrays.copyOf(bf[i], start + n);
            label[i] = Arrays.copyOfRange(bf[i], start, start + n);
            baseEntity[i] = Math.min(lastEntityToken(bx[i], bf[i]), start - 1);
            sourceEntity[i] = lastEntityToken(sx[i], sp[i]);
            requireWithinPositions(pairs.get(i), "base prompt and label", base[i].length);
            requireWithinPositions(pairs.get(i), "source prompt", sp[i].length);
        }
        return new Aligned(base, label, labelStart, baseEntity, sp, sourceEntity, in);
    }

    private void requireWithinPositions(Pair p, String what, int tokens) {
        if (options.maxPositions() > 0 && tokens > options.maxPositions()) {
            throw new BadInputException("pair (" + p.split() + ", " + p.entityType() + "." + p.attribute() + ", "
                    + p.kind().label() + ", base \"" + p.basePrompt() + "\"): its " + what + " take " + tokens
                    + " tokens, more than the target's max_position_embeddings " + options.maxPositions()
                    + ": expected pairs that fit the model (check the pair data)");
        }
    }

    /** Pads the rows into the batch tensors and their masks. */
    private PairBatch toTensors(List<Pair> pairs, Aligned a) {
        int b = pairs.size();
        long[][] base = a.base();
        MaskVisibility visibility = options.visibility();
        long[][] label = a.label();
        long[][] sp = a.source();
        long[][] in = a.instruction();
        int tb = pad(max(base));
        int ts = pad(max(sp));
        int ti = pad(max(in));
        int tl = pad(max(label));
        long padId = options.padId();

        LongTensor baseIds = filled(b, tb, padId);
        LongTensor baseMask = LongTensor.zeros(b, tb);
        LongTensor baseIv = LongTensor.zeros(b, tb);
        LongTensor srcIds = filled(b, ts, padId);
        LongTensor srcMask = LongTensor.zeros(b, ts);
        LongTensor srcIv = LongTensor.zeros(b, ts);
        LongTensor insIds = filled(b, ti, padId);
        LongTensor insMask = LongTensor.zeros(b, ti);
        LongTensor labIds = filled(b, tl, padId);
        LongTensor labMask = LongTensor.zeros(b, tl);
        LongTensor labPos = LongTensor.zeros(b, tl);
        LongTensor baseLast = LongTensor.zeros(b);
        LongTensor srcLast = LongTensor.zeros(b);
        LongTensor cause = LongTensor.zeros(b);
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < base[i].length; t++) {
                baseIds.set(i, t, base[i][t]);
                baseMask.set(i, t, 1);
                if (visibility.baseSuffix() ? t < a.labelStart()[i] : t <= a.baseEntity()[i]) {
                    baseIv.set(i, t, 1);
                }
            }
            for (int t = 0; t < sp[i].length; t++) {
                srcIds.set(i, t, sp[i][t]);
                srcMask.set(i, t, 1);
                if (visibility.sourceSuffix() || t <= a.sourceEntity()[i]) {
                    srcIv.set(i, t, 1);
                }
            }
            for (int t = 0; t < in[i].length; t++) {
                insIds.set(i, t, in[i][t]);
                insMask.set(i, t, 1);
            }
            for (int j = 0; j < label[i].length; j++) {
                labIds.set(i, j, label[i][j]);
                labMask.set(i, j, 1);
                labPos.set(i, j, a.labelStart()[i] + j - 1);
            }
            baseLast.set(i, a.baseEntity()[i]);
            srcLast.set(i, a.sourceEntity()[i]);
            cause.set(i, pairs.get(i).kind() == PairKind.CAUSE ? 1 : 0);
        }
        return new PairBatch(pairs, baseIds, baseMask, baseIv, srcIds, srcMask, srcIv, insIds, insMask, labIds, labMask,
                labPos, baseLast, srcLast, cause);
    }

    /** Batches of {@link Options#batchSize} pairs from an iterator (the last may be smaller). */
    public Iterator<PairBatch> batches(Iterator<Pair> pairs) {
        return new Iterator<>() {
            List<Pair> pending;

            @Override
            public boolean hasNext() {
                if (pending == null) {
                    pending = new ArrayList<>(options.batchSize());
                    while (pending.size() < options.batchSize() && pairs.hasNext()) {
                        Pair p = pairs.next();
                        if (!options.onlyKnown() || p.knowsIt()) {
                            pending.add(p);
                        }
                    }
                }
                return !pending.isEmpty();
            }

            @Override
            public PairBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<Pair> ps = pending;
                pending = null;
                return batch(ps);
            }
        };
    }

    /** A stream of batches read from a pair file; close it to release the file. */
    public BatchStream batches(Path pairFile) {
        PairReader reader = PairReader.open(pairFile);
        return new BatchStream(reader, batches(reader));
    }

    /** Batches streamed from a pair file. */
    public static final class BatchStream implements Iterator<PairBatch>, AutoCloseable {
        private final PairReader reader;
        private final Iterator<PairBatch> it;

        BatchStream(PairReader reader, Iterator<PairBatch> it) {
            this.reader = reader;
            this.it = it;
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public PairBatch next() {
            return it.next();
        }

        @Override
        public void close() {
            reader.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    private long[][] ids(List<String> texts) {
        HfTokenizer.Encoded[] e = tokenizer.tokenizeBatch(texts, true);
        long[][] out = new long[e.length][];
        for (int i = 0; i < e.length; i++) {
            out[i] = e[i].ids();
        }
        return out;
    }

    /**
     * Position of the last entity token in the full prompt's tokens: the prefix (through the
     * entity) tokenized alone is normally a prefix of the full tokens; if the entity's last token
     * merged with following text, the first differing full token holds the entity's end.
     */
    static int lastEntityToken(long[] prefix, long[] full) {
        int cp = commonPrefix(prefix, full);
        int pos = cp == prefix.length ? prefix.length - 1 : cp;
        return Math.max(0, Math.min(pos, full.length - 1));
    }

    static int commonPrefix(long[] a, long[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private static int max(long[][] rows) {
        int m = 0;
        for (long[] r : rows) {
            m = Math.max(m, r.length);
        }
        return m;
    }

    private int pad(int n) {
        int m = options.padToMultiple();
        return Math.max(1, (n + m - 1) / m * m);
    }

    private static LongTensor filled(int rows, int cols, long value) {
        LongTensor t = LongTensor.zeros(rows, cols);
        if (value != 0) {
            for (int i = 0; i < rows * cols; i++) {
                t.set(i, value);
            }
        }
        return t;
    }
}
