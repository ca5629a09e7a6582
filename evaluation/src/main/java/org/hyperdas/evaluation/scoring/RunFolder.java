package org.hyperdas.evaluation.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;

/**
 * A run folder, what {@code hyperdas-run train} (and each layer of {@code sweep}) writes:
 * <pre>
 *   config.json              what was run: method, model, layer, k, steps, seed, data, ...
 *   parameters.safetensors   the trained intervention parameters (none for patching)
 *   predictions.arrow        one row per scored example ({@link PredictionFile})
 *   scores.json              Cause / Isolate / Disentangle per split, entity type and attribute
 * </pre>
 * Each file is written atomically (temporary file, then rename) and scores.json last, so a folder
 * with scores.json is complete; {@link #read} insists on all four files.
 *
 * <p>scores.json holds fractions in [0, 1] (null where nothing was scored):
 * <pre>
 * {"method": "das", "metric": "...",
 *  "splits": {"test_entity": {"cause": .., "isolate": .., "disentangle": ..,
 *     "entity_types": {"city": {"cause": .., "isolate": .., "disentangle": ..,
 *        "attributes": {"Country": {"cause": .., "isolate": .., "disentangle": ..,
 *           "cause_correct": 12, "cause_total": 20, "isolate_correct": 30, "isolate_total": 31}}}}}}}
 * </pre>
 */
public final class RunFolder {
    public static final String CONFIG = "config.json";
    public static final String PARAMETERS = "parameters.safetensors";
    public static final String PREDICTIONS = "predictions.arrow";
    public static final String SCORES = "scores.json";
    /** Every file of a complete run, in the order they are written. */
    public static final List<String> FILES = List.of(CONFIG, PARAMETERS, PREDICTIONS, SCORES);
    /** What the scores measure, stated in scores.json. */
    public static final String METRIC = "teacher-forced argmax after intervention; an example is correct when the"
            + " label tokens config.json's " + RunProtocol.LABEL_TOKENS + " names (all, or the first N, all of them when"
            + " shorter; the first " + FeedSchema.SCORED_LABEL_TOKENS + " when absent) equal the expected label's tokens";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunFolder() {
    }

    /** A run read back: its folder, config and scores. */
    public record Run(Path folder, JsonNode config, Scores scores) {
        /** The method label ("patching", "das", ...). */
        public String method() {
            return scores.method();
        }

        /** A config value as text, or {@code fallback}. */
        public String configText(String key, String fallback) {
            JsonNode n = config.get(key);
            return n == null || n.isNull() ? fallback : n.asText();
        }
    }

    /**
     * Writes a complete run folder (created if needed). Existing files are replaced one by one,
     * atomically; scores.json comes last.
     *
     * @param config JSON-serializable values (maps, lists, strings, numbers)
     * @param parameters the parameters to save (may hold no tensor)
     */
    public static void write(Path folder, Map<String, Object> config, SafetensorsWriter parameters,
            List<Outcome> outcomes, Scores scores) throws IOException {
        Files.createDirectories(folder);
        AtomicFiles.writeString(folder.resolve(CONFIG), JSON.writeValueAsString(config) + "\n");
        parameters.write(folder.resolve(PARAMETERS));
        PredictionFile.write(folder.resolve(PREDICTIONS), outcomes, Map.of("hyperdas.run.method", scores.method()));
        AtomicFiles.writeString(folder.resolve(SCORES), scoresJson(scores));
    }

