package org.hyperdas.export;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;

/**
 * What an export takes from the run's config.json.
 *
 * @param configFile the config.json it was read from
 * @param layer the intervention layer
 * @param k the subspace size; null when the method has none
 * @param attributes the trained attributes as "type.Attribute", in config.json's order
 */
public record RunSettings(Path configFile, int layer, Integer k, List<String> attributes) {
    public RunSettings {
        attributes = List.copyOf(attributes);
    }

    /** The manifest's name of an attribute of an entity type: "type.Attribute". */
    public static String attributeKey(String entityType, String attribute) {
        return entityType + "." + attribute;
    }

    /** config.json's targets {type: [attributes]} as "type.Attribute", in order. */
    static List<String> attributes(JsonNode config, Path file) {
        JsonNode targets = config.get("targets");
        if (targets == null || !targets.isObject()) {
            throw BadInputException.field(file, "targets", "an object {entity type: [attributes]}",
                    targets == null ? "nothing" : targets.toString());
        }
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = targets.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            for (JsonNode a : e.getValue()) {
                out.add(attributeKey(e.getKey(), a.asText()));
            }
        }
        return out;
    }

    static String text(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw BadInputException.field(file, key, "a string", v == null ? "nothing" : v.toString());
        }
        return v.textValue();
    }

    static int integer(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw BadInputException.field(file, key, "an integer", v == null ? "nothing" : v.toString());
        }
        return v.intValue();
    }
}
