package org.hyperdas.tests.reference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * A NAIVE CONTROL implementation of the Hugging Face Llama decoder (LlamaForCausalLM) forward pass:
 * plain loops over arrays, written from the math, top to bottom, in the spirit of llama2.c. It is the
 * independent reference the ONNX graph builder is checked against, so it favours obviousness over
 * speed: no KV cache, no batching tricks, every activation held in {@code double}.
 *
 * <h2>Conventions (all as in transformers' modeling_llama.py unless said otherwise)</h2>
 * <ul>
 *   <li>Weights are float arrays by HF tensor name, row-major in torch's layout; a Linear weight is
 *       {@code [out, in]} and computes {@code y[o] = sum_i W[o][i] * x[i]} (+ bias when the config has
 *       attention_bias / mlp_bias).</li>
 *   <li>All arithmetic is done in float64 (weights are float32 upcast); outputs are rounded to float32
 *       at the end. A float32 implementation should therefore agree to float32 rounding error.</li>
 *   <li>RMSNorm: {@code y = x / sqrt(mean(x^2) + eps) * w}.</li>
 *   <li>RoPE, rotate-half convention: for a head vector {@code v} of size d and {@code i < d/2},
 *       {@code angle = pos * inv_freq[i]}, {@code v'[i] = v[i] cos - v[i+d/2] sin},
 *       {@code v'[i+d/2] = v[i+d/2] cos + v[i] sin}, with {@code inv_freq[i] = theta^(-2i/d)},
 *       optionally rescaled by Llama 3 "llama3" rope_scaling (see {@link #invFreq}). The llama3
 *       attention factor is 1, so cos/sin are not scaled.</li>
 *   <li>Grouped-query attention: query head h reads key/value head {@code h / (heads / kv_heads)}.</li>
 *   <li>Attention scores are {@code q.k / sqrt(head_dim)}; query t may attend key j iff {@code j <= t}
 *       (causal) and {@code attention_mask[j] == 1} (key padding). Masked scores are -infinity before
 *       the softmax.</li>
 *   <li><b>Fully masked query rows.</b> A padding query under left padding sees no real key. Such a row
 *       attends UNIFORMLY to all {@code seq} key positions (probability 1/seq each, future and padded
 *       keys included). This is what HF's eager attention produces (its additive mask is the dtype's
 *       minimum everywhere on such a row, so the softmax is flat) and it keeps the output finite. The
 *       values at padding positions are garbage by definition: compare only real positions.</li>
 *   <li><b>Position ids with padding.</b> {@code position_ids = cumsum(attention_mask) - 1}, then set
 *       to 1 where {@code attention_mask == 0} (HF {@code generate()}:
 *       {@code position_ids.masked_fill_(attention_mask == 0, 1)}). So a left-padded prompt gets the
 *       same positions 0,1,2,... as when run alone. NOTE: HF's plain {@code model(input_ids,
 *       attention_mask)} call without position_ids uses {@code 0..seq-1} regardless of the mask; the two
 *       agree for right padding and for no padding, but not for left padding. Use
 *       {@link #forward(long[][], long[][], long[][])} to pass explicit position ids.</li>
 *   <li>MLP (SwiGLU): {@code down(silu(gate x) * up x)}, {@code silu(z) = z / (1 + e^-z)}.</li>
 *   <li>Block: {@code x += attn(norm1(x)); x += mlp(norm2(x))}; then {@code final = norm(x)},
 *       {@code logits = lm_head(final)} (lm_head = embed_tokens when tie_word_embeddings).</li>
 *   <li><b>Hidden states.</b> {@link Output#hiddenStates()} has {@code layers + 1} entries:
 *       [0] = embedding output, [i] = residual stream after block i-1. Unlike HF's
 *       {@code output_hidden_states}, the LAST entry is BEFORE the final norm; {@link Output#finalNormed()}
 *       is the normed one and {@link Output#hfHiddenStates()} gives HF's exact list.</li>
 * </ul>
 */
public final class ReferenceLlama {
    private final LlamaConfig config;
    private final Map<String, float[]> w;
    private final double[] invFreq;

    /**
     * @param config the model's config (hidden_act must be "silu")
     * @param weights every tensor of {@link LlamaConfig#expectedTensors()}, by name, row-major; not copied
     */
    public ReferenceLlama(LlamaConfig config, Map<String, float[]> weights) {
        if (!config.hiddenAct().equals("silu")) {
            throw new IllegalArgumentException("only hidden_act silu is implemented, got " + config.hiddenAct());
        }
        for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
            float[] t = weights.get(e.getKey());
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            if (t == null || t.length != n) {
                throw new IllegalArgumentException("tensor " + e.getKey() + ": expected " + n + " floats, got "
                        + (t == null ? "none" : t.length));
            }
        }
        this.config = config;
        this.w = weights;
        this.invFreq = invFreq(config);
    }

    /** Reads config.json and the (single or sharded) safetensors of an HF folder, upcast to float32. */
    public static ReferenceLlama load(Path folder) {
        LlamaConfig config = LlamaConfig.load(folder.resolve("config.json"));
        Map<String, float[]> weights = new LinkedHashMap<>();
        try (WeightStore store = WeightStore.open(folder)) {
            for (String name : config.expectedTensors().keySet()) {
                weights.put(name, store.floatArray(name));
            }
        }
        return new ReferenceLlama(config, weights);
    }

    public LlamaConfig config() {
        return config;
    }

    public Map<String, float[]> weights() {
        return w;
    }

    // ------------------------------------------------------------------ outputs

    /**
     * @param logits [batch][seq][vocab]
     * @param hiddenStates [layers + 1][batch][seq][hidden]: [0] embeddings, [i] after block i-1; the last
     *     is BEFORE the final norm
     * @param finalNormed [batch][seq][hidden], the final RMSNorm of the last hidden state (lm_head input)
     * @param positionIds [batch][seq], the position ids used for RoPE
     */
    public record Output(float[][][] logits, float[][][][] hiddenStates, float[][][] finalNormed,
            long[][] positionIds) {
        /** HF's output_hidden_states: like {@link #hiddenStates()} but the last entry is final-normed. */
        public List<float[][][]> hfHiddenStates() {
            List<float[][][]> list = new ArrayList<>(Arrays.asList(hiddenStates));
            list.set(list.size() - 1, finalNormed);
            return list;
        }

        /** Hidden state {@code i} (see {@link #hiddenStates()}), normed when {@code hfConvention} and last. */
        public float[][][] hidden(int i, boolean hfConvention) {
            return hfConvention && i == hiddenStates.length - 1 ? finalNormed : hiddenStates[i];
        }
    }

    // ------------------------------------------------------------------ forward

    /** Forward pass without padding (attention_mask all ones). */
    public Output forward(long[][] inputIds) {
        long[][] mask = new long[inputIds.length][];
        for (int b = 0; b < inputIds.length; b++) {
            mask[b] = new long[inputIds[b].length];
            Arrays.fill(mask[b], 1);
        }
        return forward(inputIds, mask);
    }

    /** Forward pass with HF generate()-style position ids derived from the mask ({@link #positionIds}). */
    public Output forward(long[][] inputIds, long[][] attentionMask) {
        return forward(inputIds, attentionMask, positionIds(attentionMask));
    }

    /**
     * The forward pass.
     *
     * @param inputIds [batch][seq] token ids
     * @param attentionMask [batch][seq], 1 = real token, 0 = padding (left or right)
     * @param positionIds [batch][seq] RoPE positions
     */
    public Output forward(long[][] inputIds, long[][] attentionMask, long[][] positionIds) {
        int batch = inputIds.length;
        int seq = inputIds[0].length;
        int hidden = config.hiddenSize();
        int layers = config.numHiddenLayers();
        for (int b = 0; b < batch; b++) {
            if (inputIds[b].length != seq || attentionMask[b].length != seq || positionIds[b].length != seq) {
                throw new IllegalArgumentException("row " + b + ": input_ids, attention_mask and position_ids "
                        + "must all have length " + seq);
            }
        }
        float[][][] logits = new float[batch][][];
        float[][][][] hiddenStates = new float[layers + 1][batch][][];
        float[][][] finalNormed = new float[batch][][];

        for (int b = 0; b < batch; b++) {
            // Embedding lookup.
            double[][] x = new double[seq][hidden];
            float[] embed = w.get("model.embed_tokens.weight");
            for (int t = 0; t < seq; t++) {
                long id = inputIds[b][t];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " out of range [0, " + config.vocabSize() + ")");
                }
                for (int i = 0; i < hidden; i++) {
                    x[t][i] = embed[(int) id * hidden + i];
                }
            }
            hiddenStates[0][b] = toFloat(x);

            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                // x = x + attention(input_layernorm(x))
                double[][] normed = new double[seq][];
                for (int t = 0; t < seq; t++) {
                    normed[t] = rmsNorm(x[t], w.get(p + "input_layernorm.weight"));
                }
                double[][] attn = attention(p, normed, attentionMask[b], positionIds[b]);
                for (int t = 0; t < seq; t++) {
                    for (int i = 0; i < hidden; i++) {
                        x[t][i] += attn[t][i];
                    }
                }
                // x = x + mlp(post_attention_layernorm(x))
                for (int t = 0; t < seq; t++) {
                    double[] n = rmsNorm(x[t], w.get(p + "post_attention_layernorm.weight"));
                    double[] m = mlp(p, n);
                    for (int i = 0; i < hidden; i++) {
                        x[t][i] += m[i];
                    }
                }
                hiddenStates[l + 1][b] = toFloat(x);
            }

            // Final norm and lm_head.
            float[] head = w.get(config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
            double[][] fin = new double[seq][];
            double[][] lg = new double[seq][];
            for (int t = 0; t < seq; t++) {
                fin[t] = rmsNorm(x[t], w.get("model.norm.weight"));
                lg[t] = matVec(head, null, fin[t], config.vocabSize(), hidden);
            }
            finalNormed[b] = toFloat(fin);
            logits[b] = toFloat(lg);
        }
        return new Output(logits, hiddenStates, finalNormed, positionIds);
    }

    /** Self-attention of one sequence: normed [seq][hidden] -> o_proj output [seq][hidden]. */
    private double[][] attention(String p, double[][] normed, long[] mask, long[] pos) {
        int seq = normed.length;
        int hidden = config.hiddenSize();
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int hd = config.headDim();
        int group = heads / kvHeads;
        boolean bias = config.attentionBias();

        double[][] q = new double[seq][];
        double[][] k = new double[seq][];
        double[][] v = new double[seq][];
        for (int t = 0; t < seq; t++) {
            q[t] = matVec(w.get(p + "self_attn.q_proj.weight"), bias ? w.get(p + "self_attn.q_proj.bias") : null,
                    normed[t], heads * hd, hidden);
            k[t] = matVec(w.get(p + "self_attn.k_proj.weight"), bias ? w.get(p + "self_attn.k_proj.bias") : null,
                    normed[t], kvHeads * hd, hidden);
            v[t] = matVec(w.get(p + "self_attn.v_proj.weight"), bias ? w.get(p + "self_attn.v_proj.bias") : null,
                    normed[t], kvHeads * hd, hidden);
            for (int h = 0; h < heads; h++) {
                rope(q[t], h * hd, pos[t]);
            }
            for (int h = 0; h < kvHeads; h++) {
                rope(k[t], h * hd, pos[t]);
            }
        }

        double scale = 1.0 / Math.sqrt(hd);
        double[][] out = new double[seq][];
        for (int t = 0; t < seq; t++) {
            double[] ctx = new double[heads * hd];
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                // Scores over all keys, -inf where masked.
                double[] score = new double[seq];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < seq; j++) {
                    if (j <= t && mask[j] == 1) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) {
                            dot += q[t][h * hd + i] * k[j][kvh * hd + i];
                        }
                        score[j] = dot * scale;
                    } else {
                        score[j] = Double.NEGATIVE_INFINITY;
                    }
                    max = Math.max(max, score[j]);
                }
                // Softmax; a fully masked row (padding query) attends uniformly to all keys.
                double[] prob = new double[seq];
                if (max == Double.NEGATIVE_INFINITY) {
                    Arrays.fill(prob, 1.0 / seq);
                } else {
                    double sum = 0;
                    for (int j = 0; j < seq; j++) {
                        prob[j] = Math.exp(score[j] - max); // exp(-inf) = 0
                        sum += prob[j];
                    }
                    for (int j = 0; j < seq; j++) {
                        prob[j] /= sum;
                    }
                }
                for (int j = 0; j < seq; j++) {
                    for (int i = 0; i < hd; i++) {
                        ctx[h * hd + i] += prob[j] * v[j][kvh * hd + i];
                    }
                }
            }
            out[t] = matVec(w.get(p + "self_attn.o_proj.weight"), bias ? w.get(p + "self_attn.o_proj.bias") : null,
                    ctx, hidden, heads * hd);
        }
        return out;
    }

    /** SwiGLU: down(silu(gate x) * up x). */
    private double[] mlp(String p, double[] x) {
        int hidden = config.hiddenSize();
        int inter = config.intermediateSize();
        boolean bias = config.mlpBias();
        double[] gate = matVec(w.get(p + "mlp.gate_proj.weight"), bias ? w.get(p + "mlp.gate_proj.bias") : null,
                x, inter, hidden);
        double[] up = matVec(w.get(p + "mlp.up_proj.weight"), bias ? w.get(p + "mlp.up_proj.bias") : null,
                x, inter, hidden);
        double[] act = new double[inter];
        for (int i = 0; i < inter; i++) {
            double silu = gate[i] / (1.0 + Math.exp(-gate[i]));
            act[i] = silu * up[i];
        }
        return matVec(w.get(p + "mlp.down_proj.weight"), bias ? w.get(p + "mlp.down_proj.bias") : null,
                act, hidden, inter);
    }

    /** Rotates, in place, the head vector vec[off .. off+head_dim) by position pos (rotate-half). */
    private void rope(double[] vec, int off, long pos) {
        int half = config.headDim() / 2;
        for (int i = 0; i < half; i++) {
            double angle = pos * invFreq[i];
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            double x1 = vec[off + i];
            double x2 = vec[off + i + half];
            vec[off + i] = x1 * cos - x2 * sin; // x*cos + (-x2)*sin
            vec[off + i + half] = x2 * cos + x1 * sin; // x*cos + x1*sin
        }
    }

    /** x / sqrt(mean(x^2) + eps) * weight. */
    private double[] rmsNorm(double[] x, float[] weight) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1.0 / Math.sqrt(ss / x.length + config.rmsNormEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * weight[i];
        }
        return y;
    }

    /** y = W x (+ b), W row-major [out][in] (torch Linear layout). */
    private static double[] matVec(float[] wt, float[] b, double[] x, int out, int in) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            int row = o * in;
            for (int i = 0; i < in; i++) {
                s += wt[row + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    private static float[][] toFloat(double[][] a) {
        float[][] f = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            f[i] = new float[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                f[i][j] = (float) a[i][j];
            }
        }
        return f;
    }

    // ------------------------------------------------------------------ positions and frequencies

    /**
     * HF generate()'s position ids: {@code cumsum(mask) - 1}, and 1 where {@code mask == 0}.
     * E.g. mask [0 0 1 1 1] -> [1 1 0 1 2]; mask [1 1 1 0 0] -> [0 1 2 1 1].
     */
    public static long[][] positionIds(long[][] attentionMask) {
        long[][] pos = new long[attentionMask.length][];
        for (int b = 0; b < attentionMask.length; b++) {
            pos[b] = new long[attentionMask[b].length];
            long cum = 0;
            for (int t = 0; t < attentionMask[b].length; t++) {
                long m = attentionMask[b][t];
                if (m != 0 && m != 1) {
                    throw new IllegalArgumentException("attention_mask values must be 0 or 1, got " + m);
                }
                cum += m;
                pos[b][t] = m == 0 ? 1 : cum - 1;
            }
        }
        return pos;
    }

    /**
     * RoPE inverse frequencies, head_dim/2 of them: {@code theta^(-2i/head_dim)}, then, when the config
     * has llama3 rope_scaling, HF's {@code _compute_llama3_parameters}: with {@code wavelen = 2 pi /
     * inv_freq}, low-frequency components ({@code wavelen > original_max / low_freq_factor}) are divided
     * by factor, high-frequency ones ({@code wavelen < original_max / high_freq_factor}) are kept, and
     * those in between are blended: {@code smooth = (original_max / wavelen - low) / (high - low)},
     * {@code inv_freq = (1 - smooth) * inv_freq / factor + smooth * inv_freq}.
     */
    public static double[] invFreq(LlamaConfig config) {
        int hd = config.headDim();
        double[] inv = new double[hd / 2];
        for (int i = 0; i < hd / 2; i++) {
            inv[i] = Math.pow(config.ropeTheta(), -(2.0 * i) / hd);
        }
        LlamaConfig.RopeScaling s = config.ropeScaling();
        if (s == null) {
            return inv;
        }
        double original = s.originalMaxPositionEmbeddings();
        double lowFreqWavelen = original / s.lowFreqFactor();
        double highFreqWavelen = original / s.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen < highFreqWavelen) {
                continue; // high frequency: unchanged
            } else if (wavelen > lowFreqWavelen) {
                inv[i] = inv[i] / s.factor(); // low frequency: scaled down
            } else {
                double smooth = (original / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
            }
        }
        return inv;
    }

    // ------------------------------------------------------------------ generation

    /** Index of the largest value (the first one on ties, as torch.argmax). */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Greedy decoding: appends argmax of the last position's logits, {@code maxNewTokens} times,
     * recomputing the whole sequence each step. Does not stop at EOS.
     *
     * @return prompt followed by the generated ids
     */
    public long[] greedy(long[] prompt, int maxNewTokens) {
        return greedy(prompt, maxNewTokens, null);
    }

    /** As {@link #greedy(long[], int)}, stopping after emitting {@code eos} when it is not null. */
    public long[] greedy(long[] prompt, int maxNewTokens, Long eos) {
        long[] ids = prompt.clone();
        for (int step = 0; step < maxNewTokens; step++) {
            float[][] lg = forward(new long[][] {ids}).logits()[0];
            long next = argmax(lg[ids.length - 1]);
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = next;
            if (eos != null && next == eos) {
                break;
            }
        }
        return ids;
    }

    // ------------------------------------------------------------------ random tiny models

    /** A config and its weights (float32, by HF tensor name, in {@link LlamaConfig#expectedTensors()} order). */
    public record Model(LlamaConfig config, Map<String, float[]> weights) {
        public ReferenceLlama reference() {
            return new ReferenceLlama(config, weights);
        }

        /**
         * Writes an HF model folder: config.json, model.safetensors (float32) and, unless the folder already
         * has one, a generated word-level tokenizer.json (ids 0 "&lt;unk&gt;", 1 "&lt;s&gt;", 2
         * "&lt;/s&gt;", then "t3" .. "t{vocab-1}", whitespace-split) so that HfModel.open accepts it.
         *
         * @return folder
         */
        public Path writeTo(Path folder) throws IOException {
            Files.createDirectories(folder);
            config.save(folder.resolve("config.json"));
            SafetensorsWriter out = new SafetensorsWriter().metadata("format", "pt");
            for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
                out.addF32(e.getKey(), e.getValue(), weights.get(e.getKey()));
            }
            out.write(folder.resolve(WeightStore.SINGLE_FILE));
            Path tok = folder.resolve("tokenizer.json");
            if (!Files.exists(tok)) {
                Files.writeString(tok, wordLevelTokenizerJson(config.vocabSize()), StandardCharsets.UTF_8);
            }
            return folder;
        }
    }

    /**
     * A random tiny Llama (seeded, deterministic): hidden 64, 8 heads of 8, intermediate 96, 2 layers,
     * vocab 96, eps 1e-5, theta 10000, bos 1, eos 2.
     *
     * @param gqa 2 key/value heads (group 4) instead of 8
     * @param untied separate lm_head.weight instead of tied embeddings
     * @param llama3Scaling llama3 rope_scaling {factor 8, low 1, high 8, original 256}: with head_dim 8 and
     *     theta 10000 the wavelengths 6.3, 62.8, 628, 6283 hit all three regimes (kept, blended with
     *     smooth 0.44, divided by 8), so the scaling shows in short sequences
     */
    public static Model randomTiny(long seed, boolean gqa, boolean untied, boolean llama3Scaling) {
        LlamaConfig.Builder b = LlamaConfig.builder()
                .hiddenSize(64).intermediateSize(96).numHiddenLayers(2)
                .numAttentionHeads(8).numKeyValueHeads(gqa ? 2 : 8).headDim(8)
                .vocabSize(96).maxPositionEmbeddings(512).rmsNormEps(1e-5).ropeTheta(10000.0)
                .tieWordEmbeddings(!untied).bosTokenId(1).eosTokenId(2).torchDtype("float32");
        if (llama3Scaling) {
            b.ropeScaling(new LlamaConfig.RopeScaling("llama3", 8.0, 1.0, 8.0, 256));
        }
        return random(b.build(), seed);
    }

    /**
     * Random weights for any config (seeded, java.util.Random so identical on every JVM). Scaled so
     * activations and logits are O(1): embeddings N(0,1), Linear weights N(0, 1/in), norm weights
     * 1 + N(0, 0.1^2), biases N(0, 0.1^2).
     */
    public static Model random(LlamaConfig config, long seed) {
        Random rnd = new Random(seed);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, (int) d);
            }
            float[] t = new float[n];
            double std;
            double mean = 0;
            if (name.endsWith("norm.weight")) {
                mean = 1;
                std = 0.1;
            } else if (name.endsWith(".bias")) {
                std = 0.1;
            } else if (name.equals("model.embed_tokens.weight")) {
                std = 1;
            } else {
                std = 1 / Math.sqrt(shape[1]);
            }
            for (int i = 0; i < n; i++) {
                t[i] = (float) (mean + std * rnd.nextGaussian());
            }
            weights.put(name, t);
        }
        return new Model(config, weights);
    }

    /** A minimal HF tokenizer.json: WordLevel over "&lt;unk&gt;", "&lt;s&gt;", "&lt;/s&gt;", "t3".. */
    static String wordLevelTokenizerJson(int vocab) {
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < vocab; i++) {
            String tok = i == 0 ? "<unk>" : i == 1 ? "<s>" : i == 2 ? "</s>" : "t" + i;
            v.append(i == 0 ? "" : ",").append('"').append(tok).append("\":").append(i);
        }
        String added = "{\"id\":0,\"content\":\"<unk>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":false,\"special\":true},"
                + "{\"id\":1,\"content\":\"<s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":false,\"special\":true},"
                + "{\"id\":2,\"content\":\"</s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":false,\"special\":true}";
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[" + added + "],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + v + "},\"unk_token\":\"<unk>\"}}\n";
    }
}
