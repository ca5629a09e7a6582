package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.trainer.hyperdas.HyperDasTraining;
import org.junit.jupiter.api.Test;

/**
 * The one size rule and the defaults it picks: the knowledge model's size gets the settings tuned
 * on it, Llama3-8B's the papers'; overrides replace only what they set; the sparsity ramp.
 */
class TargetDefaultsTest {
    private static final LlamaConfig SMALL = LlamaConfig.builder().hiddenSize(64).intermediateSize(256)
            .numHiddenLayers(4).numAttentionHeads(4).numKeyValueHeads(4).vocabSize(1000).build();
    private static final LlamaConfig MID = LlamaConfig.builder().hiddenSize(2047).intermediateSize(4096)
            .numHiddenLayers(24).numAttentionHeads(23).numKeyValueHeads(23).vocabSize(1000).build();
    private static final LlamaConfig LARGE = LlamaConfig.builder().hiddenSize(4096).intermediateSize(14336)
            .numHiddenLayers(32).numAttentionHeads(32).numKeyValueHeads(8).vocabSize(128256).build();

    @Test
    void oneSizeRuleFromHiddenSize2048() {
        assertFalse(TargetDefaults.isLarge(SMALL));
        assertFalse(TargetDefaults.isLarge(MID));
        assertTrue(TargetDefaults.isLarge(LARGE));
    }

    @Test
    void baselinesUseTheSweptLayerOnSmallTargetsAndTheMiddleBlockOnLargeOnes() {
        MethodOptions small = TargetDefaults.baseline(SMALL, 5);
        assertEquals(new MethodOptions(1, 16, 300, 32, 64, 3e-2, 20, 5), small);
        MethodOptions large = TargetDefaults.baseline(LARGE, 5);
        assertEquals(15, large.layer(), "the reference's hidden_states[15] of 32 blocks");
        assertEquals(16, large.k());
    }

    @Test
    void hyperdasSmallTargetsGetTheRetunedSettingsAndLargeOnesThePapers() {
        HyperDasConfig reference = HyperDasConfig.reference(SMALL);
        assertEquals(reference.withLearningRates(1e-3, 3e-2).withLossWeights(3.5, 2.5), TargetDefaults.hyperdas(SMALL),
                "only learning rates and loss weights differ from the reference");
        assertEquals(new HyperDasTraining(5, 16, null, 0.1, 0.15, 1.5, false, 3000), TargetDefaults.hyperdasTraining(SMALL));
        assertEquals(HyperDasConfig.reference(LARGE).withLayer(15).withSubspaceDim(128).withHypernetLayers(8),
                TargetDefaults.hyperdas(LARGE));
        assertEquals(new HyperDasTraining(3, 16, null, 0.5, 0.15, 1.5, true), TargetDefaults.hyperdasTraining(LARGE));
        assertTrue(TargetDefaults.describe(LARGE).startsWith("defaults: reference (hidden >= 2048)"));
        assertTrue(TargetDefaults.describe(SMALL).startsWith("defaults: small-target (trainer/HYPERDAS.md)"));
    }

    @Test
    void largeTargetsOfOtherDepthsKeepTheReferenceFractionAndCapTheHypernetwork() {
        LlamaConfig sixteen = LlamaConfig.builder().hiddenSize(2048).intermediateSize(8192).numHiddenLayers(16)
                .numAttentionHeads(32).numKeyValueHeads(8).vocabSize(1000).build();
        assertEquals(7, TargetDefaults.hyperdas(sixteen).layer());
        assertEquals(7, TargetDefaults.baseline(sixteen, 0).layer());
        LlamaConfig six = LlamaConfig.builder().hiddenSize(2048).intermediateSize(8192).numHiddenLayers(6)
                .numAttentionHeads(32).numKeyValueHeads(8).vocabSize(1000).build();
        assertEquals(6, TargetDefaults.hyperdas(six).hypernetLayers(), "depth 8 capped at the block count");
        assertEquals(2, TargetDefaults.hyperdas(six).layer());
    }

    @Test
    void referenceSparsityIsOneLinspaceOverTheRunWithTheWarmupZeroed() {
        HyperDasTraining t = new HyperDasTraining(3, 16, null, 0.5, 0.15, 1.5, true);
        double[] linspace = new double[101];
        for (int i = 0; i <= 100; i++) {
            linspace[i] = 0.15 + (1.5 - 0.15) * i / 100.0;
        }
        for (int s = 0; s < 100; s++) {
            assertEquals(s < 50 ? 0.0 : linspace[s], t.sparsityWeight(s, 100), 1e-12, "step " + s);
        }
        assertEquals(0.825, t.sparsityWeight(50, 100), 1e-12, "jumps to about the midpoint after the warm-up");
    }

    @Test
    void overridesReplaceOnlyWhatTheySet() {
        MethodOverrides o = new MethodOverrides(2, null, 7, null, null, 0.5, null, 9, null, 4, null, null, null);
        assertEquals(List.of("--layer", "--steps", "--lr", "--epochs"), List.copyOf(o.given().keySet()));
        assertEquals(new MethodOptions(2, 16, 7, 32, 64, 0.5, 20, 9), o.onto(TargetDefaults.baseline(SMALL, 0)));
        MethodOverrides companion = o.forCompanion(new MethodOptions(3, 8, 0, 16, 12, 1e-3, 0, 9));
        assertEquals(new MethodOverrides(3, 8, 7, null, 12, null, null, 9, null, null, null, null, null), companion);
    }

    @Test
    void sparsityWeightIsZeroThroughTheWarmupThenRampsLinearly() {
        HyperDasTraining t = new HyperDasTraining(3, 16, null, 0.5, 0.15, 1.5);
        assertEquals(0.0, t.sparsityWeight(0, 100));
        assertEquals(0.0, t.sparsityWeight(49, 100));
        assertEquals(0.15, t.sparsityWeight(50, 100), 1e-12);
        assertEquals(0.15 + 1.35 * 24 / 49, t.sparsityWeight(74, 100), 1e-12);
        assertEquals(1.5, t.sparsityWeight(99, 100), 1e-12);
        assertEquals(1.5, t.sparsityWeight(150, 100), 1e-12);
        assertEquals(1.5, t.sparsityWeight(0, 1), 1e-12);
        assertThrows(BadInputException.class, () -> new HyperDasTraining(3, 16, null, 1.5, 0.15, 1.5));
    }

    @Test
    void smallTypesTakeEpochsUntilTheyReachTheStepFloorAndExplicitEpochsAreExact() {
        HyperDasTraining small = TargetDefaults.hyperdasTraining(SMALL);
        // The embedded data under per-type scope: cities 657 steps per epoch, physical objects 289.
        assertEquals(5, small.epochsFor(657));
        assertEquals(11, small.epochsFor(289));
        assertEquals(15, small.epochsFor(1), "a handful of pairs: at most 3 x the epochs");
        assertEquals(15, small.epochsFor(150));
        assertEquals(15, small.epochsFor(200));
        assertEquals(14, small.epochsFor(215));
        assertEquals(5, small.epochsFor(600));
        assertEquals(6, small.epochsFor(599));
        assertEquals(3, TargetDefaults.hyperdasTraining(LARGE).epochsFor(1));
        assertEquals(4, new HyperDasTraining(4, 16, null, 0.1, 0.15, 1.5).epochsFor(10));
        assertThrows(BadInputException.class, () -> new HyperDasTraining(5, 16, null, 0.1, 0.15, 1.5, false, -1));
    }
}
