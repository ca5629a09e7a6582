package org.hyperdas.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;

/**
 * A random tiny Llama (seeded) with a word-level tokenizer over every word of the embedded RAVEL
 * subset, so that prompts, entities and labels are real tokens (an entity of one word is one
 * token): a model folder for tests of the intervention machinery, which need no trained model.
 */
final class TinyWordModel {
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    private TinyWordModel() {
    }

    static Path write(Path folder, long seed, int layers, int hidden) throws IOException {
        Set<String> words = new LinkedHashSet<>(List.of("<unk>", "<s>", "</s>"));
        for (String type : RavelLoader.EMBEDDED_TYPES) {
            RavelDataset ds = RavelLoader.loadEmbedded(type);
            for (Template t : ds.templates()) {
                addWords(words, t.text().replace("%s", " "));
            }
            for (Entity e : ds.entities()) {
                addWords(words, e.name());
                for (String a : ds.attributes()) {
                    if (e.has(a)) {
                        addWords(words, e.value(a));
                    }
                }
            }
        }
        Files.createDirectories(folder);
        ObjectMapper json = new ObjectMapper();
        ObjectNode tok = json.createObjectNode();
        tok.put("version", "1.0");
        tok.putNull("truncation");
        tok.putNull("padding");
        ArrayNode added = tok.putArray("added_tokens");
        String[] specials = {"<unk>", "<s>", "</s>"};
        for (int i = 0; i < specials.length; i++) {
            ObjectNode a = added.addObject();
            a.put("id", i);
            a.put("content", specials[i]);
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        tok.putNull("normalizer");
        tok.putObject("pre_tokenizer").put("type", "Whitespace");
        tok.putNull("post_processor");
        tok.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = tok.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        for (String w : words) {
            vocab.put(w, id++);
        }
        model.put("unk_token", "<unk>");
        Files.writeString(folder.resolve("tokenizer.json"), json.writeValueAsString(tok));
        Files.writeString(folder.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"add_bos_token\": true}\n");

        LlamaConfig config = LlamaConfig.builder().hiddenSize(hidden).intermediateSize(2 * hidden)
                .numHiddenLayers(layers).numAttentionHeads(4).numKeyValueHeads(2).headDim(hidden / 4)
                .vocabSize(words.size()).maxPositionEmbeddings(256).rmsNormEps(1e-5).ropeTheta(10000)
                .tieWordEmbeddings(true).bosTokenId(1).eosTokenId(2).torchDtype("float32").build();
        config.save(folder.resolve("config.json"));
        Random random = new Random(seed);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
            long[] shape = e.getValue();
            int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
            boolean norm = e.getKey().endsWith("norm.weight");
            double std = norm ? 0.1 : e.getKey().contains("embed") ? 1 : 1 / Math.sqrt(shape[1]);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) ((norm ? 1 : 0) + std * random.nextGaussian());
            }
            w.addF32(e.getKey(), shape, v);
        }
        w.write(folder.resolve("model.safetensors"));
        return folder;
    }

    private static void addWords(Set<String> words, String text) {
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            words.add(m.group());
        }
    }
}
