package org.hyperdas.evaluation.ravel;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hyperdas.runtime.BadInputException;

/**
 * Reads a RAVEL release folder (or the dataset embedded in this jar) into {@link RavelDataset}s.
 *
 * <p>Per entity type {@code t} the five files are:
 * <pre>
 *   ravel_{t}_entity_attributes.json   {entity: {attribute: value}}
 *   ravel_{t}_attribute_to_prompts.json {attribute: [template, ...]}   (exactly one %s each)
 *   ravel_{t}_prompt_to_split.json      {template: "train" | "val" | "test"}
 *   ravel_{t}_entity_to_split.json      {entity: "train" | "val" | "test"}
 *   wikipedia_{t}_entity_prompts.json   {template: {"split": ..., "entity": name | null}}
 * </pre>
 * Quirks it takes as they are: leading spaces in templates are kept; quotes and JSON fragments in
 * templates are plain text; empty values ("") mean "no value"; an entity whose every value is
 * empty is skipped and counted (two nobel laureates); attributes with templates but no values are
 * kept in {@link RavelDataset#attributes()} (occupation's "Gender Bias"); names are UTF-8.
 *
 * <p>Every problem throws {@link BadInputException} naming the file, the field and what was
 * expected: a missing file, malformed JSON (with line and column), a template without {@code %s}
 * or with two, a template without a split, an entity listed in one file but not the other, a
 * split label other than train/val/test.
 */
public final class RavelLoader {
    /** Classpath folder of the embedded dataset (same five-file format as the release). */
    public static final String EMBEDDED_RESOURCE_DIR = "/org/hyperdas/evaluation/ravel-embedded/";
    /** Entity types of the embedded dataset. */
    public static final List<String> EMBEDDED_TYPES = List.of("city", "physical_object");
    /** Entity types of the published release, in the paper's order. */
    public static final List<String> RAVEL_TYPES =
            List.of("city", "nobel_prize_winner", "verb", "physical_object", "occupation");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ATTRIBUTE_FILE = Pattern.compile("ravel_(.+)_entity_attributes\\.json");

    private RavelLoader() {}

    public static String entityAttributesFile(String type) {
        return "ravel_" + type + "_entity_attributes.json";
    }

    public static String attributeToPromptsFile(String type) {
        return "ravel_" + type + "_attribute_to_prompts.json";
    }

    public static String promptToSplitFile(String type) {
        return "ravel_" + type + "_prompt_to_split.json";
    }

    public static String entityToSplitFile(String type) {
        return "ravel_" + type + "_entity_to_split.json";
    }

    public static String wikipediaPromptsFile(String type) {
        return "wikipedia_" + type + "_entity_prompts.json";
    }

    /** The five file names of an entity type. */
    public static List<String> files(String type) {
        return List.of(entityAttributesFile(type), attributeToPromptsFile(type), promptToSplitFile(type),
                entityToSplitFile(type), wikipediaPromptsFile(type));
    }

    // ------------------------------------------------------------------ entry points

