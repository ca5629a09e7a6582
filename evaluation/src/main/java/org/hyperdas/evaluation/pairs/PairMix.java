package org.hyperdas.evaluation.pairs;

import java.util.Locale;
import org.hyperdas.runtime.BadInputException;

/**
 * How bases, sources and source prompts of pairs are drawn.
 *
 * <ul>
 *   <li>{@link #REFERENCE}: the HyperDAS reference data (its {@code generate_ravel_dataset}): base
 *   and source entity drawn uniformly until they differ on the attribute the base asks; the base
 *   template uniform among that attribute's templates; the source prompt a template of a uniformly
 *   chosen attribute or, as one more choice when the source entity has Wikipedia passages, one of
 *   its passages; isolate pairs balanced over the attributes their base asks. Needs a tokenizer
 *   that reads free text (Wikipedia), i.e. a real model's.</li>
 *   <li>{@link #BALANCED}: this project's protocol, the default for the knowledge model and the
 *   embedded subset: distinct (base entity, base template) combinations without replacement, the
 *   source entity drawn with weight 1 / (k + count(label)) so frequent values don't dominate, the
 *   source prompt a template (never a Wikipedia passage: the knowledge model's word-level
 *   tokenizer knows only the template words).</li>
 * </ul>
 */
public enum PairMix {
    REFERENCE("reference"),
    BALANCED("balanced");

    private final String label;

    PairMix(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Parses "reference" / "balanced"; {@code option} names the source in the error. */
    public static PairMix parse(String option, String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (PairMix m : values()) {
            if (m.label.equals(t)) {
                return m;
            }
        }
        throw new BadInputException(option + ": expected reference or balanced, found '" + text + "'");
    }

    @Override
    public String toString() {
        return label;
    }
}
