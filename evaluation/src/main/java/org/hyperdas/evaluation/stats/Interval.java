package org.hyperdas.evaluation.stats;

import java.util.Locale;

/**
 * A point estimate and its 95% interval; NaN everywhere when there was nothing to estimate, and
 * {@code low == high == estimate} when there is no spread to measure (one value).
 */
public record Interval(double estimate, double low, double high) {
    public static final Interval UNDEFINED = new Interval(Double.NaN, Double.NaN, Double.NaN);

    public boolean isDefined() {
        return !Double.isNaN(estimate);
    }

    /**
     * The interval cut to {@code [min, max]}: a score that cannot leave that range (an accuracy in
     * 0..1) keeps its t-interval within it instead of reporting, say, 101.8%.
     */
    public Interval clampedTo(double min, double max) {
        if (!isDefined()) {
            return this;
        }
        return new Interval(estimate, Math.max(min, low), Math.min(max, high));
    }

    /** Whether the whole interval lies above zero (a difference that holds at 95%). */
    public boolean excludesZeroAbove() {
        return low > 0;
    }

    /** "60.0 [55.1, 64.9]" in percent with one decimal, "–" when undefined. */
    public String percent() {
        if (!isDefined()) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.1f [%.1f, %.1f]", estimate * 100, low * 100, high * 100);
    }

    /** Signed: "+1.8 [-0.4, +3.9]". */
    public String signedPercent() {
        if (!isDefined()) {
            return "–";
        }
        return String.format(Locale.ROOT, "%+.1f [%+.1f, %+.1f]", estimate * 100, low * 100, high * 100);
    }
}
