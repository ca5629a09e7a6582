package org.hyperdas.trainer.plan;

import java.util.Map;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * The sizes of one HyperDAS training step, and its FLOPs counted analytically.
 *
 * <p><b>FLOP count.</b> A matmul with a weight of P entries costs 2P FLOPs per token forward; its
 * backward costs 2P for the input's gradient and 2P for the weight's. What runs in a step
 * (HyperDasGraphs): the frozen target on the base and on the source prompt, every block, forward
 * only (their hidden states of all n+1 layers are the hypernetwork's memory, constants of the
 * step); the hypernetwork (trainable: 6x) over the instruction, whose two cross-attentions per
 * layer project the whole memory of base and source to keys and values; the intervention at layer
 * l; the frozen suffix (blocks l..n-1) on the intervened base, forward and input gradient (4x);
 * the LM head at the label positions only (4x). With {@code Pb} the matmul weights of one block
 * (q, k, v, o, gate, up, down), {@code qd = heads x head_dim}, {@code kvd = kv_heads x head_dim},
 * {@code T = batch x seq} per input and {@code M = (n+1) x (T_base + T_source)} memory rows:
 * <pre>
 *   target  = 2 Pb n (T_b + T_s) + 4 n B (L_b^2 + L_s^2) qd
 *   suffix  = 4 Pb (n-l) T_b + 12 (n-l) B L_b^2 qd
 *   lm_head = 4 V h T_label
 *   hyper   = N [ 6 (Pb + 4 h qd) T_i + 4 (2 h kvd) M + 12 B L_i^2 qd + 12 L_i M qd ]
 * </pre>
 * (memory keys/values: forward and weight gradient only, the memory being constant). Attention is
 * counted over the full square; norms, softmax, RoPE, the selection head, the Householder
 * subspace and AdamW (elementwise or k-sized) are not counted.
 *
 * @param target the target model
 * @param config the HyperDAS settings (layer, k, hypernetwork layers)
 * @param batch pairs per step
 * @param baseSeq base prompt tokens (with the label tokens), padded
 * @param sourceSeq source prompt tokens, padded
 * @param instructionSeq instruction tokens, padded
 * @param labelTokens label tokens per pair
 */
public record StepShape(LlamaConfig target, HyperDasConfig config, int batch, int baseSeq, int sourceSeq,
        int instructionSeq, int labelTokens) {

    /** Matmul weights of one target block. */
    public long blockMatmulWeights() {
        long h = target.hiddenSize();
        long qd = (long) target.numAttentionHeads() * target.headDim();
        long kvd = (long) target.numKeyValueHeads() * target.headDim();
        return h * qd + 2 * h * kvd + qd * h + 3 * h * target.intermediateSize();
    }

    /** Trainable parameters (the hypernetwork, its heads, the rotation). */
    public long trainableParameters() {
        long n = 0;
        for (Map.Entry<String, long[]> e : HyperDasParameters.shapes(target, config).entrySet()) {
            long c = 1;
            for (long d : e.getValue()) {
                c *= d;
            }
            n += c;
        }
        return n;
    }

    /**
     * Elements of the largest trainable tensor (the hypernetwork's copy of the embedding, on Llama 3;
     * with a frozen embedding a matrix of a layer or of the heads).
     */
    public long largestTrainableTensor() {
        long max = 0;
        for (long[] shape : HyperDasParameters.shapes(target, config).values()) {
            long c = 1;
            for (long d : shape) {
                c *= d;
            }
            max = Math.max(max, c);
        }
        return max;
    }

    /** Rows of the hypernetwork's memory: the hidden states of all n+1 layers of base and source. */
    public long memoryRows() {
        return (long) (target.numHiddenLayers() + 1) * batch * (baseSeq + sourceSeq);
    }

    /** FLOPs of the frozen target runs on base and source (forward only). */
    public double targetFlops() {
        int n = target.numHiddenLayers();
        double qd = (double) target.numAttentionHeads() * target.headDim();
        return 2.0 * blockMatmulWeights() * n * batch * (baseSeq + sourceSeq)
                + 4.0 * n * batch * ((double) baseSeq * baseSeq + (double) sourceSeq * sourceSeq) * qd;
    }

    /** FLOPs of the suffix on the intervened base and the LM head at the label positions. */
    public double suffixFlops() {
        int after = target.numHiddenLayers() - config.layer();
        double qd = (double) target.numAttentionHeads() * target.headDim();
        return 4.0 * blockMatmulWeights() * after * batch * baseSeq + 12.0 * after * batch * (double) baseSeq * baseSeq
                * qd + 4.0 * target.vocabSize() * (double) target.hiddenSize() * batch * labelTokens;
    }

    /** FLOPs of the hypernetwork, forward and backward. */
    public double hypernetFlops() {
        double h = target.hiddenSize();
        double qd = (double) target.numAttentionHeads() * target.headDim();
        double kvd = (double) target.numKeyValueHeads() * target.headDim();
        double ti = (double) batch * instructionSeq;
        double m = memoryRows();
        double perLayer = 6.0 * (blockMatmulWeights() + 4 * h * qd) * ti + 4.0 * (2 * h * kvd) * m
                + 12.0 * batch * (double) instructionSeq * instructionSeq * qd + 12.0 * instructionSeq * m * qd;
        return config.hypernetLayers() * perLayer;
    }

    /** All counted FLOPs of one step. */
    public double flopsPerStep() {
        return targetFlops() + suffixFlops() + hypernetFlops();
    }
}