    /**
     * Entity types present in a folder (one per ravel_{t}_entity_attributes.json), the release's
     * five in the paper's order first, others alphabetically.
     */
    public static List<String> entityTypes(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw BadInputException.file(dir, "no such folder (expected a RAVEL data folder with "
                    + "ravel_{type}_entity_attributes.json and the four other files per entity type)");
        }
        Set<String> found = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                Matcher m = ATTRIBUTE_FILE.matcher(p.getFileName().toString());
                if (m.matches()) {
                    found.add(m.group(1));
                }
            });
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot list folder: " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw BadInputException.file(dir, "no ravel_{type}_entity_attributes.json file (expected a RAVEL "
                    + "data folder such as the release's data/)");
        }
        List<String> out = new ArrayList<>();
        for (String t : RAVEL_TYPES) {
            if (found.remove(t)) {
                out.add(t);
            }
        }
        out.addAll(found);
        return out;
    }

    public static RavelDataset load(Path dir, String type) {
        return load(dir, type, null);
    }

    /** Loads one entity type from a folder; notes (skipped entities, ...) go to log when non-null. */
    public static RavelDataset load(Path dir, String type, PrintStream log) {
        return load(new RavelSource.Folder(dir), type, log);
    }

    /** Loads several entity types (all in the folder when types is null or empty). */
    public static List<RavelDataset> loadAll(Path dir, List<String> types, PrintStream log) {
        List<String> chosen = types == null || types.isEmpty() ? entityTypes(dir) : types;
        List<RavelDataset> out = new ArrayList<>();
        for (String t : chosen) {
            out.add(load(dir, t, log));
        }
        return out;
    }

    /** Loads one entity type of the dataset embedded in this jar ("city" or "physical_object"). */
    public static RavelDataset loadEmbedded(String type, PrintStream log) {
        if (!EMBEDDED_TYPES.contains(type)) {
            throw new BadInputException("embedded RAVEL dataset: entity type '" + type + "': expected one of "
                    + EMBEDDED_TYPES);
        }
        return load(new RavelSource.Classpath(), type, log);
    }

    public static RavelDataset loadEmbedded(String type) {
        return loadEmbedded(type, null);
    }

    // ------------------------------------------------------------------ parsing

    private static RavelDataset load(RavelSource src, String type, PrintStream log) {
        if (type == null || type.isBlank()) {
            throw new BadInputException("RAVEL entity type: expected a name such as city, found nothing");
        }
        String attrFile = entityAttributesFile(type);
        String promptsFile = attributeToPromptsFile(type);
        String promptSplitFile = promptToSplitFile(type);
        String entitySplitFile = entityToSplitFile(type);
        String wikiFile = wikipediaPromptsFile(type);

        JsonNode attrRoot = readObject(src, attrFile, "{entity: {attribute: value}}");
        JsonNode promptsRoot = readObject(src, promptsFile, "{attribute: [template, ...]}");
        JsonNode promptSplitRoot = readObject(src, promptSplitFile, "{template: \"train\" | \"val\" | \"test\"}");
        JsonNode entitySplitRoot = readObject(src, entitySplitFile, "{entity: \"train\" | \"val\" | \"test\"}");
        JsonNode wikiRoot = readObject(src, wikiFile, "{template: {\"split\": ..., \"entity\": name or null}}");

        Map<String, Split> entitySplit = splits(src, entitySplitFile, entitySplitRoot);
        Set<String> attributes = new LinkedHashSet<>();
        for (Iterator<String> it = promptsRoot.fieldNames(); it.hasNext();) {
            attributes.add(it.next());
        }
        List<Entity> entities = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        readEntities(src, attrFile, attrRoot, entitySplitFile, entitySplit, attributes, entities, skipped);
        Map<String, Split> promptSplit = splits(src, promptSplitFile, promptSplitRoot);
        List<Template> templates = readTemplates(src, promptsFile, promptsRoot, promptSplitFile, promptSplit);
        List<WikiPrompt> wiki = readWikiPrompts(src, wikiFile, wikiRoot);

        RavelDataset ds = new RavelDataset(type, src.where(""), new ArrayList<>(attributes), entities, templates,
                wiki, skipped);
        if (log != null) {
            logNotes(log, ds, type, attributes, skipped);
        }
        return ds;
    }

    /** A {name: "train" | "val" | "test"} object, in file order. */
    private static Map<String, Split> splits(RavelSource src, String file, JsonNode root) {
        Map<String, Split> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), split(src, file, e.getKey(), e.getValue()));
        }
        return out;
    }

    /**
     * Entities and their non-empty values into {@code entities}; entities without any value into
     * {@code skipped}; every attribute named by a value into {@code attributes}. Checks that the
     * entity-split file and the attribute file list the same entities.
     */
    private static void readEntities(RavelSource src, String attrFile, JsonNode attrRoot, String entitySplitFile,
            Map<String, Split> entitySplit, Set<String> attributes, List<Entity> entities, List<String> skipped) {
        Set<String> inAttributeFile = new LinkedHashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = attrRoot.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            inAttributeFile.add(name);
            JsonNode vals = e.getValue();
            if (vals == null || !vals.isObject()) {
                throw field(src, attrFile, name, "an object {attribute: value}", vals);
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> vi = vals.fields(); vi.hasNext();) {
                Map.Entry<String, JsonNode> v = vi.next();
                JsonNode n = v.getValue();
                String text;
                if (n == null || n.isNull()) {
                    text = "";
                } else if (n.isTextual() || n.isNumber() || n.isBoolean()) {
                    text = n.asText();
                } else {
                    throw field(src, attrFile, name + "." + v.getKey(), "a string value", n);
                }
                attributes.add(v.getKey());
                if (!text.isEmpty()) {
                    values.put(v.getKey(), text);
                }
            }
            Split split = entitySplit.get(name);
            if (values.isEmpty()) {
                skipped.add(name);
                continue;
            }
            if (split == null) {
                throw new BadInputException(src.where(entitySplitFile) + ": field '" + name
                        + "': expected a split (\"train\" | \"val\" | \"test\") for this entity of "
                        + attrFile + ", found nothing");
            }
            entities.add(new Entity(name, split, values));
        }
        for (String name : entitySplit.keySet()) {
            if (!inAttributeFile.contains(name)) {
                throw new BadInputException(src.where(entitySplitFile) + ": field '" + name
                        + "': expected an entity listed in " + attrFile + ", found an entity that file does not have");
            }
        }
    }

    private static List<Template> readTemplates(RavelSource src, String promptsFile, JsonNode promptsRoot,
            String promptSplitFile, Map<String, Split> promptSplit) {
        List<Template> templates = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = promptsRoot.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String attribute = e.getKey();
            JsonNode list = e.getValue();
            if (list == null || !list.isArray()) {
                throw field(src, promptsFile, attribute, "an array of templates", list);
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode t = list.get(i);
                String where = attribute + "[" + i + "]";
                if (!t.isTextual()) {
                    throw field(src, promptsFile, where, "a template string with exactly one %s", t);
                }
                String text = t.textValue();
                int slots = Template.slotCount(text);
                if (slots != 1) {
                    throw new BadInputException(src.where(promptsFile) + ": field '" + where
                            + "': expected a template with exactly one %s, found " + slots + " in " + quote(text));
                }
                Split split = promptSplit.get(text);
                if (split == null) {
                    throw new BadInputException(src.where(promptSplitFile) + ": field " + quote(text)
                            + ": expected a split (\"train\" | \"val\" | \"test\") for this template of attribute '"
                            + attribute + "' in " + promptsFile + ", found nothing");
                }
                templates.add(new Template(attribute, text, split));
            }
        }
        return templates;
    }

    private static List<WikiPrompt> readWikiPrompts(RavelSource src, String wikiFile, JsonNode wikiRoot) {
        List<WikiPrompt> wiki = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = wikiRoot.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String text = e.getKey();
            JsonNode v = e.getValue();
            if (v == null || !v.isObject()) {
                throw field(src, wikiFile, text, "an object {\"split\": ..., \"entity\": name or null}", v);
            }
            int slots = Template.slotCount(text);
            if (slots != 1) {
                throw new BadInputException(src.where(wikiFile) + ": field " + quote(text)
                        + ": expected a template with exactly one %s, found " + slots);
            }
            Split split = split(src, wikiFile, text + ".split", v.get("split"));
            JsonNode ent = v.get("entity");
            String entity = ent == null || ent.isNull() ? null : ent.asText();
            wiki.add(new WikiPrompt(text, split, entity));
        }
        return wiki;
    }

    private static void logNotes(PrintStream log, RavelDataset ds, String type, Set<String> attributes,
            List<String> skipped) {
        log.println(ds.summary());
        if (!skipped.isEmpty()) {
            log.println("  " + type + ": skipped " + skipped.size() + " entit" + (skipped.size() == 1 ? "y" : "ies")
                    + " whose every attribute value is empty: " + String.join(", ", skipped));
        }
        List<String> withValues = ds.attributesWithValues();
        for (String a : attributes) {
            if (!withValues.contains(a)) {
                log.println("  " + type + ": attribute '" + a + "' has prompts but no values; no pairs for it");
            }
        }
    }

    private static JsonNode readObject(RavelSource src, String file, String shape) {
        byte[] bytes = src.read(file);
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String at = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new BadInputException(src.where(file) + ": malformed JSON" + at + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse("") + " (expected " + shape + ")", e);
        } catch (IOException e) {
            throw new BadInputException(src.where(file) + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw new BadInputException(src.where(file) + ": expected a JSON object " + shape + ", found "
                    + describe(root));
        }
        return root;
    }

    private static Split split(RavelSource src, String file, String key, JsonNode n) {
        Split s = n != null && n.isTextual() ? Split.parseOrNull(n.textValue()) : null;
        if (s == null) {
            throw field(src, file, key, "\"train\", \"val\" or \"test\"", n);
        }
        return s;
    }

    private static BadInputException field(RavelSource src, String file, String field, String expected, JsonNode found) {
        return new BadInputException(src.where(file) + ": field '" + field + "': expected " + expected + ", found "
                + describe(found));
    }

    private static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        if (n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            return quote(n.textValue());
        }
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "an array";
        }
        return n.toString();
    }

    /** A string in quotes for messages, shortened past 120 characters. */
    static String quote(String s) {
        String t = s.length() > 120 ? s.substring(0, 117) + "..." : s;
        return "\"" + t.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
