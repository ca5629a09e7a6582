package org.hyperdas.tests.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.train.StepSpec;
import org.hyperdas.runtime.testing.SharedData;
import org.hyperdas.trainer.plan.MemoryPlan;
import org.hyperdas.trainer.plan.PlanReport;
import org.hyperdas.trainer.plan.StepShape;
import org.junit.jupiter.api.Test;

/** The memory plan's parameter-sized items against the TrainStep slots of the real training graph. */
class MemoryPlanTest {
    @Test
    void trainStepSlotsAreParametersAndTwoAdamMoments() {
        Path folder = SharedData.require("models/stories260K");
        try (HfModel model = HfModel.open(folder)) {
            MemoryPlan plan = PlanReport.plan(model.config(), org.hyperdas.runtime.safetensors.DType.F32, 2, 4, 16,
                    false, 1L << 40);
            HyperDasConfig config = plan.shape().config();
            TrainingGraph training = new HyperDasGraphs(model.config(), LlamaWeights.external(model.weights()), config,
                    DType.FLOAT32).training();
            Map<String, float[]> init = HyperDasParameters.initialFloats(model.config(), config,
                    HyperDasParameters.reader(model.weights()));
            StepSpec spec = training.stepSpec(init);
            long slotElements = spec.slots().stream().mapToLong(StepSpec.Slot::elementCount).sum();
            long trainable = plan.shape().trainableParameters();
            assertEquals(3 * trainable, slotElements, "parameters, m and v");
            long parameterElements = training.parameterNames().stream().mapToLong(n -> init.get(n).length).sum();
            assertEquals(trainable, parameterElements);
            long sets = plan.items().stream().filter(i -> i.name().contains("TrainStep sets"))
                    .mapToLong(MemoryPlan.Item::bytes).sum();
            assertEquals(2 * 4 * slotElements, sets, "two float32 buffer sets of every slot");
            assertEquals(2 * 4 * slotElements + plan.batchBytes(), plan.pcieBytesPerStep(), "every slot in and out");
        }
    }

    @Test
    void deeperHypernetworksNeedMoreAndTheDeepestFittingFits() {
        Path folder = SharedData.require("models/stories260K");
        try (HfModel model = HfModel.open(folder)) {
            long previous = 0;
            for (int n = 1; n <= model.config().numHiddenLayers(); n++) {
                MemoryPlan p = PlanReport.plan(model.config(), org.hyperdas.runtime.safetensors.DType.F32, n, 4, 16,
                        false, 1L << 40);
                assertTrue(p.total() > previous, n + " layers");
                previous = p.total();
            }
            MemoryPlan one = PlanReport.plan(model.config(), org.hyperdas.runtime.safetensors.DType.F32, 1, 4, 16,
                    false, 0);
            long limit = (one.total() + previous) / 2;
            MemoryPlan mid = PlanReport.plan(model.config(), org.hyperdas.runtime.safetensors.DType.F32, 1, 4, 16,
                    false, limit);
            int deepest = PlanReport.deepestFitting(mid);
            assertTrue(deepest >= 1 && deepest < model.config().numHiddenLayers(), "deepest " + deepest);
            StepShape s = mid.shape();
            assertTrue(new MemoryPlan(new StepShape(s.target(), s.config().withHypernetLayers(deepest), 4, 16, 16,
                    s.instructionSeq(), s.labelTokens()), mid.stored(), false, limit).fits());
            assertTrue(!new MemoryPlan(new StepShape(s.target(), s.config().withHypernetLayers(deepest + 1), 4, 16, 16,
                    s.instructionSeq(), s.labelTokens()), mid.stored(), false, limit).fits());
        }
    }
}
