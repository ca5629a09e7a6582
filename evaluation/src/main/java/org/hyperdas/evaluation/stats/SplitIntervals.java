package org.hyperdas.evaluation.stats;

import java.util.Map;

/**
 * Cause / Isolate / Disentangle with 95% intervals on one pair split: per entity type and overall
 * (the mean over entity types).
 */
public record SplitIntervals(String split, Map<String, CidInterval> byType, CidInterval overall) {
    public SplitIntervals {
        byType = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byType));
    }

    /** Cause, Isolate and Disentangle, each with its interval. */
    public record CidInterval(Interval cause, Interval isolate, Interval disentangle) {
        public static final CidInterval UNDEFINED = new CidInterval(Interval.UNDEFINED, Interval.UNDEFINED,
                Interval.UNDEFINED);

        /** Component 0 = Cause, 1 = Isolate, 2 = Disentangle. */
        public Interval component(int i) {
            return switch (i) {
                case 0 -> cause;
                case 1 -> isolate;
                default -> disentangle;
            };
        }
    }
}
