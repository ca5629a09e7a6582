package org.hyperdas.runtime.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig.RopeScaling;

/**
 * {@link LlamaConfig} to and from config.json text: parsing field by field with file-and-field
 * messages, and writing keys in the order transformers writes them.
 */
final class LlamaConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LlamaConfigJson() {
    }

    /** See {@link LlamaConfig#parse(String, Path)}. */
    static LlamaConfig parse(String json, Path source) {
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
        if (!modelType.equals("llama")) {
            throw BadInputException.field(source, "model_type", "\"llama\" (only Llama models are supported)",
                    "\"" + modelType + "\"");
        }
        List<String> arch = f.has("architectures") ? f.stringList("architectures") : List.of("LlamaForCausalLM");
        for (String a : arch) {
            if (!a.toLowerCase(Locale.ROOT).startsWith("llama")) {
                throw BadInputException.field(source, "architectures", "Llama architectures such as"
                        + " [\"LlamaForCausalLM\"] (only Llama models are supported)", arch);
            }
        }
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

    /** See {@link LlamaConfig#toJson()}. */
    static String toJson(LlamaConfig c) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode arch = o.putArray("architectures");
        c.architectures().forEach(arch::add);
        o.put("attention_bias", c.attentionBias());
        putIds(o, "bos_token_id", c.bosTokenId());
        putIds(o, "eos_token_id", c.eosTokenId());
        o.put("head_dim", c.headDim());
        o.put("hidden_act", c.hiddenAct());
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", c.intermediateSize());
        o.put("max_position_embeddings", c.maxPositionEmbeddings());
        o.put("mlp_bias", c.mlpBias());
        o.put("model_type", c.modelType());
        o.put("num_attention_heads", c.numAttentionHeads());
        o.put("num_hidden_layers", c.numHiddenLayers());
        o.put("num_key_value_heads", c.numKeyValueHeads());
        o.put("rms_norm_eps", c.rmsNormEps());
        if (c.ropeScaling() == null) {
            o.putNull("rope_scaling");
        } else {
            ObjectNode r = o.putObject("rope_scaling");
            r.put("factor", c.ropeScaling().factor());
            r.put("high_freq_factor", c.ropeScaling().highFreqFactor());
            r.put("low_freq_factor", c.ropeScaling().lowFreqFactor());
            r.put("original_max_position_embeddings", c.ropeScaling().originalMaxPositionEmbeddings());
            r.put("rope_type", c.ropeScaling().ropeType());
        }
        o.put("rope_theta", c.ropeTheta());
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        if (c.torchDtype() == null) {
            o.putNull("torch_dtype");
        } else {
            o.put("torch_dtype", c.torchDtype());
        }
        o.put("vocab_size", c.vocabSize());
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
}
