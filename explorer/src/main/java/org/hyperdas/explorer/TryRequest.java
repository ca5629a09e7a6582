package org.hyperdas.explorer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Set;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.export.InferenceInputs;

/**
 * One Try request of the page, parsed from its JSON body and checked before it reaches the model.
 * The instruction is either given whole or composed from the entity fields and the attribute
 * ("Paris ; Tokyo - Country"), as {@code infer --instruction} takes it.
 *
 * @param mode hyperdas selection mode, or null for the export's first
 * @param attribute the manifest attribute ("city.Country" or "Country"), or null for the instruction's
 */
public record TryRequest(String base, String source, String instruction, String mode, String attribute,
        int maxNewTokens) {
    /** The longest text field accepted: the page is for single prompts, not documents. */
    public static final int MAX_TEXT = 2000;
    /** The most greedy tokens one request may decode (each re-runs the full graph). */
    public static final int MAX_NEW_TOKENS = 16;
    /** The number of greedy tokens when the request names none (as {@code infer}). */
    public static final int DEFAULT_NEW_TOKENS = 3;

    private static final Set<String> FIELDS = Set.of("base", "source", "instruction", "baseEntity", "sourceEntity",
            "attribute", "mode", "maxNewTokens");

    /**
     * Reads and checks a request body.
     *
     * @throws BadInputException naming the field and what it expects: a missing or over-long text,
     *     a field that is not a string, an unknown field, maxNewTokens outside [1, 16]
     */
    public static TryRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new BadInputException("request body: expected a JSON object with the fields " + FIELDS);
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new BadInputException("field '" + name + "': unknown; expected only " + FIELDS);
            }
        }
        String base = text(body, "base", true);
        String source = text(body, "source", true);
        String instruction = text(body, "instruction", false);
        String attribute = text(body, "attribute", false);
        if (instruction == null) {
            String baseEntity = text(body, "baseEntity", true);
            String sourceEntity = text(body, "sourceEntity", true);
            if (attribute == null) {
                throw new BadInputException("field 'attribute': expected the attribute when no 'instruction' is given");
            }
            String shortName = attribute.substring(attribute.lastIndexOf('.') + 1);
            instruction = baseEntity + " ; " + sourceEntity + " - " + shortName;
        }
        InferenceInputs.Instruction.parse(instruction);
        return new TryRequest(base, source, instruction, text(body, "mode", false), attribute, newTokens(body));
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull() || (n.isTextual() && n.textValue().isEmpty() && !required)) {
            if (required) {
                throw new BadInputException("field '" + field + "': missing; expected a non-empty string");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new BadInputException("field '" + field + "': expected a string, found " + n.getNodeType());
        }
        String s = n.textValue();
        if (s.isEmpty()) {
            throw new BadInputException("field '" + field + "': expected a non-empty string");
        }
        if (s.length() > MAX_TEXT) {
            throw new BadInputException("field '" + field + "': " + s.length() + " characters; expected at most "
                    + MAX_TEXT);
        }
        return s;
    }

    private static int newTokens(JsonNode body) {
        JsonNode n = body.get("maxNewTokens");
        if (n == null || n.isNull()) {
            return DEFAULT_NEW_TOKENS;
        }
        if (!n.isInt() || n.intValue() < 1 || n.intValue() > MAX_NEW_TOKENS) {
            throw new BadInputException("field 'maxNewTokens': expected an integer in [1, " + MAX_NEW_TOKENS
                    + "], found " + n);
        }
        return n.intValue();
    }
}
