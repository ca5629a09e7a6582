package org.hyperdas.trainer.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * Builds a word-level Hugging Face tokenizer (tokenizer.json) from a corpus of texts.
 *
 * <p>The tokenizer is the GPT-2 / Llama 3 style byte-level pipeline with a word-level model:
 * <ul>
 *   <li>pre-tokenizer {@code ByteLevel} (GPT-2 regex: contractions, {@code " ?\p{L}+"},
 *       {@code " ?\p{N}+"}, {@code " ?[^\s\p{L}\p{N}]+"}, whitespace), so words and punctuation are
 *       separate pieces and a piece carries its leading space (as {@code Ġ}), exactly as Llama 3's
 *       tokenizer splits text before BPE;
 *   <li>model {@code WordLevel}: one id per piece seen in the corpus, {@code <unk>} otherwise;
 *   <li>post-processor {@code TemplateProcessing} that prepends {@code <s>} (BOS);
 *   <li>decoder {@code ByteLevel}, so decode(encode(text)) gives the text back byte for byte.
 * </ul>
 * A multi-word name ("Addis Ababa", "United Arab Emirates") is several tokens, one per word, as in
 * real models. Ids: {@code <unk>} 0, {@code <s>} 1, {@code </s>} 2, then the pieces by decreasing
 * corpus frequency (ties by string), so the same corpus always gives the same file.
 *
 * <pre>{@code
 * WordLevelTokenizerBuilder b = new WordLevelTokenizerBuilder();
 * texts.forEach(b::add);
 * WordLevelTokenizerBuilder.Built t = b.build();
 * t.write(folder);   // tokenizer.json + tokenizer_config.json, loadable by HfTokenizer / DJL / transformers
 * }</pre>
 */
public final class WordLevelTokenizerBuilder {
    public static final String UNK = "<unk>";
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";
    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;

    /** The regex of HF tokenizers' ByteLevel pre-tokenizer (use_regex: true). */
    private static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = byteToUnicode();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Long> counts = new HashMap<>();
    private long texts;

    /** Adds every piece of {@code text} to the vocabulary counts. */
    public WordLevelTokenizerBuilder add(String text) {
        for (String piece : preTokenize(text)) {
            counts.merge(piece, 1L, Long::sum);
        }
        texts++;
        return this;
    }

    /** Adds each text. */
    public WordLevelTokenizerBuilder addAll(Iterable<String> texts) {
        texts.forEach(this::add);
        return this;
    }

    /** Number of texts added. */
    public long textCount() {
        return texts;
    }

    /**
     * The pieces the ByteLevel pre-tokenizer makes of {@code text}, in byte-level alphabet (a
     * leading space is {@code Ġ}), as the vocabulary stores them.
     */
    public static List<String> preTokenize(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2_SPLIT.matcher(text);
        while (m.find()) {
            if (m.end() > m.start()) {
                out.add(toByteLevel(m.group()));
            }
        }
        return out;
    }

    /** A string in GPT-2's byte-to-unicode alphabet (UTF-8 bytes, each mapped to one char). */
    public static String toByteLevel(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xff]);
        }
        return sb.toString();
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to 256 + n. */
    private static char[] byteToUnicode() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = printable[b] ? (char) b : (char) (256 + n++);
        }
        return map;
    }

    /** The vocabulary: specials first, then pieces by decreasing count, ties by string. */
    public Built build() {
        List<Map.Entry<String, Long>> pieces = new ArrayList<>(counts.entrySet());
        pieces.sort(Comparator.comparing((Map.Entry<String, Long> e) -> -e.getValue())
                .thenComparing(Map.Entry::getKey));
        Map<String, Integer> vocab = new LinkedHashMap<>();
        vocab.put(UNK, UNK_ID);
        vocab.put(BOS, BOS_ID);
        vocab.put(EOS, EOS_ID);
        for (Map.Entry<String, Long> e : pieces) {
            vocab.putIfAbsent(e.getKey(), vocab.size());
        }
        return new Built(vocab);
    }

    /** A built vocabulary and its tokenizer.json. */
    public static final class Built {
        private final Map<String, Integer> vocab;

        private Built(Map<String, Integer> vocab) {
            this.vocab = vocab;
        }

        /** Number of ids (specials included). */
        public int vocabSize() {
            return vocab.size();
        }

        public int bosId() {
            return BOS_ID;
        }

        public int eosId() {
            return EOS_ID;
        }

        public int unkId() {
            return UNK_ID;
        }

        /** The vocabulary (piece in byte-level alphabet to id), in id order. */
        public Map<String, Integer> vocab() {
            return java.util.Collections.unmodifiableMap(vocab);
        }

        /** The tokenizer.json text (Hugging Face tokenizers format 1.0). */
        public String tokenizerJson() {
            ObjectNode root = JSON.createObjectNode();
            root.put("version", "1.0");
            root.putNull("truncation");
            root.putNull("padding");
            ArrayNode added = root.putArray("added_tokens");
            for (String s : List.of(UNK, BOS, EOS)) {
                ObjectNode t = added.addObject();
                t.put("id", vocab.get(s));
                t.put("content", s);
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", false);
                t.put("special", true);
            }
            root.putNull("normalizer");
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "ByteLevel");
            pre.put("add_prefix_space", false);
            pre.put("trim_offsets", true);
            pre.put("use_regex", true);

            ObjectNode post = root.putObject("post_processor");
            post.put("type", "TemplateProcessing");
            ArrayNode single = post.putArray("single");
            single.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            ArrayNode pair = post.putArray("pair");
            pair.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            pair.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 1);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
            ObjectNode specials = post.putObject("special_tokens");
            ObjectNode bos = specials.putObject(BOS);
            bos.put("id", BOS);
            bos.putArray("ids").add(BOS_ID);
            bos.putArray("tokens").add(BOS);

            ObjectNode dec = root.putObject("decoder");
            dec.put("type", "ByteLevel");
            dec.put("add_prefix_space", true);
            dec.put("trim_offsets", true);
            dec.put("use_regex", true);

            ObjectNode model = root.putObject("model");
            model.put("type", "WordLevel");
            ObjectNode v = model.putObject("vocab");
            vocab.forEach(v::put);
            model.put("unk_token", UNK);
            try {
                return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** tokenizer_config.json for transformers' PreTrainedTokenizerFast (BOS added by the template). */
        public String tokenizerConfigJson() {
            ObjectNode c = JSON.createObjectNode();
            c.put("tokenizer_class", "PreTrainedTokenizerFast");
            c.put("bos_token", BOS);
            c.put("eos_token", EOS);
            c.put("unk_token", UNK);
            c.put("clean_up_tokenization_spaces", false);
            c.put("model_max_length", 2048);
            try {
                return JSON.writeValueAsString(c) + "\n";
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Writes tokenizer.json and tokenizer_config.json into {@code folder}, each atomically. */
        public void write(Path folder) throws IOException {
            AtomicFiles.writeString(folder.resolve("tokenizer.json"), tokenizerJson());
            AtomicFiles.writeString(folder.resolve("tokenizer_config.json"), tokenizerConfigJson());
        }
    }
}
