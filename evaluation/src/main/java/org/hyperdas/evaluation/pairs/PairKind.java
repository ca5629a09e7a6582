package org.hyperdas.evaluation.pairs;

import java.util.Locale;

/**
 * Cause: the base prompt asks the target attribute; the expected label is the source entity's
 * value (the intervention must carry it over). Isolate: the base prompt asks another attribute;
 * the expected label is the base entity's own value (the intervention must not disturb it).
 */
public enum PairKind {
    CAUSE("cause"),
    ISOLATE("isolate");

    private final String label;

    PairKind(String label) {
        this.label = label;
    }

    /** "cause" / "isolate", as stored in the Arrow column {@code kind}. */
    public String label() {
        return label;
    }

    /** Parses "cause" / "isolate", and the HyperDAS spellings "causal" / "isolate"; null when unknown. */
    public static PairKind parseOrNull(String s) {
        if (s == null) {
            return null;
        }
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "cause":
            case "causal":
                return CAUSE;
            case "isolate":
            case "isolation":
                return ISOLATE;
            default:
                return null;
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
