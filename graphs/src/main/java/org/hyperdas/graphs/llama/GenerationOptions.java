package org.hyperdas.graphs.llama;

import java.util.Set;

/**
 * How {@link Generator} picks tokens.
 *
 * @param maxNewTokens tokens to generate per sequence at most
 * @param temperature 0 for greedy (argmax, first index on ties as torch.argmax); otherwise logits
 *     are divided by it before the softmax
 * @param topP nucleus sampling: keep the most probable tokens until their probability reaches
 *     topP (at least one); 1 keeps all
 * @param seed seeds the sampler (java.util.Random), so a run is reproducible
 * @param stopTokens a sequence ends after emitting one of these; null means the config's EOS ids
 */
public record GenerationOptions(int maxNewTokens, double temperature, double topP, long seed, Set<Long> stopTokens) {

    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        stopTokens = stopTokens == null ? null : Set.copyOf(stopTokens);
    }

    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 1, 0, null);
    }

    public static GenerationOptions sampled(int maxNewTokens, double temperature, double topP, long seed) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, null);
    }

    /** The same options stopping at {@code tokens} instead (an empty set never stops early). */
    public GenerationOptions withStopTokens(Set<Long> tokens) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, tokens);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
