package org.hyperdas.runtime.hf;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.hyperdas.runtime.BadInputException;

/**
 * A Hugging Face fast tokenizer (tokenizer.json) run by DJL's bindings of the Rust tokenizers
 * library, fully offline: the file is passed as bytes, so DJL never looks at the hub or at other
 * files, and DJL's native library comes from its jar.
 *
 * <p>Special tokens: encode(text) adds what the tokenizer.json post-processor adds (e.g.
 * stories260K's TemplateProcessing prepends {@code <s>}). One addition: when the post-processor
 * adds no special tokens but a sibling tokenizer_config.json names a {@code bos_token} (and does not
 * say {@code "add_bos_token": false}), BOS is prepended. Why: Meta's Llama 3 tokenizer.json adds
 * {@code <|begin_of_text|>} through its post-processor, but redistributed copies (like the one in
 * shared/tokenizers/llama3) keep only the ByteLevel post-processor, and the model expects BOS.
 *
 * <p>Vocabulary size is len(tokenizer) in transformers terms: highest id in the model vocabulary
 * or the added tokens, plus one.
 */
public final class HfTokenizer implements AutoCloseable {
    /** ids and their token strings (as in the vocabulary, e.g. "▁Once" or "ĠOnce"). */
    public record Encoded(long[] ids, List<String> tokens) {
        public Encoded {
            ids = ids.clone();
            tokens = List.copyOf(tokens);
        }

        @Override
        public long[] ids() {
            return ids.clone();
        }

        public int length() {
            return ids.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Encoded e && Arrays.equals(ids, e.ids) && tokens.equals(e.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids) * 31 + tokens.hashCode();
        }

        @Override
        public String toString() {
            return "Encoded" + Arrays.toString(ids) + tokens;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final String[] idToToken;
    private final Map<String, Integer> tokenToId;
    private final boolean[] special;
    private final long bosId; // -1: unknown
    private final long eosId; // -1: unknown
    private final boolean prependBos;

    private HfTokenizer(Path file, HuggingFaceTokenizer tokenizer, String[] idToToken, Map<String, Integer> tokenToId,
            boolean[] special, long bosId, long eosId, boolean prependBos) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.idToToken = idToToken;
        this.tokenToId = tokenToId;
        this.special = special;
        this.bosId = bosId;
        this.eosId = eosId;
        this.prependBos = prependBos;
    }

    /**
     * Loads a tokenizer.json (or the tokenizer.json inside a folder).
     *
     * @throws BadInputException when the file is missing or not a tokenizer DJL can load
     */
    public static HfTokenizer open(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        byte[] bytes = readTokenizerFile(file);
        JsonNode root = parseTokenizerJson(bytes, file);
        Map<String, Integer> toId = new HashMap<>();
        Map<Integer, Boolean> specialIds = new HashMap<>();
        readVocabulary(root, file, toId, specialIds);
        int size = toId.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        String[] idToToken = new String[size];
        toId.forEach((tok, id) -> {
            if (id >= 0 && id < size) {
                idToToken[id] = tok;
            }
        });
        boolean[] special = new boolean[size];
        specialIds.forEach((id, sp) -> {
            if (id >= 0 && id < size) {
                special[id] = sp;
            }
        });
        SpecialTokens st = specialTokens(root, file, toId);
        checkTemplates(root.get("post_processor"), file);
        HuggingFaceTokenizer tok = loadNative(bytes, file);
        return new HfTokenizer(file, tok, idToToken, Map.copyOf(toId), special, st.bos(), st.eos(), st.prependBos());
    }

