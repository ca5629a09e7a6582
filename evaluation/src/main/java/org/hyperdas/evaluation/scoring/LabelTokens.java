package org.hyperdas.evaluation.scoring;

import org.hyperdas.runtime.BadInputException;

/**
 * How many leading label tokens must all be predicted right (teacher forced) for an example to
 * count as correct: {@link #ALL} (every label token, as the HyperDAS reference's inference and its
 * knowledge filter score) or the first {@code count} (its training monitor uses 3).
 *
 * <p>{@link #k()} is the number to bake into a graph that checks the first k tokens: for
 * {@link #ALL} it is {@link Integer#MAX_VALUE}, which is at least any label's length, so such a
 * check covers every token.
 *
 * @param count the leading tokens checked; {@link Integer#MAX_VALUE} means all of them
 */
public record LabelTokens(int count) {
    /** Every label token must be right. */
    public static final LabelTokens ALL = new LabelTokens(Integer.MAX_VALUE);

    public LabelTokens {
        if (count < 1) {
            throw new IllegalArgumentException("label tokens must be >= 1: " + count);
        }
    }

    /** The first {@code n} label tokens (n >= 1). */
    public static LabelTokens first(int n) {
        return new LabelTokens(n);
    }

    /** Parses "all" or a whole number >= 1; {@code option} names the source in the error. */
    public static LabelTokens parse(String option, String text) {
        String t = text == null ? "" : text.trim();
        if (t.equalsIgnoreCase("all")) {
            return ALL;
        }
        try {
            int n = Integer.parseInt(t);
            if (n >= 1) {
                return new LabelTokens(n);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadInputException(option + ": expected 'all' or a whole number >= 1, found '" + text + "'");
    }

    public boolean isAll() {
        return count == Integer.MAX_VALUE;
    }

    /** The k of a first-k check (Integer.MAX_VALUE for all). */
    public int k() {
        return count;
    }

    /** Label tokens to keep when tokenizing a label of any length: 0 (all) or count. */
    public int maxTokens() {
        return isAll() ? 0 : count;
    }

    /**
     * Whether the first {@code min(count, labelLength)} predictions equal the labels.
     *
     * @param predicted predicted ids at the label positions, at least {@code labelLength} of them
     *     from {@code offset}
     * @param labels the label ids, likewise
     */
    public boolean correct(long[] predicted, int predictedOffset, long[] labels, int labelOffset, int labelLength) {
        int n = Math.min(count, labelLength);
        for (int j = 0; j < n; j++) {
            if (predicted[predictedOffset + j] != labels[labelOffset + j]) {
                return false;
            }
        }
        return true;
    }

    /** "all" or the number, as the option takes it. */
    @Override
    public String toString() {
        return isAll() ? "all" : Integer.toString(count);
    }

    /** A phrase for table headers: "every label token" or "the first 3 label tokens". */
    public String phrase() {
        return isAll() ? "every label token" : "the first " + count + " label token" + (count == 1 ? "" : "s")
                + " (all of them when shorter)";
    }
}
