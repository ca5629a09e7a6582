package org.hyperdas.evaluation.ravel;

import java.util.Locale;

/** A RAVEL split label, as written in the *_to_split.json files ("train", "val", "test"). */
public enum Split {
    TRAIN("train"),
    VAL("val"),
    TEST("test");

    private final String label;

    Split(String label) {
        this.label = label;
    }

    /** The label as RAVEL writes it. */
    public String label() {
        return label;
    }

    /** Parses "train" / "val" / "test" (also "validation", any case); null when unknown. */
    public static Split parseOrNull(String s) {
        if (s == null) {
            return null;
        }
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "train":
                return TRAIN;
            case "val":
            case "validation":
                return VAL;
            case "test":
                return TEST;
            default:
                return null;
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