    private static byte[] readTokenizerFile(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw BadInputException.file(file, "no such file (expected a Hugging Face tokenizer.json)");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static JsonNode parseTokenizerJson(byte[] bytes, Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw BadInputException.file(file, "not valid JSON, expected a Hugging Face tokenizer.json ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (root == null || !root.isObject() || !root.path("model").isObject()) {
            throw BadInputException.field(file, "model", "an object (a Hugging Face tokenizer.json)",
                    root == null ? "nothing" : LlamaConfigJson.describe(root.get("model")));
        }
        return root;
    }

    /**
     * Fills {@code toId} from model.vocab ({token: id} for BPE/WordPiece/WordLevel, [[token, score],
     * ...] for Unigram) and then added_tokens, and {@code specialIds} with the added tokens' special flags.
     */
    private static void readVocabulary(JsonNode root, Path file, Map<String, Integer> toId,
            Map<Integer, Boolean> specialIds) {
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                toId.put(e.getKey(), e.getValue().asInt());
            }
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                toId.put(vocab.get(i).path(0).asText(), i);
            }
        } else {
            throw BadInputException.field(file, "model.vocab", "an object or array", LlamaConfigJson.describe(vocab));
        }
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            toId.put(t.path("content").asText(), id);
            specialIds.put(id, t.path("special").asBoolean(false));
        }
    }

    /** BOS and EOS ids (-1: unknown) and whether encode must prepend BOS itself. */
    private record SpecialTokens(long bos, long eos, boolean prependBos) {
    }

    private static SpecialTokens specialTokens(JsonNode root, Path file, Map<String, Integer> toId) {
        boolean postAddsSpecial = addsSpecialTokens(root.get("post_processor"));
        long bos = -1;
        long eos = -1;
        boolean prependBos = false;
        Path configFile = file.resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(configFile)) {
            JsonNode cfg;
            try {
                cfg = JSON.readTree(configFile.toFile());
            } catch (IOException e) {
                throw BadInputException.file(configFile, "not valid JSON (" + e.getMessage() + ")");
            }
            bos = specialId(cfg.get("bos_token"), toId);
            eos = specialId(cfg.get("eos_token"), toId);
            JsonNode add = cfg.get("add_bos_token");
            boolean addBos = add == null || add.isNull() || add.asBoolean(true);
            prependBos = !postAddsSpecial && bos >= 0 && addBos;
        }
        if (bos < 0) {
            bos = firstTemplateSpecial(root.get("post_processor"), root);
        }
        if (eos < 0) {
            for (String name : new String[] {"</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>"}) {
                Integer id = toId.get(name);
                if (id != null) {
                    eos = id;
                    break;
                }
            }
        }
        return new SpecialTokens(bos, eos, prependBos);
    }

    private static HuggingFaceTokenizer loadNative(byte[] bytes, Path file) {
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "true");
        // No truncation or padding: callers decide lengths; a silently truncated prompt is a bug.
        options.put("truncation", "false");
        options.put("padding", "false");
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), options);
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    /**
     * Every special token a TemplateProcessing template names must be one of its special_tokens:
     * the native library loads such a file but aborts the whole process on the first encode.
     */
    private static void checkTemplates(JsonNode pp, Path file) {
        if (pp == null || !pp.isObject()) {
            return;
        }
        for (JsonNode p : pp.path("processors")) {
            checkTemplates(p, file);
        }
        if (!pp.path("type").asText().equals("TemplateProcessing")) {
            return;
        }
        for (String template : new String[] {"single", "pair"}) {
            for (JsonNode piece : pp.path(template)) {
                String name = piece.path("SpecialToken").path("id").asText(null);
                if (name != null && !pp.path("special_tokens").path(name).path("ids").isArray()) {
                    throw BadInputException.file(file, "post_processor." + template + " names special token '" + name
                            + "', expected it among post_processor.special_tokens with its ids");
                }
            }
        }
    }

    /** Whether a post_processor inserts special tokens (a template, BERT/RoBERTa style). */
    private static boolean addsSpecialTokens(JsonNode pp) {
        if (pp == null || pp.isNull()) {
            return false;
        }
        String type = pp.path("type").asText();
        switch (type) {
            case "TemplateProcessing": {
                for (JsonNode piece : pp.path("single")) {
                    if (piece.has("SpecialToken")) {
                        return true;
                    }
                }
                return false;
            }
            case "BertProcessing":
            case "RobertaProcessing":
                return true;
            case "Sequence": {
                for (JsonNode p : pp.path("processors")) {
                    if (addsSpecialTokens(p)) {
                        return true;
                    }
                }
                return false;
            }
            default:
                return false;
        }
    }

    /** The id of the special token that a TemplateProcessing puts first, if any (that is the BOS). */
    private static long firstTemplateSpecial(JsonNode pp, JsonNode root) {
        if (pp == null || pp.isNull()) {
            return -1;
        }
        if (pp.path("type").asText().equals("Sequence")) {
            for (JsonNode p : pp.path("processors")) {
                long id = firstTemplateSpecial(p, root);
                if (id >= 0) {
                    return id;
                }
            }
            return -1;
        }
        if (!pp.path("type").asText().equals("TemplateProcessing")) {
            return -1;
        }
        JsonNode first = pp.path("single").path(0);
        if (!first.has("SpecialToken")) {
            return -1;
        }
        String name = first.path("SpecialToken").path("id").asText();
        JsonNode ids = pp.path("special_tokens").path(name).path("ids");
        return ids.isArray() && ids.size() == 1 ? ids.get(0).asLong() : -1;
    }

    /** tokenizer_config.json gives special tokens as a string or as {"content": ...}. */
    private static long specialId(JsonNode n, Map<String, Integer> toId) {
        if (n == null || n.isNull()) {
            return -1;
        }
        String content = n.isTextual() ? n.textValue() : n.path("content").asText(null);
        Integer id = content == null ? null : toId.get(content);
        return id == null ? -1 : id;
    }

    // ---------------------------------------------------------------- encoding

    /** ids with the special tokens the tokenizer adds (e.g. BOS first). */
    public long[] encode(String text) {
        return encode(text, true);
    }

    /** ids, with or without the special tokens the tokenizer adds. */
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenize(text, addSpecialTokens).ids;
    }

    /** ids and token strings, with the special tokens the tokenizer adds. */
    public Encoded tokenize(String text) {
        return tokenize(text, true);
    }

    public Encoded tokenize(String text, boolean addSpecialTokens) {
        Encoding e = tokenizer.encode(text, addSpecialTokens, false);
        return finish(e, addSpecialTokens);
    }

    /** Encodes many texts at once (parallel inside the native library). */
    public Encoded[] tokenizeBatch(List<String> texts, boolean addSpecialTokens) {
        Encoding[] es = tokenizer.batchEncode(texts, addSpecialTokens, false);
        Encoded[] out = new Encoded[es.length];
        for (int i = 0; i < es.length; i++) {
            out[i] = finish(es[i], addSpecialTokens);
        }
        return out;
    }

    private Encoded finish(Encoding e, boolean addSpecialTokens) {
        long[] ids = e.getIds();
        String[] toks = e.getTokens();
        if (addSpecialTokens && prependBos) {
            long[] withBos = new long[ids.length + 1];
            withBos[0] = bosId;
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            String[] withTok = new String[toks.length + 1];
            withTok[0] = idToToken[(int) bosId];
            System.arraycopy(toks, 0, withTok, 1, toks.length);
            ids = withBos;
            toks = withTok;
        }
        return new Encoded(ids, Arrays.asList(toks));
    }

    /** Text of the ids, special tokens included (as transformers' decode does by default). */
    public String decode(long[] ids) {
        return decode(ids, false);
    }

    public String decode(long[] ids, boolean skipSpecialTokens) {
        checkIds(ids);
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /**
     * Per-token display text: each id decoded alone. For byte-level vocabularies a token that is
     * part of a multi-byte character decodes to U+FFFD; the concatenation of pieces is then not
     * the decoded text, use {@link #decode} for that.
     */
    public List<String> pieces(long[] ids) {
        checkIds(ids);
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = tokenizer.decode(new long[] {ids[i]}, false);
        }
        return Arrays.asList(out);
    }

    private void checkIds(long[] ids) {
        for (long id : ids) {
            if (id < 0 || id >= idToToken.length) {
                throw new BadInputException(file + ": token id " + id + " out of range, expected 0.."
                        + (idToToken.length - 1));
            }
        }
    }

    // ---------------------------------------------------------------- vocabulary

    /** Number of ids (vocabulary plus added tokens), like len(tokenizer) in transformers. */
    public int vocabSize() {
        return idToToken.length;
    }

    /** Vocabulary string of an id (null for a hole in the id range). */
    public String token(long id) {
        return id >= 0 && id < idToToken.length ? idToToken[(int) id] : null;
    }

    /** Id of a vocabulary string, or -1. */
    public long id(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? -1 : id;
    }

    public boolean isSpecial(long id) {
        return id >= 0 && id < special.length && special[(int) id];
    }

    /** BOS id (from tokenizer_config.json or the post-processor template), if known. */
    public OptionalLong bosId() {
        return bosId < 0 ? OptionalLong.empty() : OptionalLong.of(bosId);
    }

    /** EOS id (from tokenizer_config.json or a conventional name), if known. */
    public OptionalLong eosId() {
        return eosId < 0 ? OptionalLong.empty() : OptionalLong.of(eosId);
    }

    /** Whether BOS is prepended by this class rather than by the tokenizer.json post-processor. */
    public boolean prependsBos() {
        return prependBos;
    }

    public Path path() {
        return file;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + file + ", vocab " + idToToken.length + "]";
    }
}
