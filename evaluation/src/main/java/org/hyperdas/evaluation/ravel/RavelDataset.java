package org.hyperdas.evaluation.ravel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything RAVEL says about one entity type, typed: the entities with their splits and attribute
 * values, the prompt templates per attribute with their splits, and the Wikipedia prompts.
 *
 * <p>{@link #attributes()} lists every attribute that has templates or values, in file order;
 * {@link #attributesWithValues()} only those that at least one entity has a value for (occupation's
 * "Gender Bias" has templates but no values, so pairs can't be built for it).
 * {@link #skippedEntities()} names entities the loader dropped because every value was empty.
 */
public record RavelDataset(
        String entityType,
        String source,
        List<String> attributes,
        List<Entity> entities,
        List<Template> templates,
        List<WikiPrompt> wikipediaPrompts,
        List<String> skippedEntities) {

    public RavelDataset {
        Objects.requireNonNull(entityType, "entityType");
        attributes = List.copyOf(attributes);
        entities = List.copyOf(entities);
        templates = List.copyOf(templates);
        wikipediaPrompts = List.copyOf(wikipediaPrompts);
        skippedEntities = List.copyOf(skippedEntities);
    }

    /** Attributes that some entity has a value for, in {@link #attributes()} order. */
    public List<String> attributesWithValues() {
        List<String> out = new ArrayList<>();
        for (String a : attributes) {
            for (Entity e : entities) {
                if (e.has(a)) {
                    out.add(a);
                    break;
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    public List<Entity> entities(Split split) {
        return entities.stream().filter(e -> e.split() == split).toList();
    }

    /** The entity of that name, or null. */
    public Entity entity(String name) {
        for (Entity e : entities) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    public List<Template> templates(String attribute) {
        return templates.stream().filter(t -> t.attribute().equals(attribute)).toList();
    }

    public List<Template> templates(String attribute, Split split) {
        return templates.stream().filter(t -> t.attribute().equals(attribute) && t.split() == split).toList();
    }

    public List<Template> templates(Split split) {
        return templates.stream().filter(t -> t.split() == split).toList();
    }

    /** Entity count per split. */
    public Map<Split, Integer> entityCounts() {
        Map<Split, Integer> m = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            m.put(s, 0);
        }
        entities.forEach(e -> m.merge(e.split(), 1, Integer::sum));
        return m;
    }

    /** Template count per split. */
    public Map<Split, Integer> templateCounts() {
        Map<Split, Integer> m = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            m.put(s, 0);
        }
        templates.forEach(t -> m.merge(t.split(), 1, Integer::sum));
        return m;
    }

    /** Template count per attribute, in attribute order. */
    public Map<String, Integer> templatesPerAttribute() {
        Map<String, Integer> m = new LinkedHashMap<>();
        attributes.forEach(a -> m.put(a, 0));
        templates.forEach(t -> m.merge(t.attribute(), 1, Integer::sum));
        return m;
    }

    /** One line: "city: 3552 entities (1787 train / 818 val / 947 test), 6 attributes, ...". */
    public String summary() {
        Map<Split, Integer> ec = entityCounts();
        Map<Split, Integer> tc = templateCounts();
        StringBuilder sb = new StringBuilder();
        sb.append(entityType).append(": ").append(entities.size()).append(" entities (")
                .append(ec.get(Split.TRAIN)).append(" train / ").append(ec.get(Split.VAL)).append(" val / ")
                .append(ec.get(Split.TEST)).append(" test)");
        if (!skippedEntities.isEmpty()) {
            sb.append(", ").append(skippedEntities.size()).append(" skipped (every value empty)");
        }
        sb.append(", ").append(attributes.size()).append(" attributes, ").append(templates.size())
                .append(" templates (").append(tc.get(Split.TRAIN)).append(" train / ").append(tc.get(Split.VAL))
                .append(" val / ").append(tc.get(Split.TEST)).append(" test), ")
                .append(wikipediaPrompts.size()).append(" Wikipedia prompts");
        return sb.toString();
    }
}
