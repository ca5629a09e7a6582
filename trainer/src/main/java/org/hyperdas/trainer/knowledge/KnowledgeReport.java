package org.hyperdas.trainer.knowledge;

import org.hyperdas.runtime.feeds.FeedSchema;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * What a model knows: for every entity type, attribute and prompt template, which entities the
 * model answers correctly (teacher-forced, first 3 value tokens; see {@link KnowledgeProbe}).
 *
 * <p>Saved as {@value #FILE} in the model folder: per attribute its accuracy and per template its
 * accuracy and the set of entities known (a base64 bitset over the entity type's entity list).
 * That set is the "knows it" filter of pair building:
 * <pre>{@code
 * KnowledgeReport report = KnowledgeReport.load(modelFolder);
 * PairWriter.rewriteKnowsIt(pairFile, report.knowsIt());
 * }</pre>
 * A pair's verify prompt is its base template filled with the source entity (cause) or the base
 * entity (isolate), and its expected label is that entity's value of the template's attribute:
 * exactly one (template, entity) cell of the report.
 */
public final class KnowledgeReport {
    /** File name inside a model folder. */
    public static final String FILE = "knowledge.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One template's result over the entities that have a value for its attribute. */
    public record TemplateScore(String template, String split, int correct, int total, BitSet known) {
        public double accuracy() {
            return total == 0 ? 0 : correct / (double) total;
        }
    }

    /** One attribute's result over all its templates and entities. */
    public record AttributeScore(String entityType, String attribute, List<TemplateScore> templates) {
        public int correct() {
            return templates.stream().mapToInt(TemplateScore::correct).sum();
        }

        public int total() {
            return templates.stream().mapToInt(TemplateScore::total).sum();
        }

        public double accuracy() {
            return total() == 0 ? 0 : correct() / (double) total();
        }
    }

    private final String model;
    private final Map<String, List<String>> entities; // per entity type, index order of the bitsets
    private final List<AttributeScore> attributes;
    private final Map<String, Map<String, Integer>> entityIndex = new HashMap<>();
    private final Map<String, BitSet> knownByTemplate = new HashMap<>(); // type \0 template

    public KnowledgeReport(String model, Map<String, List<String>> entities, List<AttributeScore> attributes) {
        this.model = model;
        this.entities = Collections.unmodifiableMap(new LinkedHashMap<>(entities));
        this.attributes = List.copyOf(attributes);
        this.entities.forEach((type, names) -> {
            Map<String, Integer> idx = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                idx.putIfAbsent(names.get(i), i);
            }
            entityIndex.put(type, idx);
        });
        for (AttributeScore a : this.attributes) {
            for (TemplateScore t : a.templates()) {
                knownByTemplate.put(a.entityType() + '\u0000' + t.template(), t.known());
            }
        }
    }

    /**
     * Probes every sentence of the corpus (each fact with each of its templates).
     *
     * @param progress a line per chunk of sentences (null: silent)
     */
    public static KnowledgeReport evaluate(KnowledgeProbe probe, KnowledgeCorpus corpus, PrintStream progress)
            throws OrtException {
        Map<String, List<String>> entities = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> index = new HashMap<>();
        for (RavelDataset ds : corpus.datasets()) {
            List<String> names = ds.entities().stream().map(Entity::name).toList();
            entities.put(ds.entityType(), names);
            Map<String, Integer> idx = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                idx.putIfAbsent(names.get(i), i);
            }
            index.put(ds.entityType(), idx);
        }
        // cells[type \0 attribute][template index] = bitset of known entities; counts alike.
        Map<String, BitSet[]> known = new LinkedHashMap<>();
        Map<String, int[]> totals = new HashMap<>();
        for (String type : corpus.entityTypes()) {
            for (String a : corpus.attributes(type)) {
                int n = corpus.templates(type, a).size();
                BitSet[] sets = new BitSet[n];
                for (int i = 0; i < n; i++) {
                    sets[i] = new BitSet();
                }
                known.put(type + '\u0000' + a, sets);
                totals.put(type + '\u0000' + a, new int[n]);
            }
        }
        long all = corpus.allSentenceCount();
        long done = 0;
        long started = System.nanoTime();
        long lastPrint = started;
        int chunkSize = 4096;
        List<KnowledgeCorpus.Sentence> chunk = new ArrayList<>(chunkSize);
        for (java.util.Iterator<KnowledgeCorpus.Sentence> it = corpus.allSentences().iterator(); it.hasNext(); ) {
            chunk.add(it.next());
            if (chunk.size() == chunkSize || !it.hasNext()) {
                List<String> prompts = chunk.stream().map(KnowledgeCorpus.Sentence::prompt).toList();
                List<String> values = chunk.stream().map(KnowledgeCorpus.Sentence::value).toList();
                boolean[] flags = probe.knows(prompts, values);
                for (int i = 0; i < chunk.size(); i++) {
                    KnowledgeCorpus.Sentence s = chunk.get(i);
                    KnowledgeCorpus.Fact f = s.fact();
                    String key = f.entityType() + '\u0000' + f.attribute();
                    int t = corpus.templates(f.entityType(), f.attribute()).indexOf(s.template());
                    totals.get(key)[t]++;
                    if (flags[i]) {
                        known.get(key)[t].set(index.get(f.entityType()).get(f.entity()));
                    }
                }
                done += chunk.size();
                chunk.clear();
                long now = System.nanoTime();
                if (progress != null && (now - lastPrint > 5_000_000_000L || done == all) && all > chunkSize) {
                    progress.printf(Locale.ROOT, "knowledge report: %,d / %,d sentences (%.0f/s)%n", done, all,
                            done / ((now - started) / 1e9));
                    lastPrint = now;
                }
            }
        }
        List<AttributeScore> scores = new ArrayList<>();
        for (String type : corpus.entityTypes()) {
            for (String a : corpus.attributes(type)) {
                String key = type + '\u0000' + a;
                List<Template> ts = corpus.templates(type, a);
                List<TemplateScore> tss = new ArrayList<>();
                for (int i = 0; i < ts.size(); i++) {
                    BitSet b = known.get(key)[i];
                    tss.add(new TemplateScore(ts.get(i).text(), ts.get(i).split().label(), b.cardinality(),
                            totals.get(key)[i], b));
                }
                scores.add(new AttributeScore(type, a, tss));
            }
        }
        return new KnowledgeReport(probe.folder().toString(), entities, scores);
    }

    public String model() {
        return model;
    }

    public List<AttributeScore> attributes() {
        return attributes;
    }

    /** The accuracy of one attribute (NaN when the report has no such attribute). */
    public double accuracy(String entityType, String attribute) {
        return attributes.stream().filter(a -> a.entityType().equals(entityType) && a.attribute().equals(attribute))
                .mapToDouble(AttributeScore::accuracy).findFirst().orElse(Double.NaN);
    }

    /** Mean of the attributes' accuracies (each attribute counts once, whatever its size). */
    public double meanAccuracy() {
        return attributes.stream().mapToDouble(AttributeScore::accuracy).average().orElse(0);
    }

    /**
     * Whether the model answers {@code template} filled with {@code entity} correctly; null when
     * the report has no such cell (another dataset, an unknown template or entity).
     */
    public Boolean knows(String entityType, String template, String entity) {
        BitSet b = knownByTemplate.get(entityType + '\u0000' + template);
        Integer i = entityIndex.getOrDefault(entityType, Map.of()).get(entity);
        if (b == null || i == null) {
            return null;
        }
        return b.get(i);
    }

    /** The entity whose knowledge a pair's base label needs: source for cause pairs, base for isolate. */
    public static String verifyEntity(Pair p) {
        return p.kind() == PairKind.CAUSE ? p.sourceEntity() : p.baseEntity();
    }

    /** Whether the report covers a pair (its verify cell exists). */
    public boolean covers(Pair p) {
        return knows(p.entityType(), p.baseTemplate(), verifyEntity(p)) != null;
    }

    /**
     * The knows-it predicate for {@code PairWriter.rewriteKnowsIt}: true when the model answers the
     * pair's verify prompt correctly; false for pairs the report does not cover (see
     * {@link KnowledgeProbe#knowsIt} for those).
     */
    public Predicate<Pair> knowsIt() {
        return p -> Boolean.TRUE.equals(knows(p.entityType(), p.baseTemplate(), verifyEntity(p)));
    }

    /** A table: one row per entity type and attribute, then the mean. */
    public String table() {
        int wt = "entity type".length();
        int wa = "attribute".length();
        for (AttributeScore a : attributes) {
            wt = Math.max(wt, a.entityType().length());
            wa = Math.max(wa, a.attribute().length());
        }
        String fmt = "%-" + wt + "s  %-" + wa + "s  %9s  %9s  %9s  %s%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, fmt, "entity type", "attribute", "accuracy", "correct", "total",
                "worst template"));
        for (AttributeScore a : attributes) {
            TemplateScore worst = a.templates().stream()
                    .min(java.util.Comparator.comparingDouble(TemplateScore::accuracy)).orElse(null);
            sb.append(String.format(Locale.ROOT, fmt, a.entityType(), a.attribute(),
                    String.format(Locale.ROOT, "%.2f%%", 100 * a.accuracy()), String.format("%,d", a.correct()),
                    String.format("%,d", a.total()),
                    worst == null ? "" : String.format(Locale.ROOT, "%.1f%% %s", 100 * worst.accuracy(),
                            quote(worst.template()))));
        }
        sb.append(String.format(Locale.ROOT, "mean over %d attributes: %.2f%% (teacher-forced, first %d value tokens)%n",
                attributes.size(), 100 * meanAccuracy(), FeedSchema.SCORED_LABEL_TOKENS));
        return sb.toString();
    }

    private static String quote(String s) {
        String one = s.replace("\n", "\\n");
        return "\"" + (one.length() > 60 ? one.substring(0, 57) + "..." : one) + "\"";
    }

    // ---------------------------------------------------------------- JSON

    /** The report as JSON (see the class comment). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", model);
        root.put("first_k", FeedSchema.SCORED_LABEL_TOKENS);
        root.put("mean_accuracy", meanAccuracy());
        ArrayNode types = root.putArray("entity_types");
        for (Map.Entry<String, List<String>> e : entities.entrySet()) {
            ObjectNode t = types.addObject();
            t.put("entity_type", e.getKey());
            ArrayNode attrs = t.putArray("attributes");
            for (AttributeScore a : attributes) {
                if (!a.entityType().equals(e.getKey())) {
                    continue;
                }
                ObjectNode an = attrs.addObject();
                an.put("attribute", a.attribute());
                an.put("accuracy", a.accuracy());
                an.put("correct", a.correct());
                an.put("total", a.total());
                ArrayNode tn = an.putArray("templates");
                for (TemplateScore ts : a.templates()) {
                    ObjectNode x = tn.addObject();
                    x.put("template", ts.template());
                    x.put("split", ts.split());
                    x.put("accuracy", ts.accuracy());
                    x.put("correct", ts.correct());
                    x.put("total", ts.total());
                    x.put("known", Base64.getEncoder().encodeToString(ts.known().toByteArray()));
                }
            }
            ArrayNode names = t.putArray("entities");
            e.getValue().forEach(names::add);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Writes {@value #FILE} into {@code modelFolder}, atomically. */
    public void write(Path modelFolder) throws IOException {
        AtomicFiles.writeString(modelFolder.resolve(FILE), toJson());
    }

    /**
     * Reads {@value #FILE} from a model folder (or the file itself).
     *
     * @throws BadInputException when it is missing or malformed
     */
    public static KnowledgeReport load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE) : path;
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw BadInputException.file(file, "no such file (expected the knowledge report that "
                    + "hyperdas-run pretrain writes into the model folder)");
        } catch (IOException e) {
            throw BadInputException.file(file, "not valid JSON (" + e.getMessage() + ")");
        }
        if (root == null || !root.path("entity_types").isArray()) {
            throw BadInputException.field(file, "entity_types", "an array", root == null ? "nothing"
                    : root.path("entity_types").getNodeType().toString().toLowerCase(Locale.ROOT));
        }
        Map<String, List<String>> entities = new LinkedHashMap<>();
        List<AttributeScore> scores = new ArrayList<>();
        for (JsonNode t : root.path("entity_types")) {
            String type = t.path("entity_type").asText();
            List<String> names = new ArrayList<>();
            t.path("entities").forEach(n -> names.add(n.asText()));
            entities.put(type, names);
            for (JsonNode a : t.path("attributes")) {
                List<TemplateScore> tss = new ArrayList<>();
                for (JsonNode x : a.path("templates")) {
                    BitSet known;
                    try {
                        known = BitSet.valueOf(Base64.getDecoder().decode(x.path("known").asText()));
                    } catch (IllegalArgumentException e) {
                        throw BadInputException.field(file, "known", "a base64 bitset", x.path("known").toString());
                    }
                    tss.add(new TemplateScore(x.path("template").asText(), x.path("split").asText(),
                            x.path("correct").asInt(), x.path("total").asInt(), known));
                }
                scores.add(new AttributeScore(type, a.path("attribute").asText(), tss));
            }
        }
        return new KnowledgeReport(root.path("model").asText(), entities, scores);
    }
}
