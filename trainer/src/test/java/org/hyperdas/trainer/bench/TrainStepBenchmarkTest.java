package org.hyperdas.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

class TrainStepBenchmarkTest {

    @Test
    void flopAccounting() {
        LlamaConfig one = TrainStepBenchmark.config(1);
        // per block q 256x256, k and v 64x256, o 256x256, gate/up/down 680x256; plus the 256x256 LM head
        long perBlock = 2 * 256 * 256 + 2 * 64 * 256 + 3 * 680 * 256;
        assertEquals(perBlock + 256 * 256, TrainStepBenchmark.matmulParameters(one));
        assertEquals(4 * perBlock + 256 * 256, TrainStepBenchmark.matmulParameters(TrainStepBenchmark.config(4)));
        double attention = 12.0 * 32 * 32 * 32 * 256;
        assertEquals(6.0 * (perBlock + 256 * 256) * 1024 + attention, TrainStepBenchmark.flopsPerStep(one, 32, 32));
        assertEquals(4.718592e9, TrainStepBenchmark.flopsPerStep(one, 32, 32), 1);
        assertEquals(17.666408448e9, TrainStepBenchmark.flopsPerStep(TrainStepBenchmark.config(4), 32, 32), 1);
    }

    @Test
    void bothModesRunTheSameSteps() throws Exception {
        double[] losses = new double[2];
        for (TrainStepBenchmark.Mode mode : TrainStepBenchmark.Mode.values()) {
            TrainStepBenchmark.Result r = TrainStepBenchmark.run(
                    new TrainStepBenchmark.Settings(1, mode, 3, 1, 2, 2, 2, 8, null), null);
            assertEquals(2, r.secondsPerRepeat().size());
            assertTrue(r.bestStepsPerSecond() >= r.medianStepsPerSecond());
            assertEquals(Math.log(256), r.firstLoss(), 0.3, "random init predicts about uniformly (16 tokens)");
            assertTrue(r.lastLoss() < r.firstLoss(), "the repeated batch is being learned: " + r.lastLoss());
            losses[mode.ordinal()] = r.lastLoss();
        }
        assertEquals(losses[0], losses[1], 1e-5 * Math.abs(losses[0]), "zero-copy and allocate compute the same steps");
    }

    @Test
    void badSettingsNameTheFlag() {
        BadInputException e = assertThrows(BadInputException.class, () -> TrainStepBenchmark.Mode.parse("copy"));
        assertTrue(e.getMessage().startsWith("--mode:"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> new TrainStepBenchmark.Settings(
                1, TrainStepBenchmark.Mode.ZERO_COPY, 0, 1, 1, 1, 32, 32, null));
        assertTrue(e.getMessage().startsWith("--steps:"), e.getMessage());
    }
}
