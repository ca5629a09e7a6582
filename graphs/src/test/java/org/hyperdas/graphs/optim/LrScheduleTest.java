package org.hyperdas.graphs.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.hyperdas.graphs.GraphBuildException;
import org.junit.jupiter.api.Test;

/** Factors against values worked out from transformers' schedule formulas. */
class LrScheduleTest {

    @Test
    void warmupRisesLinearlyFromZero() {
        LrSchedule s = LrSchedule.linear(10, 110);
        assertEquals(0.0, s.factor(0));
        assertEquals(0.1, s.factor(1), 1e-15);
        assertEquals(0.5, s.factor(5), 1e-15);
        assertEquals(1.0, s.factor(10));
    }

    @Test
    void linearDecaysToZeroAndStays() {
        LrSchedule s = LrSchedule.linear(10, 110);
        assertEquals(0.5, s.factor(60), 1e-15);
        assertEquals(0.01, s.factor(109), 1e-15);
        assertEquals(0.0, s.factor(110));
        assertEquals(0.0, s.factor(500));
    }

    @Test
    void cosineFollowsHalfACosineAndStaysAtZero() {
        LrSchedule s = LrSchedule.cosine(10, 110);
        assertEquals(1.0, s.factor(10), 1e-15);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.25)), s.factor(35), 1e-15);
        assertEquals(0.5, s.factor(60), 1e-15);
        assertEquals(0.0, s.factor(110), 1e-15);
        assertEquals(0.0, s.factor(200), 1e-15);
    }

    @Test
    void constantAfterWarmupAndWithoutWarmup() {
        assertEquals(0.25, LrSchedule.constant(4).factor(1), 1e-15);
        assertEquals(1.0, LrSchedule.constant(4).factor(1000));
        assertEquals(1.0, LrSchedule.constant(0).factor(0));
        assertEquals(1.0, LrSchedule.cosine(0, 100).factor(0));
    }

    @Test
    void invalidSchedulesAreRejected() {
        assertThrows(GraphBuildException.class, () -> LrSchedule.linear(10, 5));
        assertThrows(GraphBuildException.class, () -> LrSchedule.cosine(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(0, 5).factor(-1));
    }
}
