package org.hyperdas.evaluation.stats;

import java.util.Arrays;

/**
 * The 95% intervals used by the leaderboards: Student's t-interval of a mean over a few seeds, and
 * percentile intervals of bootstrap replicates.
 */
public final class Intervals {
    /** Two-sided level of every interval here. */
    public static final double LEVEL = 0.95;

    /** t quantiles at 0.975 for 1..30 degrees of freedom (any statistics table). */
    private static final double[] T975 = {12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836,
        2.446911851, 2.364624252, 2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656,
        2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447, 2.079613845,
        2.073873068, 2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642,
        2.042272456};
    private static final double Z975 = 1.959963985;

    private Intervals() {
    }

    /**
     * The 0.975 quantile of Student's t with {@code df} degrees of freedom: the table up to 30, the
     * Cornish-Fisher expansion around the normal quantile beyond (error below 1e-4 there).
     */
    public static double t975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom " + df);
        }
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = Z975;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    /**
     * Mean of the defined (non-NaN) values and its 95% t-interval, mean ± t(n-1) · sd / √n; one value
     * gives a zero-width interval, none an undefined one.
     */
    public static Interval tInterval(double[] values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).toArray();
        if (v.length == 0) {
            return Interval.UNDEFINED;
        }
        double mean = Arrays.stream(v).sum() / v.length;
        if (v.length == 1) {
            return new Interval(mean, mean, mean);
        }
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        double half = t975(v.length - 1) * Math.sqrt(ss / (v.length - 1)) / Math.sqrt(v.length);
        return new Interval(mean, mean - half, mean + half);
    }

    /**
     * The percentile interval of bootstrap replicates around {@code estimate}: the 2.5% and 97.5%
     * quantiles of the defined replicates (linear interpolation between order statistics).
     */
    public static Interval percentile(double estimate, double[] replicates) {
        if (Double.isNaN(estimate)) {
            return Interval.UNDEFINED;
        }
        double[] v = Arrays.stream(replicates).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return new Interval(estimate, estimate, estimate);
        }
        double alpha = (1 - LEVEL) / 2;
        return new Interval(estimate, quantile(v, alpha), quantile(v, 1 - alpha));
    }

    /** The {@code q} quantile of sorted values: position q·(n-1), interpolated. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
