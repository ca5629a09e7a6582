package org.hyperdas.evaluation.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.hyperdas.evaluation.batch.MaskVisibility;
import org.hyperdas.runtime.BadInputException;

/**
 * How a run batched and scored its pairs, as its config.json records it: the label tokens that
 * must be right ({@value #LABEL_TOKENS}) and the intervention masks' suffix visibility
 * ({@value #BASE_SUFFIX}, {@value #SOURCE_SUFFIX}). Whoever re-scores a run (the export verifier,
 * a leaderboard) reads it back so it judges as the run did. Runs written before these fields
 * existed were scored on the first 3 label tokens with entity-only masks.
 */
public record RunProtocol(LabelTokens labelTokens, MaskVisibility visibility) {
    public static final String LABEL_TOKENS = "label_tokens";
    public static final String BASE_SUFFIX = "base_suffix_visibility";
    public static final String SOURCE_SUFFIX = "source_suffix_visibility";
    /** What runs without {@value #LABEL_TOKENS} in their config were scored with. */
    public static final LabelTokens EARLIER_LABEL_TOKENS = LabelTokens.first(3);

    /** Puts the three fields into a config map. */
    public void putInto(Map<String, Object> config) {
        config.put(LABEL_TOKENS, labelTokens.toString());
        config.put(BASE_SUFFIX, visibility.baseSuffix());
        config.put(SOURCE_SUFFIX, visibility.sourceSuffix());
    }

    /** Reads the fields of a run's config (file named in errors); absent fields: the earlier protocol. */
    public static RunProtocol of(JsonNode config, Path configFile) {
        JsonNode k = config.get(LABEL_TOKENS);
        LabelTokens tokens = k == null || k.isNull() ? EARLIER_LABEL_TOKENS
                : LabelTokens.parse(configFile + ": field " + LABEL_TOKENS, k.asText());
        return new RunProtocol(tokens, new MaskVisibility(flag(config, BASE_SUFFIX, configFile),
                flag(config, SOURCE_SUFFIX, configFile)));
    }

    private static boolean flag(JsonNode config, String field, Path configFile) {
        JsonNode v = config.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw BadInputException.field(configFile, field, "true or false", v.toString());
        }
        return v.booleanValue();
    }
}
