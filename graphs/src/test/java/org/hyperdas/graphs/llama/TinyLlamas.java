package org.hyperdas.graphs.llama;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.runtime.hf.LlamaConfig;

/** Random tiny Llama configs and weights for tests that need no real model. */
public final class TinyLlamas {
    private TinyLlamas() {
    }

    /**
     * hidden 16, 4 query heads over 2 KV heads of head_dim 8 (so q_proj is 32 wide, not hidden),
     * intermediate 24, vocab 32; llama3 rope scaling {factor 8, low 1, high 4, original 64} puts the
     * wavelengths 6.3, 63, 628, 6283 in all three regimes (kept, blended, divided).
     */
    public static LlamaConfig config(int layers, boolean tied, boolean biases) {
        return LlamaConfig.builder().hiddenSize(16).intermediateSize(24).numHiddenLayers(layers)
                .numAttentionHeads(4).numKeyValueHeads(2).headDim(8).vocabSize(32).maxPositionEmbeddings(128)
                .rmsNormEps(1e-5).ropeTheta(10000).ropeScaling(new LlamaConfig.RopeScaling("llama3", 8, 1, 4, 64))
                .tieWordEmbeddings(tied).attentionBias(biases).mlpBias(biases).bosTokenId(1).eosTokenId(2).build();
    }

    /** Seeded weights scaled to keep activations O(1): norms 1 + N(0, 0.1), matrices N(0, 1/in). */
    public static Map<String, HostTensor> weights(LlamaConfig config, long seed, DType dtype) {
        Random random = new Random(seed);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        config.expectedTensors().forEach((name, shape) -> {
            int n = 1;
            for (long d : shape) {
                n *= (int) d;
            }
            double mean = name.endsWith("norm.weight") ? 1 : 0;
            double std = name.endsWith("norm.weight") || name.endsWith(".bias") ? 0.1
                    : name.equals("model.embed_tokens.weight") ? 1 : 1 / Math.sqrt(shape[1]);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = mean + std * random.nextGaussian();
            }
            out.put(name, dtype == DType.FLOAT64 ? HostTensor.ofDoubles(v, shape) : HostTensor.ofFloats(toFloats(v), shape));
        });
        return out;
    }

    public static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
