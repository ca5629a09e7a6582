package org.hyperdas.evaluation.scoring;

import java.util.Objects;
import org.hyperdas.evaluation.pairs.Pair;

/**
 * What an intervention made the model say on one pair: the decoded argmax tokens at the label
 * positions (teacher forced) and whether the first {@code k} of them (RAVEL: 3) all equal the
 * expected label's tokens.
 *
 * @param pair the pair (its split, entity type, target attribute and kind group the scores)
 * @param predicted the decoded predicted tokens over the label positions
 * @param correct first-k exact match
 */
public record Outcome(Pair pair, String predicted, boolean correct) {
    public Outcome {
        Objects.requireNonNull(pair, "pair");
        Objects.requireNonNull(predicted, "predicted");
    }
}
