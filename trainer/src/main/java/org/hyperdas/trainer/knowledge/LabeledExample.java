package org.hyperdas.trainer.knowledge;

import java.util.ArrayList;
import java.util.List;
import org.hyperdas.evaluation.pairs.LabelSpace;
import org.hyperdas.runtime.hf.HfTokenizer;

/**
 * A teacher-forced sequence: {@code ids} = tokens of (prompt and value joined by {@link LabelSpace}) with the tokenizer's
 * special tokens (BOS), cut after the label tokens, optionally followed by EOS; the label tokens
 * are those after the prompt's own tokens (the same rule as the evaluation Batcher and RAVEL's
 * scorer: when the boundary merges into one token, the label starts at that token).
 *
 * @param ids the sequence
 * @param labelStart index in {@code ids} of the first label token (>= 1)
 */
public record LabeledExample(long[] ids, int labelStart) {
    /** Label tokens (value tokens, plus EOS when it was appended). */
    public int labelCount() {
        return ids.length - labelStart;
    }

    public int length() {
        return ids.length;
    }

    /**
     * Tokenizes prompt/value pairs.
     *
     * @param maxValueTokens keep at most this many value tokens (0: all)
     * @param appendEos append EOS after the value as one more label token (training: the model
     *     learns to stop after the value)
     * @throws IllegalArgumentException when a value gives no token after its prompt
     */
    public static List<LabeledExample> tokenize(HfTokenizer tokenizer, List<String> prompts, List<String> values,
            int maxValueTokens, boolean appendEos) {
        if (prompts.size() != values.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + values.size() + " values");
        }
        List<String> full = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            full.add(LabelSpace.join(prompts.get(i), values.get(i)));
        }
        HfTokenizer.Encoded[] p = tokenizer.tokenizeBatch(prompts, true);
        HfTokenizer.Encoded[] f = tokenizer.tokenizeBatch(full, true);
        long eos = appendEos ? tokenizer.eosId().orElseThrow(
                () -> new IllegalArgumentException(tokenizer.path() + ": the tokenizer has no EOS token")) : -1;
        List<LabeledExample> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            long[] pi = p[i].ids();
            long[] fi = f[i].ids();
            int start = 0;
            while (start < pi.length && start < fi.length && pi[start] == fi[start]) {
                start++;
            }
            if (start >= fi.length || start == 0) {
                throw new IllegalArgumentException("value \"" + values.get(i) + "\" gives no label token after prompt \""
                        + prompts.get(i) + "\"");
            }
            int n = fi.length - start;
            if (maxValueTokens > 0) {
                n = Math.min(n, maxValueTokens);
            }
            long[] ids = new long[start + n + (appendEos ? 1 : 0)];
            System.arraycopy(fi, 0, ids, 0, start + n);
            if (appendEos) {
                ids[ids.length - 1] = eos;
            }
            out.add(new LabeledExample(ids, start));
        }
        return out;
    }
}
