package org.hyperdas.evaluation.ravel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One RAVEL entity: its name (kept as written, non-ASCII included), its entity split and its
 * attribute values. Attributes whose value is empty in the release are absent from {@link #values}.
 */
public record Entity(String name, Split split, Map<String, String> values) {
    public Entity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(split, "split");
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The value of an attribute, or null when the entity has none. */
    public String value(String attribute) {
        return values.get(attribute);
    }

    public boolean has(String attribute) {
        return values.containsKey(attribute);
    }
}
