package org.hyperdas.evaluation.ravel;

import java.util.Objects;

/**
 * A RAVEL prompt template for one attribute: text with exactly one {@code %s} where the entity
 * goes. The text is kept byte for byte (leading spaces are significant, quotes and JSON fragments
 * are ordinary text); it is never passed through String.format.
 */
public record Template(String attribute, String text, Split split) {
    public static final String SLOT = "%s";

    public Template {
        Objects.requireNonNull(attribute, "attribute");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(split, "split");
        if (slotCount(text) != 1) {
            throw new IllegalArgumentException("template must contain exactly one %s: " + text);
        }
    }

    /** The prompt for an entity. */
    public String fill(String entity) {
        return fill(text, entity);
    }

    /** Text before the {@code %s}. */
    public String before() {
        return before(text);
    }

    /** Text after the {@code %s}. */
    public String after() {
        return after(text);
    }

    /** Number of {@code %s} occurrences in a text. */
    public static int slotCount(String text) {
        int n = 0;
        for (int i = text.indexOf(SLOT); i >= 0; i = text.indexOf(SLOT, i + SLOT.length())) {
            n++;
        }
        return n;
    }

    /** Puts the entity in place of the (first) {@code %s}. */
    public static String fill(String template, String entity) {
        int i = slot(template);
        return template.substring(0, i) + entity + template.substring(i + SLOT.length());
    }

    /** The prompt up to and including the entity (what a model has read when the entity ends). */
    public static String prefixThroughEntity(String template, String entity) {
        return before(template) + entity;
    }

    /**
     * The prompt up to and including the entity's last mention: the slot, or a later literal
     * mention of the same name (a Wikipedia passage may name its entity again further on). The
     * HyperDAS reference splits a prompt at the last mention the same way.
     */
    public static String prefixThroughLastMention(String template, String entity) {
        String filled = fill(template, entity);
        int end = before(template).length() + entity.length();
        if (!entity.isEmpty()) {
            end = Math.max(end, filled.lastIndexOf(entity) + entity.length());
        }
        return filled.substring(0, end);
    }

    public static String before(String template) {
        return template.substring(0, slot(template));
    }

    public static String after(String template) {
        return template.substring(slot(template) + SLOT.length());
    }

    private static int slot(String template) {
        int i = template.indexOf(SLOT);
        if (i < 0) {
            throw new IllegalArgumentException("template has no %s: " + template);
        }
        return i;
    }
}
