package org.hyperdas.graphs.optim;

import java.util.HashMap;
import java.util.Map;

/**
 * Worst relative error over many comparisons of named tensors: max |got - want| divided by the
 * largest |want| that tensor has had so far in the run. Dividing by the tensor's scale over the
 * run, not by the current value, keeps a first moment that passes near zero (its elements then
 * being sums of cancelling terms) from reporting float32 cancellation as a large error.
 */
final class RelativeErrors {
    private final Map<String, Double> scales = new HashMap<>();
    private double worst;
    private String worstName = "none";

    void compare(String name, double[] got, double[] want) {
        double diff = 0;
        double scale = scales.getOrDefault(name, 0.0);
        for (int i = 0; i < want.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        scales.put(name, scale);
        double error = scale == 0 ? diff : diff / scale;
        if (error > worst) {
            worst = error;
            worstName = name;
        }
    }

    void compare(String name, double got, double want) {
        compare(name, new double[] {got}, new double[] {want});
    }

    double worst() {
        return worst;
    }

    /** The tensor that gave the worst error. */
    String worstName() {
        return worstName;
    }
}