    /**
     * Reads a run folder's config and scores.
     *
     * @throws BadInputException naming the folder and the missing or malformed file
     */
    public static Run read(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw BadInputException.file(folder, "no such run folder (expected a folder written by hyperdas-run train"
                    + " or sweep, holding " + String.join(", ", FILES) + ")");
        }
        List<String> missing = new ArrayList<>();
        for (String f : FILES) {
            if (!Files.isRegularFile(folder.resolve(f))) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw BadInputException.file(folder, "incomplete run folder: missing " + String.join(", ", missing)
                    + " (a complete run has " + String.join(", ", FILES) + "; scores.json is written last, so a"
                    + " folder without it is a run that did not finish)");
        }
        JsonNode config = readJson(folder.resolve(CONFIG));
        Path scoresFile = folder.resolve(SCORES);
        return new Run(folder, config, parseScores(readJson(scoresFile), scoresFile));
    }

    /**
     * {@link #read}, then the scores checked against predictions.arrow (every count must be what
     * the predictions hold), for readers that present the scores as the run's (the leaderboard).
     * Export verification reads with {@link #read}: a prediction that differs is its finding.
     *
     * @throws BadInputException naming the file and field that disagree
     */
    public static Run readChecked(Path folder) {
        Run run = read(folder);
        ScoresCheck.requireConsistent(folder.resolve(PREDICTIONS), folder.resolve(SCORES), run.scores());
        return run;
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw BadInputException.file(file, "expected a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw BadInputException.file(file, "not valid JSON: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ scores.json

    public static String scoresJson(Scores scores) {
        ObjectNode root = JSON.createObjectNode();
        root.put("method", scores.method());
        root.put("metric", METRIC);
        ObjectNode splits = root.putObject("splits");
        for (Scores.SplitScores s : scores.splits()) {
            ObjectNode split = splits.putObject(s.split());
            putCid(split, s.overall());
            ObjectNode types = split.putObject("entity_types");
            for (Scores.TypeScores t : s.entityTypes()) {
                ObjectNode type = types.putObject(t.entityType());
                putCid(type, t.cid());
                ObjectNode attributes = type.putObject("attributes");
                for (Scores.AttributeScores a : t.attributes()) {
                    ObjectNode attribute = attributes.putObject(a.attribute());
                    putCid(attribute, a.cid());
                    attribute.put("cause_correct", a.cause().correct());
                    attribute.put("cause_total", a.cause().total());
                    attribute.put("isolate_correct", a.isolate().correct());
                    attribute.put("isolate_total", a.isolate().total());
                }
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putCid(ObjectNode node, Scores.Cid cid) {
        putNumber(node, "cause", cid.cause());
        putNumber(node, "isolate", cid.isolate());
        putNumber(node, "disentangle", cid.disentangle());
    }

    private static void putNumber(ObjectNode node, String key, double v) {
        if (Double.isNaN(v)) {
            node.putNull(key);
        } else {
            node.put(key, v);
        }
    }

    /** Parses scores.json (as written by {@link #scoresJson}); averages are taken from the file. */
    public static Scores parseScores(JsonNode root, Path file) {
        String method = text(root, "method", file);
        JsonNode splits = object(root, "splits", file, "splits");
        List<Scores.SplitScores> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = splits.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> s = it.next();
            String where = "splits." + s.getKey();
            JsonNode types = object(s.getValue(), "entity_types", file, where + ".entity_types");
            List<Scores.TypeScores> typeScores = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> ti = types.fields(); ti.hasNext();) {
                Map.Entry<String, JsonNode> t = ti.next();
                String typeWhere = where + ".entity_types." + t.getKey();
                JsonNode attributes = object(t.getValue(), "attributes", file, typeWhere + ".attributes");
                List<Scores.AttributeScores> attributeScores = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> ai = attributes.fields(); ai.hasNext();) {
                    Map.Entry<String, JsonNode> a = ai.next();
                    String aw = typeWhere + ".attributes." + a.getKey();
                    attributeScores.add(new Scores.AttributeScores(a.getKey(),
                            accuracy(a.getValue(), "cause", file, aw), accuracy(a.getValue(), "isolate", file, aw)));
                }
                typeScores.add(new Scores.TypeScores(t.getKey(), cid(t.getValue(), file, typeWhere), attributeScores));
            }
            out.add(new Scores.SplitScores(s.getKey(), cid(s.getValue(), file, where), typeScores));
        }
        return new Scores(method, out);
    }

    private static String text(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw BadInputException.field(file, key, "a string", v == null ? "nothing" : v.toString());
        }
        return v.asText();
    }

    private static JsonNode object(JsonNode n, String key, Path file, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isObject()) {
            throw BadInputException.field(file, where, "an object", v == null ? "nothing" : v.toString());
        }
        return v;
    }

    private static double number(JsonNode n, String key, Path file, String where) {
        JsonNode v = n.get(key);
        if (v == null) {
            throw BadInputException.field(file, where + "." + key, "a number or null", "nothing");
        }
        if (v.isNull()) {
            return Double.NaN;
        }
        if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() <= 1)) {
            throw BadInputException.field(file, where + "." + key, "a fraction in 0..1 (0..100%) or null",
                    v.toString());
        }
        return v.asDouble();
    }

    private static Scores.Cid cid(JsonNode n, Path file, String where) {
        return new Scores.Cid(number(n, "cause", file, where), number(n, "isolate", file, where),
                number(n, "disentangle", file, where));
    }

    private static Accuracy accuracy(JsonNode n, String kind, Path file, String where) {
        JsonNode c = n.get(kind + "_correct");
        JsonNode t = n.get(kind + "_total");
        if (c == null || t == null || !c.isIntegralNumber() || !t.isIntegralNumber() || !c.canConvertToLong()
                || !t.canConvertToLong()) {
            throw BadInputException.field(file, where + "." + kind + "_correct/_total", "two integers",
                    c + " / " + t);
        }
        try {
            return new Accuracy(c.asLong(), t.asLong());
        } catch (IllegalArgumentException e) {
            throw BadInputException.field(file, where + "." + kind + "_correct/_total", "0 <= correct <= total",
                    c + " / " + t);
        }
    }
}
