package org.hyperdas.tests.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
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

    /** Llama-3.2-1B's shape (bf16, tied embeddings, Llama 3 vocabulary): the measured target below. */
    private static final String LLAMA_1B = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
             "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32,
             "num_key_value_heads": 8, "head_dim": 64, "hidden_act": "silu", "max_position_embeddings": 131072,
             "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "vocab_size": 128256, "bos_token_id": 128000, "eos_token_id": 128001}
            """;
    /** The knowledge model's shape (train's default target, float32). */
    private static final String KNOWLEDGE = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
             "intermediate_size": 192, "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
             "head_dim": 16, "hidden_act": "silu", "max_position_embeddings": 512, "rms_norm_eps": 1e-5,
             "rope_theta": 10000.0, "tie_word_embeddings": false, "torch_dtype": "float32", "vocab_size": 1288,
             "bos_token_id": 1, "eos_token_id": 2}
            """;
    private static final long MACHINE = 24L << 30;
    /*
     * Peak RSS measured with /usr/bin/time -v (maximum resident set size) on a 24 GiB, 2-core machine
     * shared with other builds, on a random Llama-3.2-1B-shaped folder (init-model, bf16) and on the
     * knowledge model:
     *   train, HyperDAS, --hypernet-layers 1 --batch-size 2 --max-steps 1: 21.2 GB, exit 0;
     *   train, HyperDAS, --hypernet-layers 2 --batch-size 4: killed by the OOM killer during the first
     *     optimizer step with 20.6-20.8 GB resident (the other builds held the rest);
     *   train --baselines none --epochs 1 on the knowledge model: 841.7 MiB;
     *   train, HyperDAS, --hypernet-embedding frozen --batch-size 4 --max-steps 2 on the idle machine
     *     (pair files: city, Country, 16 / 4 per kind): 4 layers 19,278,412 kbytes; the default 8 layers
     *     22,766,492 kbytes, exit 0 (sampled: 21.6 GiB resident at the optimizer step, of it 0.9 GiB of
     *     pages of the memory-mapped bf16 weights, which the kernel drops under pressure: 2.5 GiB at
     *     the start; so RSS overshoots the plan on runs with room to spare, not on tight ones).
     * time -v reports KiB ("kbytes"); "21.2 GB" is 21.2 million of them (info's 2,801,280 kbytes read
     * "2.80 GB" the same way).
     */
    private static final double KIB = 1024;
    private static final double MEASURED_1B_ONE_LAYER_BATCH_2 = 21.2e6 * KIB;
    private static final double KILLED_1B_TWO_LAYERS_BATCH_4 = 20.8e6 * KIB;
    private static final double MEASURED_KNOWLEDGE_TRAIN = 841.7 * (1 << 20);
    private static final double MEASURED_1B_FROZEN_FOUR_LAYERS = 19_278_412 * KIB;
    private static final double MEASURED_1B_FROZEN_EIGHT_LAYERS = 22_766_492 * KIB;

    private static LlamaConfig config(String json) {
        return LlamaConfig.parse(json, Path.of("config.json"));
    }

    private static MemoryPlan plan1b(int layers, int batch, int stepsPerCall) {
        return PlanReport.plan(config(LLAMA_1B), org.hyperdas.runtime.safetensors.DType.BF16, layers, batch, 32, false,
                MACHINE, stepsPerCall);
    }

    private static long bytes(MemoryPlan p, String name) {
        return p.items().stream().filter(i -> i.name().startsWith(name)).mapToLong(MemoryPlan.Item::bytes).sum();
    }

    @Test
    void largeTargetsKeepOneInPlaceStateSetAndTheirSessionsOneAtATime() {
        MemoryPlan p = plan1b(1, 2, 1);
        long pt = p.shape().trainableParameters();
        assertEquals(1, p.stateSets());
        assertEquals(1, p.trainingSessions());
        assertEquals(4 * pt, bytes(p, "trainable parameters"));
        assertEquals(8 * pt, bytes(p, "AdamW m, v"));
        long f32 = 4 * p.shape().target().parameterCount();
        assertEquals(f32, bytes(p, "target f32 copy"));
        // Creation holds the float32 copy and the transposed Linear weights (about twice the target) and
        // the bf16 copy being read; no state yet (the TrainStep is built after its session).
        long creation = p.phaseTotal(MemoryPlan.Phase.CREATE, false);
        long process = bytes(p, "process") + bytes(p, "train run: pairs");
        assertEquals(process + f32 + f32 / 2 + bytes(p, "tied LM head") + bytes(p, "creation: folded"), creation);
        assertTrue(bytes(p, "creation: folded") + bytes(p, "tied LM head") > 0.95 * f32, "all Linear weights");
        assertTrue(p.phaseTotal(MemoryPlan.Phase.EVAL, false) < p.total(), "the monitor opens after training");
    }

    @Test
    void moreStepsPerCallAddTheGroupedModelsStateAndSession() {
        MemoryPlan one = plan1b(1, 2, 1);
        MemoryPlan grouped = plan1b(1, 2, 8);
        long pt = one.shape().trainableParameters();
        long f32 = 4 * one.shape().target().parameterCount() + bytes(one, "tied LM head");
        assertEquals(2, grouped.trainingSessions());
        assertEquals(3 * 12 * pt, grouped.directBytes(), "the in-place set and the K-step model's two");
        BadInputException bad = assertThrows(BadInputException.class, () -> plan1b(1, 2, 0));
        assertTrue(bad.getMessage().contains("--steps-per-call 0"), bad.getMessage());
        assertEquals(one.phaseTotal(MemoryPlan.Phase.STEP, false) + 2 * 12 * pt + f32,
                grouped.phaseTotal(MemoryPlan.Phase.STEP, false), "two state sets and a session copy more");
    }

    /**
     * A frozen embedding takes the embedding's V x h floats out of the step, in place (one set): its
     * value, m and v (12 V h bytes), gradient and clipped copy (8 V h), the zeros its gradient is
     * scattered into (4 V h), and the AdamW temporaries shrink to those of the next-largest tensor.
     */
    @Test
    void aFrozenEmbeddingTakesTheEmbeddingsItemsOutOfTheStep() {
        LlamaConfig t = config(LLAMA_1B);
        long vh = (long) t.vocabSize() * t.hiddenSize();
        MemoryPlan trainable = plan1b(2, 4, 1);
        MemoryPlan frozen = PlanReport.plan(t, org.hyperdas.runtime.safetensors.DType.BF16, 2, 4, 32, false, MACHINE, 1,
                HypernetEmbedding.FROZEN);
        assertEquals(trainable.shape().trainableParameters() - vh, frozen.shape().trainableParameters());
        assertEquals(vh, trainable.shape().largestTrainableTensor());
        long next = frozen.shape().largestTrainableTensor();
        assertEquals((long) t.intermediateSize() * t.hiddenSize(), next, "an MLP matrix of a hypernetwork layer");
        assertEquals(0, bytes(frozen, "zeros the embedding gradient"));
        long drop = 12 * vh + 8 * vh + 4 * vh + MemoryPlan.ADAMW_TEMPORARIES * 4 * (vh - next);
        assertEquals(drop, trainable.phaseTotal(MemoryPlan.Phase.STEP, false)
                - frozen.phaseTotal(MemoryPlan.Phase.STEP, false));
        assertTrue(frozen.total() < trainable.total());
        assertTrue(PlanReport.deepestFitting(frozen) > PlanReport.deepestFitting(trainable));
        // The default's report names the option when the depth asked for does not fit; the frozen one's does not.
        MemoryPlan deep = plan1b(PlanReport.deepestFitting(trainable) + 1, 4, 1);
        String text = PlanReport.text(deep);
        assertTrue(!deep.fits() && text.contains("with --hypernet-embedding frozen (the target's embedding, not"
                + " trained): " + PlanReport.deepestFitting(frozen) + " layers"), text);
        assertTrue(!PlanReport.text(trainable).contains("--hypernet-embedding"), PlanReport.text(trainable));
        assertTrue(!PlanReport.text(frozen).contains("with --hypernet-embedding frozen")
                && PlanReport.text(frozen).contains("(embedding frozen)"), PlanReport.text(frozen));
        // The knowledge model (small, two state sets): 2 x 12 bytes per embedding element less, at least.
        LlamaConfig k = config(KNOWLEDGE);
        MemoryPlan kt = PlanReport.plan(k, org.hyperdas.runtime.safetensors.DType.F32, null, null, 32, false, MACHINE);
        MemoryPlan kf = PlanReport.plan(k, org.hyperdas.runtime.safetensors.DType.F32, null, null, 32, false, MACHINE,
                1, HypernetEmbedding.FROZEN);
        assertTrue(kt.phaseTotal(MemoryPlan.Phase.STEP, false) - kf.phaseTotal(MemoryPlan.Phase.STEP, false)
                >= 2L * 12 * k.vocabSize() * k.hiddenSize());
    }

    @Test
    void predictionsAgreeWithTheMeasuredPeaks() {
        double oneLayer = plan1b(1, 2, 1).total();
        assertEquals(1.0, oneLayer / MEASURED_1B_ONE_LAYER_BATCH_2, 0.25, "1B, 1 layer, batch 2: " + oneLayer);
        double twoLayers = plan1b(2, 4, 1).total();
        assertTrue(twoLayers > KILLED_1B_TWO_LAYERS_BATCH_4 && twoLayers > oneLayer,
                "1B, 2 layers, batch 4 needs more than it held when killed: " + twoLayers);
        MemoryPlan knowledge = PlanReport.plan(config(KNOWLEDGE), org.hyperdas.runtime.safetensors.DType.F32, null,
                null, PlanReport.SUMMARY_SEQ, false, MACHINE);
        assertEquals(2, knowledge.stateSets());
        assertEquals(1.0, knowledge.total() / MEASURED_KNOWLEDGE_TRAIN, 0.25, "knowledge model: " + knowledge.total());
        for (int layers : new int[] {4, 8}) {
            double frozen = PlanReport.plan(config(LLAMA_1B), org.hyperdas.runtime.safetensors.DType.BF16, layers, 4,
                    32, false, MACHINE, 1, HypernetEmbedding.FROZEN).total();
            double measured = layers == 4 ? MEASURED_1B_FROZEN_FOUR_LAYERS : MEASURED_1B_FROZEN_EIGHT_LAYERS;
            assertEquals(1.0, frozen / measured, 0.25, "1B, frozen embedding, " + layers + " layers: " + frozen);
        }
    }
}
