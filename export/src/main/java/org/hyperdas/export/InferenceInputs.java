package org.hyperdas.export;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hyperdas.evaluation.batch.LongTensor;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.Feed;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.feeds.PromptFeeds;
import org.hyperdas.runtime.hf.HfTokenizer;

/**
 * The int64 inputs of the exported graphs for a batch of examples, built exactly as the in-process
 * batcher builds them (evaluation's {@code Batcher}), so the exported graphs see the same tensors:
 * <ul>
 *   <li>base / source / instruction: the tokenizer's ids with its special tokens (BOS first), right
 *       padded with {@code padId}, masks 1 on real tokens;
 *   <li>intervention masks: 1 on BOS .. the last token of the entity, found by tokenizing the text
 *       up to the end of the entity's first occurrence: the last token of that prefix, or the first
 *       token of the full text that differs from it when the entity merges with what follows;
 *   <li>the entities come from the instruction "&lt;base entity&gt; ; &lt;source entity&gt; -
 *       &lt;Attribute&gt;".
 * </ul>
 * Rows are rectangular; {@code [batch][seq]}.
 *
 * @param baseEntityLast per example, the base position of the last base-entity token (das sites)
 * @param sourceEntityLast per example, the source position of the last source-entity token
 */
public record InferenceInputs(long[][] baseIds, long[][] baseMask, long[][] baseInterventionMask,
        long[][] sourceIds, long[][] sourceMask, long[][] sourceInterventionMask, long[][] instructionIds,
        long[][] instructionMask, long[] baseEntityLast, long[] sourceEntityLast) {

    /** The parts of a HyperDAS instruction. */
    public record Instruction(String baseEntity, String sourceEntity, String attribute) {
        public static final String FORM = "\"<base entity> ; <source entity> - <Attribute>\"";

        /**
         * Splits "Paris ; Tokyo - Country" at the first " ; " and the last " - ".
         *
         * @throws BadInputException when the text is not of that form
         */
        public static Instruction parse(String text) {
            int semi = text.indexOf(" ; ");
            int dash = text.lastIndexOf(" - ");
            if (semi <= 0 || dash <= semi + 3 || dash + 3 >= text.length()) {
                throw new BadInputException("--instruction \"" + text + "\": expected the form " + FORM
                        + ", e.g. \"Paris ; Tokyo - Country\"");
            }
            return new Instruction(text.substring(0, semi).trim(), text.substring(semi + 3, dash).trim(),
                    text.substring(dash + 3).trim());
        }
    }

    /** One example from its texts, padded with nothing. */
    public static InferenceInputs of(HfTokenizer tokenizer, String base, String source, String instruction) {
        Instruction parts = Instruction.parse(instruction);
        long[] b = tokenizer.encode(base);
        long[] s = tokenizer.encode(source);
        long[] in = tokenizer.encode(instruction);
        int baseLast = lastEntityToken(tokenizer.encode(prefixThrough(base, parts.baseEntity(), "--base", "base")), b);
        int sourceLast = lastEntityToken(
                tokenizer.encode(prefixThrough(source, parts.sourceEntity(), "--source", "source")), s);
        return new InferenceInputs(new long[][] {b}, new long[][] {ones(b.length)},
                new long[][] {through(b.length, baseLast)}, new long[][] {s}, new long[][] {ones(s.length)},
                new long[][] {through(s.length, sourceLast)}, new long[][] {in}, new long[][] {ones(in.length)},
                new long[] {baseLast}, new long[] {sourceLast});
    }

    /**
     * The inputs of a batch of the in-process batcher, tensor for tensor (its padding included):
     * the base sequence holds the teacher-forced text, prompt and label.
     */
    public static InferenceInputs of(PairBatch b) {
        return new InferenceInputs(rows(b.baseIds()), rows(b.baseMask()), rows(b.baseInterventionMask()),
                rows(b.sourceIds()), rows(b.sourceMask()), rows(b.sourceInterventionMask()), rows(b.instructionIds()),
                rows(b.instructionMask()), b.baseEntityLast().toArray(), b.sourceEntityLast().toArray());
    }

    private static long[][] rows(LongTensor t) {
        long[][] out = new long[t.dim(0)][];
        for (int r = 0; r < out.length; r++) {
            out[r] = t.row(r);
        }
        return out;
    }

    /** The text up to and including the first occurrence of {@code entity}. */
    static String prefixThrough(String text, String entity, String flag, String which) {
        int at = text.indexOf(entity);
        if (entity.isEmpty() || at < 0) {
            throw new BadInputException(flag + " \"" + text + "\": the " + which + " entity \"" + entity
                    + "\" (from --instruction) does not occur in it; expected the instruction's " + which
                    + " entity to appear verbatim in the " + which + " text");
        }
        return text.substring(0, at + entity.length());
    }

    /**
     * The position of the entity's last token among the full text's tokens, as the batcher finds it:
     * the prefix (through the entity) tokenized alone is normally a prefix of the full tokens; when
     * the entity's last token merged with what follows, the first differing full token holds it.
     */
    public static int lastEntityToken(long[] prefix, long[] full) {
        int n = Math.min(prefix.length, full.length);
        int cp = 0;
        while (cp < n && prefix[cp] == full[cp]) {
            cp++;
        }
        int pos = cp == prefix.length ? prefix.length - 1 : cp;
        return Math.max(0, Math.min(pos, full.length - 1));
    }

    /**
     * The int64 feeds of the exported graphs, keyed by the schema: the ids, masks and intervention
     * masks, and the one fixed site per example at the last entity tokens
     * ({@link FeedSchema#BASE_POSITIONS}, {@link FeedSchema#SOURCE_POSITIONS}, {@link FeedSchema#SITE_MASK}),
     * each [batch][...].
     */
    public Map<Feed, long[][]> feeds() {
        Map<Feed, long[][]> m = new LinkedHashMap<>();
        new PromptFeeds<>(baseIds, baseMask, baseInterventionMask, sourceIds, sourceMask, sourceInterventionMask,
                instructionIds, instructionMask).putInto(m);
        m.put(FeedSchema.BASE_POSITIONS, column(baseEntityLast));
        m.put(FeedSchema.SOURCE_POSITIONS, column(sourceEntityLast));
        m.put(FeedSchema.SITE_MASK, filled(batch(), 1));
        return m;
    }

    /**
     * The input of an exported graph named {@code name} in its spec: {@link #feeds()}' feed of that name.
     *
     * @throws IllegalArgumentException for a name no spec gives these inputs
     */
    public long[][] input(String name) {
        long[][] rows = FeedSchema.byName(name).map(f -> feeds().get(f)).orElse(null);
        if (rows == null) {
            throw new IllegalArgumentException("no inference input '" + name + "'");
        }
        return rows;
    }

    private static long[][] column(long[] values) {
        long[][] out = new long[values.length][1];
        for (int b = 0; b < values.length; b++) {
            out[b][0] = values[b];
        }
        return out;
    }

    private static long[][] filled(int rows, long value) {
        long[][] out = new long[rows][1];
        for (long[] r : out) {
            r[0] = value;
        }
        return out;
    }

    public int batch() {
        return baseIds.length;
    }

    /**
     * Per row, the position of its last real base token, [batch][1]: the logit positions of a
     * generation step (whose next-token logits give the next token).
     */
    public long[][] lastRealBasePositions() {
        long[][] out = new long[batch()][1];
        for (int b = 0; b < batch(); b++) {
            int last = baseMask[b].length - 1;
            while (last > 0 && baseMask[b][last] == 0) {
                last--;
            }
            out[b][0] = last;
        }
        return out;
    }

    /** Row {@code b}'s base tokens with mask 1 (its real tokens, padding left out). */
    public long[] realBaseIds(int b) {
        return Arrays.copyOf(baseIds[b], (int) Arrays.stream(baseMask[b]).sum());
    }

    /**
     * One more base token per row, after its last real token (greedy decoding): mask 1, outside the
     * intervention mask. Rows are padded to the longest again.
     */
    public InferenceInputs appendBaseTokens(long[] tokens) {
        if (tokens.length != batch()) {
            throw new IllegalArgumentException(tokens.length + " tokens for " + batch() + " rows");
        }
        int width = 0;
        for (int b = 0; b < batch(); b++) {
            width = Math.max(width, realBaseIds(b).length + 1);
        }
        long[][] ids = new long[batch()][width];
        long[][] mask = new long[batch()][width];
        long[][] iv = new long[batch()][width];
        for (int b = 0; b < batch(); b++) {
            long[] real = realBaseIds(b);
            long pad = baseIds[b].length > real.length ? baseIds[b][real.length] : tokens[b];
            Arrays.fill(ids[b], pad);
            System.arraycopy(real, 0, ids[b], 0, real.length);
            ids[b][real.length] = tokens[b];
            Arrays.fill(mask[b], 0, real.length + 1, 1);
            System.arraycopy(baseInterventionMask[b], 0, iv[b], 0, real.length);
        }
        return new InferenceInputs(ids, mask, iv, sourceIds, sourceMask, sourceInterventionMask, instructionIds,
                instructionMask, baseEntityLast, sourceEntityLast);
    }

    private static long[] ones(int n) {
        long[] a = new long[n];
        Arrays.fill(a, 1);
        return a;
    }

    private static long[] through(int n, int last) {
        long[] a = new long[n];
        Arrays.fill(a, 0, last + 1, 1);
        return a;
    }
}
