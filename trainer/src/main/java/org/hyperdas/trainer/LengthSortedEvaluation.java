package org.hyperdas.trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;

/**
 * Evaluation of a list of pairs in batches of similar prompt length (less padding): pairs sorted
 * by teacher-forced text length, then source prompt length, cut into batches, run, and the
 * decoded predictions put back in the pairs' order. An example is correct when the target's
 * {@link TargetModel#labelTokens()} leading predictions equal the label tokens (judged here from
 * the predicted ids, so every method is scored by the same rule whatever k its graph bakes in).
 */
public final class LengthSortedEvaluation {
    private LengthSortedEvaluation() {
    }

    /**
     * What one batch's run predicted.
     *
     * @param ids the predicted label ids, [batch, labels] row-major (padded rows)
     * @param labels the label positions per example in {@code ids}
     * @param correct the graph's own first-k flags (kept for callers; scoring re-judges from ids)
     */
    public record Predictions(long[] ids, int labels, boolean[] correct) {
    }

    /** Runs one batch of pairs. */
    @FunctionalInterface
    public interface BatchRun<E extends Exception> {
        Predictions run(PairBatch batch) throws E;
    }

    /** Outcomes of {@code pairs}, in their order, running them in batches of {@code batchSize}. */
    public static <E extends Exception> List<Outcome> evaluate(TargetModel target, List<Pair> pairs, int batchSize,
            BatchRun<E> run) throws E {
        Outcome[] out = new Outcome[pairs.size()];
        Integer[] order = new Integer[pairs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> Batcher.teacherForcedText(pairs.get(i)).length())
                .thenComparingInt(i -> pairs.get(i).sourcePrompt().length()));
        Batcher batcher = target.batcher(batchSize);
        for (int start = 0; start < order.length; start += batchSize) {
            int n = Math.min(batchSize, order.length - start);
            List<Pair> chunk = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                chunk.add(pairs.get(order[start + i]));
            }
            PairBatch batch = batcher.batch(chunk);
            Predictions res = run.run(batch);
            for (int i = 0; i < n; i++) {
                int real = PairBatch.length(batch.labelMask(), i);
                long[] ids = Arrays.copyOfRange(res.ids(), i * res.labels(), i * res.labels() + real);
                boolean correct = target.labelTokens().correct(res.ids(), i * res.labels(),
                        batch.labelIds().row(i, real), 0, real);
                out[order[start + i]] = new Outcome(chunk.get(i), target.tokenizer().decode(ids), correct);
            }
        }
        return Arrays.asList(out);
    }
}
