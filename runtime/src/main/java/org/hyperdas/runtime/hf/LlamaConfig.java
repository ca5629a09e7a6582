package org.hyperdas.runtime.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * The parts of a Hugging Face Llama {@code config.json} that define the network.
 *
 * <p>Parsed field by field (not by data binding) so that every missing or mistyped field yields a
 * message naming the file and the field, e.g. {@code /x/config.json: field 'hidden_size': expected
 * an integer, found string "abc"}. Defaults follow transformers' LlamaConfig where a field is
 * optional there and present-by-convention in real checkpoints (num_key_value_heads = heads,
 * head_dim = hidden/heads, rope_theta = 10000, tie_word_embeddings = false); the sizes that define
 * the network, rms_norm_eps and max_position_embeddings are required because a silent default
 * there would silently change the model.
 *
 * @param architectures e.g. ["LlamaForCausalLM"]
 * @param modelType "llama"
 * @param bosTokenId BOS id(s); empty when the config has none
 * @param eosTokenId EOS id(s) (Llama 3.1 lists several); empty when none
 * @param torchDtype "float32", "bfloat16", ... (also read from the newer "dtype" key); may be null
 * @param ropeScaling llama3-style frequency scaling, or null
 */
public record LlamaConfig(
        List<String> architectures,
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int vocabSize,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        List<Integer> bosTokenId,
        List<Integer> eosTokenId,
        String torchDtype,
        String hiddenAct,
        boolean attentionBias,
        boolean mlpBias) {

    /**
     * Llama 3.x RoPE frequency scaling (rope_type "llama3"), the only scaling this toolkit
     * implements; other types are rejected at parse time rather than ignored.
     */
    public record RopeScaling(String ropeType, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositionEmbeddings) {
        public RopeScaling {
            Objects.requireNonNull(ropeType, "ropeType");
        }
    }

    public LlamaConfig {
        architectures = List.copyOf(architectures);
        Objects.requireNonNull(modelType, "modelType");
        bosTokenId = List.copyOf(bosTokenId);
        eosTokenId = List.copyOf(eosTokenId);
        Objects.requireNonNull(hiddenAct, "hiddenAct");
        for (int v : new int[] {hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, vocabSize, maxPositionEmbeddings}) {
            if (v <= 0) {
                throw new IllegalArgumentException("LlamaConfig sizes must be positive: " + v);
            }
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
    }

    // ---------------------------------------------------------------- derived facts

    /** First BOS id, or null. */
    public Integer bos() {
        return bosTokenId.isEmpty() ? null : bosTokenId.get(0);
    }

    /** First EOS id, or null. */
    public Integer eos() {
        return eosTokenId.isEmpty() ? null : eosTokenId.get(0);
    }

    /** "LlamaForCausalLM" (first of architectures), or the model type when none is listed. */
    public String architecture() {
        return architectures.isEmpty() ? modelType : architectures.get(0);
    }

    /** Query heads per KV head (grouped-query attention factor). */
    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Parameters implied by the config (what {@link #expectedTensors()} adds up to). */
    public long parameterCount() {
        long n = 0;
        for (long[] s : expectedTensors().values()) {
            long e = 1;
            for (long d : s) {
                e = Math.multiplyExact(e, d);
            }
            n = Math.addExact(n, e);
        }
        return n;
    }

    /**
     * Every tensor a transformers LlamaForCausalLM checkpoint of this config holds, with its shape,
     * in the canonical order (embeddings, layers 0..L-1, final norm, lm_head unless tied).
     * Linear weights are [out_features, in_features] as torch stores them.
     */
    public Map<String, long[]> expectedTensors() {
        long h = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        long inter = intermediateSize;
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", new long[] {vocabSize, h});
        for (int i = 0; i < numHiddenLayers; i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            m.put(p + "self_attn.q_proj.weight", new long[] {q, h});
            m.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            m.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            m.put(p + "self_attn.o_proj.weight", new long[] {h, q});
            if (attentionBias) {
                m.put(p + "self_attn.q_proj.bias", new long[] {q});
                m.put(p + "self_attn.k_proj.bias", new long[] {kv});
                m.put(p + "self_attn.v_proj.bias", new long[] {kv});
                m.put(p + "self_attn.o_proj.bias", new long[] {h});
            }
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            m.put(p + "mlp.gate_proj.weight", new long[] {inter, h});
            m.put(p + "mlp.up_proj.weight", new long[] {inter, h});
            m.put(p + "mlp.down_proj.weight", new long[] {h, inter});
            if (mlpBias) {
                m.put(p + "mlp.gate_proj.bias", new long[] {inter});
                m.put(p + "mlp.up_proj.bias", new long[] {inter});
                m.put(p + "mlp.down_proj.bias", new long[] {h});
            }
        }
        m.put("model.norm.weight", new long[] {h});
        if (!tieWordEmbeddings) {
            m.put("lm_head.weight", new long[] {vocabSize, h});
        }
        return m;
    }

    // ---------------------------------------------------------------- parsing

    /** Reads and validates {@code file} (a config.json). */
    public static LlamaConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw BadInputException.file(file, "no such file (a model folder needs its config.json)");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file);
    }

    /** Parses config JSON text; {@code source} is only used to name the file in messages. */
    public static LlamaConfig parse(String json, Path source) {
        return LlamaConfigJson.parse(json, source);
    }

    // ---------------------------------------------------------------- writing

    /** An HF-compatible config.json (keys sorted as transformers writes them). */
    public String toJson() {
        return LlamaConfigJson.toJson(this);
    }

    /** Writes {@link #toJson()} to {@code file} atomically. */
    public void save(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson());
    }

    // ---------------------------------------------------------------- building

    /** A builder with Llama defaults; sizes must be set. For configs this project creates. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this config, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.architectures = architectures;
        b.modelType = modelType;
        b.hiddenSize = hiddenSize;
        b.intermediateSize = intermediateSize;
        b.numHiddenLayers = numHiddenLayers;
        b.numAttentionHeads = numAttentionHeads;
        b.numKeyValueHeads = numKeyValueHeads;
        b.headDim = headDim;
        b.vocabSize = vocabSize;
        b.rmsNormEps = rmsNormEps;
        b.ropeTheta = ropeTheta;
        b.ropeScaling = ropeScaling;
        b.maxPositionEmbeddings = maxPositionEmbeddings;
        b.tieWordEmbeddings = tieWordEmbeddings;
        b.bosTokenId = bosTokenId;
        b.eosTokenId = eosTokenId;
        b.torchDtype = torchDtype;
        b.hiddenAct = hiddenAct;
        b.attentionBias = attentionBias;
        b.mlpBias = mlpBias;
        return b;
    }

    public static final class Builder {
        private List<String> architectures = List.of("LlamaForCausalLM");
        private String modelType = "llama";
        private int hiddenSize;
        private int intermediateSize;
        private int numHiddenLayers;
        private int numAttentionHeads;
        private int numKeyValueHeads; // 0: = heads
        private int headDim; // 0: hidden / heads
        private int vocabSize;
        private double rmsNormEps = 1e-5;
        private double ropeTheta = 10000.0;
        private RopeScaling ropeScaling;
        private int maxPositionEmbeddings = 2048;
        private boolean tieWordEmbeddings;
        private List<Integer> bosTokenId = List.of();
        private List<Integer> eosTokenId = List.of();
        private String torchDtype = "float32";
        private String hiddenAct = "silu";
        private boolean attentionBias;
        private boolean mlpBias;

        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder intermediateSize(int v) { intermediateSize = v; return this; }
        public Builder numHiddenLayers(int v) { numHiddenLayers = v; return this; }
        public Builder numAttentionHeads(int v) { numAttentionHeads = v; return this; }
        public Builder numKeyValueHeads(int v) { numKeyValueHeads = v; return this; }
        public Builder headDim(int v) { headDim = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder rmsNormEps(double v) { rmsNormEps = v; return this; }
        public Builder ropeTheta(double v) { ropeTheta = v; return this; }
        public Builder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }
        public Builder maxPositionEmbeddings(int v) { maxPositionEmbeddings = v; return this; }
        public Builder tieWordEmbeddings(boolean v) { tieWordEmbeddings = v; return this; }
        public Builder bosTokenId(Integer... ids) { bosTokenId = List.of(ids); return this; }
        public Builder eosTokenId(Integer... ids) { eosTokenId = List.of(ids); return this; }
        public Builder torchDtype(String v) { torchDtype = v; return this; }
        public Builder hiddenAct(String v) { hiddenAct = v; return this; }
        public Builder attentionBias(boolean v) { attentionBias = v; return this; }
        public Builder mlpBias(boolean v) { mlpBias = v; return this; }
        public Builder architectures(String... v) { architectures = List.of(v); return this; }
        public Builder modelType(String v) { modelType = v; return this; }

        public LlamaConfig build() {
            int kv = numKeyValueHeads == 0 ? numAttentionHeads : numKeyValueHeads;
            int hd = headDim == 0 && numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : headDim;
            return new LlamaConfig(architectures, modelType, hiddenSize, intermediateSize, numHiddenLayers,
                    numAttentionHeads, kv, hd, vocabSize, rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings,
                    tieWordEmbeddings, bosTokenId, eosTokenId, torchDtype, hiddenAct, attentionBias, mlpBias);
        }
    }
}
