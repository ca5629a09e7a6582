package org.hyperdas.runtime.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
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

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw BadInputException.file(source, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw BadInputException.file(source, "expected a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        Fields f = new Fields(root, source);
        int hidden = f.positiveInt("hidden_size");
        int inter = f.positiveInt("intermediate_size");
        int layers = f.positiveInt("num_hidden_layers");
        int heads = f.positiveInt("num_attention_heads");
        int kvHeads = f.has("num_key_value_heads") ? f.positiveInt("num_key_value_heads") : heads;
        if (heads % kvHeads != 0) {
            throw BadInputException.field(source, "num_key_value_heads",
                    "a divisor of num_attention_heads (" + heads + ")", "number " + kvHeads);
        }
        int headDim;
        if (f.has("head_dim")) {
            headDim = f.positiveInt("head_dim");
        } else {
            if (hidden % heads != 0) {
                throw BadInputException.field(source, "head_dim",
                        "to be given, since hidden_size " + hidden + " is not a multiple of num_attention_heads "
                                + heads, "nothing (field missing)");
            }
            headDim = hidden / heads;
        }
        int vocab = f.positiveInt("vocab_size");
        double eps = f.positiveDouble("rms_norm_eps");
        double theta = f.has("rope_theta") ? f.positiveDouble("rope_theta") : 10000.0;
        RopeScaling scaling = f.ropeScaling("rope_scaling");
        int maxPos = f.positiveInt("max_position_embeddings");
        boolean tied = f.has("tie_word_embeddings") && f.bool("tie_word_embeddings");
        List<Integer> bos = f.intOrList("bos_token_id");
        List<Integer> eos = f.intOrList("eos_token_id");
        String dtype = f.has("torch_dtype") ? f.string("torch_dtype") : f.has("dtype") ? f.string("dtype") : null;
        String act = f.has("hidden_act") ? f.string("hidden_act") : "silu";
        boolean attnBias = f.has("attention_bias") && f.bool("attention_bias");
        boolean mlpBias = f.has("mlp_bias") && f.bool("mlp_bias");
        String modelType = f.has("model_type") ? f.string("model_type") : "llama";
        List<String> arch = f.has("architectures") ? f.stringList("architectures") : List.of("LlamaForCausalLM");
        return new LlamaConfig(arch, modelType, hidden, inter, layers, heads, kvHeads, headDim, vocab, eps, theta,
                scaling, maxPos, tied, bos, eos, dtype, act, attnBias, mlpBias);
    }

    /** Typed access to a JSON object's fields with file-and-field error messages. */
    private static final class Fields {
        private final JsonNode obj;
        private final Path file;
        private final String prefix;

        Fields(JsonNode obj, Path file) {
            this(obj, file, "");
        }

        Fields(JsonNode obj, Path file, String prefix) {
            this.obj = obj;
            this.file = file;
            this.prefix = prefix;
        }

        /** Present and not JSON null (transformers writes null for "use the default"). */
        boolean has(String name) {
            JsonNode n = obj.get(name);
            return n != null && !n.isNull();
        }

        private JsonNode required(String name, String expected) {
            JsonNode n = obj.get(name);
            if (n == null || n.isNull()) {
                throw BadInputException.field(file, prefix + name, expected,
                        n == null ? "nothing (field missing)" : "null");
            }
            return n;
        }

        private BadInputException wrong(String name, String expected, JsonNode n) {
            return BadInputException.field(file, prefix + name, expected, describe(n));
        }

        int positiveInt(String name) {
            JsonNode n = required(name, "a positive integer");
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw wrong(name, "an integer", n);
            }
            if (n.intValue() <= 0) {
                throw wrong(name, "a positive integer", n);
            }
            return n.intValue();
        }

        double positiveDouble(String name) {
            JsonNode n = required(name, "a positive number");
            if (!n.isNumber()) {
                throw wrong(name, "a number", n);
            }
            if (!(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
                throw wrong(name, "a positive number", n);
            }
            return n.doubleValue();
        }

        boolean bool(String name) {
            JsonNode n = required(name, "true or false");
            if (!n.isBoolean()) {
                throw wrong(name, "true or false", n);
            }
            return n.booleanValue();
        }

        String string(String name) {
            JsonNode n = required(name, "a string");
            if (!n.isTextual()) {
                throw wrong(name, "a string", n);
            }
            return n.textValue();
        }

        List<String> stringList(String name) {
            JsonNode n = required(name, "a list of strings");
            if (!n.isArray()) {
                throw wrong(name, "a list of strings", n);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw wrong(name, "a list of strings", n);
                }
                out.add(e.textValue());
            }
            return out;
        }

        /** An int, a list of ints, or absent/null (empty list). */
        List<Integer> intOrList(String name) {
            JsonNode n = obj.get(name);
            if (n == null || n.isNull()) {
                return List.of();
            }
            String expected = "an integer or a list of integers";
            if (n.isIntegralNumber() && n.canConvertToInt()) {
                return List.of(n.intValue());
            }
            if (!n.isArray()) {
                throw wrong(name, expected, n);
            }
            List<Integer> out = new ArrayList<>();
            for (JsonNode e : n) {
                if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                    throw wrong(name, expected, n);
                }
                out.add(e.intValue());
            }
            return out;
        }

        RopeScaling ropeScaling(String name) {
            JsonNode n = obj.get(name);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isObject()) {
                throw wrong(name, "an object or null", n);
            }
            Fields s = new Fields(n, file, prefix + name + ".");
            // transformers writes "rope_type"; older configs used "type".
            String key = s.has("rope_type") ? "rope_type" : "type";
            String type = s.string(key);
            if (!type.equals("llama3")) {
                throw BadInputException.field(file, prefix + name + "." + key,
                        "\"llama3\" (the only RoPE scaling implemented)", describe(n.get(key)));
            }
            return new RopeScaling(type, s.positiveDouble("factor"), s.positiveDouble("low_freq_factor"),
                    s.positiveDouble("high_freq_factor"), s.positiveInt("original_max_position_embeddings"));
        }
    }

    static String describe(JsonNode n) {
        if (n == null) {
            return "nothing (field missing)";
        }
        if (n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            return "string " + n;
        }
        if (n.isBoolean()) {
            return "boolean " + n.asText();
        }
        if (n.isNumber()) {
            return "number " + n.asText();
        }
        String s = n.toString();
        if (s.length() > 80) {
            s = s.substring(0, 77) + "...";
        }
        return (n.isArray() ? "array " : "object ") + s;
    }

    // ---------------------------------------------------------------- writing

    /** An HF-compatible config.json (keys sorted as transformers writes them). */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode arch = o.putArray("architectures");
        architectures.forEach(arch::add);
        o.put("attention_bias", attentionBias);
        putIds(o, "bos_token_id", bosTokenId);
        putIds(o, "eos_token_id", eosTokenId);
        o.put("head_dim", headDim);
        o.put("hidden_act", hiddenAct);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("mlp_bias", mlpBias);
        o.put("model_type", modelType);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("rms_norm_eps", rmsNormEps);
        if (ropeScaling == null) {
            o.putNull("rope_scaling");
        } else {
            ObjectNode r = o.putObject("rope_scaling");
            r.put("factor", ropeScaling.factor());
            r.put("high_freq_factor", ropeScaling.highFreqFactor());
            r.put("low_freq_factor", ropeScaling.lowFreqFactor());
            r.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
            r.put("rope_type", ropeScaling.ropeType());
        }
        o.put("rope_theta", ropeTheta);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (torchDtype == null) {
            o.putNull("torch_dtype");
        } else {
            o.put("torch_dtype", torchDtype);
        }
        o.put("vocab_size", vocabSize);
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putIds(ObjectNode o, String key, List<Integer> ids) {
        if (ids.isEmpty()) {
            o.putNull(key);
        } else if (ids.size() == 1) {
            o.put(key, ids.get(0));
        } else {
            ArrayNode a = o.putArray(key);
            ids.forEach(a::add);
        }
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
