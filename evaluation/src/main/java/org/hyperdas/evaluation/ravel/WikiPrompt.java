package org.hyperdas.evaluation.ravel;

import java.util.Objects;

/**
 * A Wikipedia-sourced prompt from wikipedia_{type}_entity_prompts.json: a template with one
 * {@code %s}, its split, and the entity it was written for (null: any entity of the type fits).
 */
public record WikiPrompt(String template, Split split, String entity) {
    public WikiPrompt {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(split, "split");
    }

    public boolean fitsAnyEntity() {
        return entity == null;
    }
}
