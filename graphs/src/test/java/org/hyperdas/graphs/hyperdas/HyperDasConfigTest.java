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
        assertEquals(3, c.accuracyTokens());
    }

    @Test
    void defaultsForReadingASavedModelAreTheReference() {
        assertEquals(HyperDasConfig.reference(TARGET), HyperDasConfig.defaults(TARGET));
        LlamaConfig large = LlamaConfig.builder().hiddenSize(4096).intermediateSize(14336).numHiddenLayers(32)
                .numAttentionHeads(32).numKeyValueHeads(8).vocabSize(128256).build();
        assertEquals(16, HyperDasConfig.reference(large).layer()); // 32 blocks / 2
        assertEquals(128, HyperDasConfig.reference(large).subspaceDim());
    }

    @Test
    void sizesAreCheckedAgainstTheTarget() {
        HyperDasConfig c = HyperDasConfig.defaults(TARGET);
        assertThrows(GraphBuildException.class, () -> c.withLayer(4).validate(TARGET));
        assertThrows(GraphBuildException.class, () -> c.withHypernetLayers(4).validate(TARGET));
        assertThrows(GraphBuildException.class, () -> c.withSubspaceDim(17).validate(TARGET));
        assertThrows(GraphBuildException.class, () -> c.withLossWeights(-1, 0.5));
        c.withLayer(3).withHypernetLayers(3).withSubspaceDim(16).validate(TARGET);
    }
}
