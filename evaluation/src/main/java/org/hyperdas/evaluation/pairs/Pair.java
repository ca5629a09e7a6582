package org.hyperdas.evaluation.pairs;

import java.util.Objects;
import org.hyperdas.evaluation.ravel.Template;

/**
 * One counterfactual pair (one row of a pair file, see PAIRS_SCHEMA.md).
 *
 * @param entityType          e.g. "city"
 * @param attribute           the target attribute, the one the intervention is about (instruction's)
 * @param baseAttribute       the attribute the base template asks (== attribute for cause pairs)
 * @param sourceAttribute     the attribute the source template asks ("" when unknown)
 * @param kind                cause or isolate
 * @param split               "train", "test_entity", "test_context", ... ("test" for HyperDAS files)
 * @param baseTemplate        base prompt template, exactly one %s
 * @param baseEntity          entity filled into the base template
 * @param sourceTemplate      source (counterfactual) prompt template, exactly one %s
 * @param sourceEntity        entity filled into the source template
 * @param instruction         "&lt;base entity&gt; ; &lt;source entity&gt; - &lt;Attribute&gt;"
 * @param baseLabel           the base entity's value of baseAttribute (what the unmodified model says)
 * @param counterfactualLabel the source entity's value of baseAttribute (differs from baseLabel)
 * @param expectedLabel       cause: counterfactualLabel; isolate: baseLabel
 * @param knowsIt             whether the target model answers correctly without intervention
 *                            (true until a knowledge filter says otherwise)
 */
public record Pair(
        String entityType,
        String attribute,
        String baseAttribute,
        String sourceAttribute,
        PairKind kind,
        String split,
        String baseTemplate,
        String baseEntity,
        String sourceTemplate,
        String sourceEntity,
        String instruction,
        String baseLabel,
        String counterfactualLabel,
        String expectedLabel,
        boolean knowsIt) {

    public Pair {
        Objects.requireNonNull(entityType, "entityType");
        Objects.requireNonNull(attribute, "attribute");
        Objects.requireNonNull(baseAttribute, "baseAttribute");
        Objects.requireNonNull(sourceAttribute, "sourceAttribute");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(baseTemplate, "baseTemplate");
        Objects.requireNonNull(baseEntity, "baseEntity");
        Objects.requireNonNull(sourceTemplate, "sourceTemplate");
        Objects.requireNonNull(sourceEntity, "sourceEntity");
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(baseLabel, "baseLabel");
        Objects.requireNonNull(counterfactualLabel, "counterfactualLabel");
        Objects.requireNonNull(expectedLabel, "expectedLabel");
    }

    /** The HyperDAS instruction text: "Qaminis ; Boston - Country". */
    public static String instruction(String baseEntity, String sourceEntity, String attribute) {
        return baseEntity + " ; " + sourceEntity + " - " + attribute;
    }

    /** The base prompt: base template with the base entity. */
    public String basePrompt() {
        return Template.fill(baseTemplate, baseEntity);
    }

    /** The source prompt: source template with the source entity. */
    public String sourcePrompt() {
        return Template.fill(sourceTemplate, sourceEntity);
    }

    /** The base prompt up to and including the base entity's last mention. */
    public String basePrefix() {
        return Template.prefixThroughLastMention(baseTemplate, baseEntity);
    }

    /** The source prompt up to and including the source entity's last mention (see Template). */
    public String sourcePrefix() {
        return Template.prefixThroughLastMention(sourceTemplate, sourceEntity);
    }

    /**
     * The prompt whose answer must be expectedLabel for the model to "know it": the base template
     * with the source entity for cause pairs, the base prompt for isolate pairs.
     */
    public String verifyPrompt() {
        return Template.fill(baseTemplate, kind == PairKind.CAUSE ? sourceEntity : baseEntity);
    }

    public Pair withKnowsIt(boolean value) {
        return value == knowsIt ? this : new Pair(entityType, attribute, baseAttribute, sourceAttribute, kind, split,
                baseTemplate, baseEntity, sourceTemplate, sourceEntity, instruction, baseLabel, counterfactualLabel,
                expectedLabel, value);
    }
}
