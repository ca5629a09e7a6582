package org.hyperdas.graphs.hyperdas;

import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * A target small enough for loop oracles: hidden 8, 2 query heads over 1 KV head of head_dim 4,
 * plain RoPE (no scaling, so the oracle's frequencies are theta^(-2e/hd)), attention biases.
 */
final class TinyHyperDas {
    static final int HIDDEN = 8;
    static final int HEADS = 2;
    static final int KV_HEADS = 1;
    static final int HEAD_DIM = 4;
    static final int INTER = 12;
    static final int VOCAB = 16;
    static final double EPS = 1e-5;
    static final double THETA = 10000;

    private TinyHyperDas() {
    }

    static LlamaConfig target() {
        return LlamaConfig.builder().hiddenSize(HIDDEN).intermediateSize(INTER).numHiddenLayers(2)
                .numAttentionHeads(HEADS).numKeyValueHeads(KV_HEADS).headDim(HEAD_DIM).vocabSize(VOCAB)
                .maxPositionEmbeddings(64).rmsNormEps(EPS).ropeTheta(THETA).tieWordEmbeddings(false)
                .attentionBias(true).mlpBias(false).bosTokenId(1).eosTokenId(2).build();
    }

    /** Hypernetwork of both target layers, 2 selection heads. */
    static HyperDasConfig config(LlamaConfig target) {
        return HyperDasConfig.defaults(target).withLayer(1).withSubspaceDim(4).withHypernetLayers(2)
                .withSelectionHeads(2).withHouseholderIntermediate(12).withSeed(3);
    }
}
