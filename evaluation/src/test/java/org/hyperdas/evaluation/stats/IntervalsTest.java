package org.hyperdas.evaluation.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The interval formulas against hand-computed values and the t-interval's coverage on normal data. */
class IntervalsTest {
    @Test
    void tIntervalOfThreeSeedsByHand() {
        // mean 0.6; sd = sqrt(((-.1)^2 + 0 + .1^2) / 2) = 0.1; se = 0.1 / sqrt(3) = 0.0577350;
        // t(2, 0.975) = 4.302653, so the half width is 0.2484138.
        Interval i = Intervals.tInterval(new double[] {0.5, 0.6, 0.7});
        assertEquals(0.6, i.estimate(), 1e-12);
        assertEquals(0.6 - 0.2484138, i.low(), 1e-6);
        assertEquals(0.6 + 0.2484138, i.high(), 1e-6);
        assertEquals("60.0 [35.2, 84.8]", i.percent());
    }

    @Test
    void tIntervalEdgeCases() {
        Interval one = Intervals.tInterval(new double[] {0.25, Double.NaN});
        assertEquals(new Interval(0.25, 0.25, 0.25), one);
        assertFalse(Intervals.tInterval(new double[] {Double.NaN}).isDefined());
        assertEquals("–", Interval.UNDEFINED.percent());
    }

    @Test
    void tQuantileTableAndExpansionAgree() {
        assertEquals(2.042272456, Intervals.t975(30), 1e-9);
        // 31 degrees of freedom: 2.039513 in the tables; the expansion must be within 1e-4
        assertEquals(2.039513, Intervals.t975(31), 1e-4);
        assertEquals(1.983972, Intervals.t975(100), 1e-4);
        assertTrue(Intervals.t975(31) < Intervals.t975(30));
    }

    @Test
    void percentileByHand() {
        // 41 replicates 0, 1, ..., 40: positions 0.025 * 40 = 1 and 0.975 * 40 = 39
        double[] r = new double[41];
        for (int i = 0; i < r.length; i++) {
            r[40 - i] = i; // unsorted on purpose
        }
        Interval wide = Intervals.percentile(20, r);
        assertEquals(20, wide.estimate());
        assertEquals(1, wide.low(), 1e-12);
        assertEquals(39, wide.high(), 1e-12);
        // 5 values: positions 0.1 and 3.9 interpolate between order statistics
        Interval i = Intervals.percentile(2, new double[] {4, 0, 3, 1, 2, Double.NaN});
        assertEquals(0.1, i.low(), 1e-12);
        assertEquals(3.9, i.high(), 1e-12);
    }

    @Test
    void signedFormat() {
        assertEquals("+1.8 [-0.4, +3.9]", new Interval(0.018, -0.004, 0.039).signedPercent());
        assertTrue(new Interval(0.01, 0.001, 0.02).excludesZeroAbove());
        assertFalse(new Interval(0.01, -0.001, 0.02).excludesZeroAbove());
    }

    @Test
    void tIntervalCoversTheMeanOfNormalSamples() {
        SplittableRandom rng = new SplittableRandom(7);
        int trials = 4000;
        int covered = 0;
        for (int t = 0; t < trials; t++) {
            double[] v = new double[3];
            for (int i = 0; i < v.length; i++) {
                v[i] = 0.5 + 0.1 * gaussian(rng);
            }
            Interval i = Intervals.tInterval(v);
            covered += i.low() <= 0.5 && 0.5 <= i.high() ? 1 : 0;
        }
        double coverage = (double) covered / trials;
        assertTrue(coverage > 0.935 && coverage < 0.965, "coverage " + coverage);
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
