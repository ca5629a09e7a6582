package org.hyperdas.graphs.llama;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

/** Picks the next token from one row of logits: greedy, or temperature + top-p sampling. */
final class TokenSampler {
    private final GenerationOptions options;
    private final Random random;

    TokenSampler(GenerationOptions options) {
        this.options = options;
        this.random = new Random(options.seed());
    }

    /** The token for logits[offset .. offset + vocab). */
    long next(float[] logits, int offset, int vocab) {
        if (options.isGreedy()) {
            return argmax(logits, offset, vocab);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double[] p = new double[vocab];
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[offset + i] - max) / options.temperature());
            total += p[i];
        }
        Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
        // Nucleus: the most probable tokens whose mass before them is below topP (always >= 1 token).
        int kept = 0;
        double mass = 0;
        while (kept < vocab && (kept == 0 || mass < options.topP() * total)) {
            mass += p[order[kept]];
            kept++;
        }
        double u = random.nextDouble() * mass;
        for (int j = 0; j < kept; j++) {
            u -= p[order[j]];
            if (u < 0) {
                return order[j];
            }
        }
        return order[kept - 1];
    }

    /** Index of the largest logit, the first one on ties (torch.argmax). */
    static long argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
