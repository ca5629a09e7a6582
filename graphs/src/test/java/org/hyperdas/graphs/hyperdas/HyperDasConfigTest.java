package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

class HyperDasConfigTest {
    private static final LlamaConfig TARGET = HyperDasFixtures.target();

    @Test
    void referenceFollowsThePaperScaledToTheTarget() {
        HyperDasConfig c = HyperDasConfig.reference(TARGET);
        assertEquals(1, c.layer()); // 3 blocks / 2
        assertEquals(4, c.subspaceDim()); // hidden 16 / 4
        assertEquals(2, c.hypernetLayers());
        assertEquals(TARGET.numAttentionHeads(), c.selectionHeads());
        assertEquals(3.5, c.causalWeight());
        assertEquals(0.5, c.isolateWeight());
        assertEquals(4e-5, c.hypernetLr());
        assertEquals(1e-3, c.rotationLr());
        assertEquals(0.01, c.hypernetWeightDecay());
        assertEquals(0.0, c.rotationWeightDecay());
        assertEquals(4.0, c.clipNorm());
        assertEquals(0.1, c.selfClamp());
        assertEquals(16, c.batchSize());
        assertEquals(3, c.epochs());
    }

    @Test
    void smallTargetsGetTheRetunedTrainingSettingsAndLargeOnesTheReference() {
        HyperDasConfig small = HyperDasConfig.defaults(TARGET);
        HyperDasConfig reference = HyperDasConfig.reference(TARGET);
        assertEquals(HyperDasConfig.smallTarget(TARGET), small);
        assertEquals(1e-3, small.hypernetLr());
        assertEquals(3e-2, small.rotationLr());
        assertEquals(2.5, small.isolateWeight());
        assertEquals(5, small.epochs());
        assertEquals(0.1, small.sparsityWarmup());
        assertEquals(reference.withLearningRates(1e-3, 3e-2).withLossWeights(3.5, 2.5).withSparsity(0.1, 0.15, 1.5)
                .withTraining(16, 5), small,
                "only the training settings differ from the reference");
        LlamaConfig large = LlamaConfig.builder().hiddenSize(4096).intermediateSize(14336).numHiddenLayers(32)
                .numAttentionHeads(32).numKeyValueHeads(8).vocabSize(128256).build();
        assertEquals(HyperDasConfig.reference(large), HyperDasConfig.defaults(large));
        assertEquals(4e-5, HyperDasConfig.defaults(large).hypernetLr());
        assertEquals(16, HyperDasConfig.defaults(large).layer()); // 32 blocks / 2
        assertEquals(128, HyperDasConfig.defaults(large).subspaceDim());
    }

    @Test
    void sparsityWeightIsZeroThroughTheWarmupThenRampsLinearly() {
        HyperDasConfig c = HyperDasConfig.reference(TARGET); // 50% warm-up, 0.15 -> 1.5
        assertEquals(0.0, c.sparsityWeight(0, 100));
        assertEquals(0.0, c.sparsityWeight(49, 100));
        assertEquals(0.15, c.sparsityWeight(50, 100), 1e-12);
        assertEquals(0.15 + 1.35 * 24 / 49, c.sparsityWeight(74, 100), 1e-12);
        assertEquals(1.5, c.sparsityWeight(99, 100), 1e-12);
        assertEquals(1.5, c.sparsityWeight(150, 100), 1e-12);
        assertEquals(1.5, c.sparsityWeight(0, 1), 1e-12);
    }

    @Test
    void sizesAreCheckedAgainstTheTarget() {
        HyperDasConfig c = HyperDasConfig.defaults(TARGET);
        assertThrows(GraphBuildException.class, () -> c.withLayer(4).validate(TARGET));
        assertThrows(GraphBuildException.class, () -> c.withHypernetLayers(4).validate(TARGET));
        assertThrows(GraphBuildException.class, () -> c.withSubspaceDim(17).validate(TARGET));
        assertThrows(GraphBuildException.class, () -> c.withSelfClamp(-1));
        c.withLayer(3).withHypernetLayers(3).withSubspaceDim(16).validate(TARGET);
    }
}
