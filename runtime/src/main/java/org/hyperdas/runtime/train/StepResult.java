package org.hyperdas.runtime.train;

import java.util.Map;

/**
 * What one {@link TrainStep#step} reports.
 *
 * @param step number of completed steps after this one (1 after the first step)
 * @param scalars the spec's scalar outputs (loss, metrics) in spec order, widened to double
 */
public record StepResult(long step, Map<String, Double> scalars) {
    /** One scalar output by name. */
    public double get(String name) {
        Double v = scalars.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no scalar output '" + name + "', expected one of " + scalars.keySet());
        }
        return v;
    }
}
