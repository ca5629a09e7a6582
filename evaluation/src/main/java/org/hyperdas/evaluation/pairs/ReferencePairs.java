package org.hyperdas.evaluation.pairs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.Split;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.evaluation.ravel.WikiPrompt;

/**
 * The {@link PairMix#REFERENCE} draw of one (split, target attribute, kind) chunk, following the
 * HyperDAS reference's {@code generate_ravel_dataset}:
 * <ul>
 *   <li>the base attribute: the target for cause pairs; for isolate pairs the other attributes in
 *   turn (pair i asks the (i mod n)-th of them), so isolate pairs are balanced over the attributes
 *   their base asks, and over all chunks every (instruction, base) attribute combination is equally
 *   likely, as in the reference (base attribute balanced, instruction attribute uniform among the
 *   others);</li>
 *   <li>base and source entity uniform with replacement among the split's entities that have a
 *   value for the base attribute (and the source one for the target too), redrawn together until
 *   their base-attribute values differ;</li>
 *   <li>base template uniform among the base attribute's templates of the template split;</li>
 *   <li>source prompt: a uniformly chosen attribute among those with templates, plus "wikipedia"
 *   as one more choice when the source entity has passages of its own in the template split; then a
 *   template of that attribute, or one of the entity's passages or the passages written for any
 *   entity (entity null), uniformly. Passages follow the template split (train passages for the
 *   train split, test passages for test_context, and so on).</li>
 * </ul>
 * A chunk draws {@link PairOptions#limit} pairs (with replacement, as the reference does); a base
 * for which no differing source turns up in {@value #TRIES} draws is dropped and counted.
 */
final class ReferencePairs {
    /** Source attribute of a pair whose source prompt is a Wikipedia passage. */
    static final String WIKIPEDIA = "wikipedia";
    /** Redraws of (base, source) before a pair is given up. */
    static final int TRIES = 1000;

    private ReferencePairs() {
    }

    static PairBuilder.Chunk build(RavelDataset dataset, PairOptions options, PairSplit split, String attribute,
            PairKind kind) {
        List<Entity> entities = dataset.entities(split.entitySplit());
        Split templateSplit = split.templateSplit();
        List<String> baseAttributes = new ArrayList<>();
        for (String b : dataset.attributesWithValues()) {
            if (kind == PairKind.CAUSE ? b.equals(attribute) : !b.equals(attribute)) {
                baseAttributes.add(b);
            }
        }
        List<List<Template>> sourceTemplates = new ArrayList<>();
        for (String a : dataset.attributes()) {
            List<Template> t = dataset.templates(a, templateSplit);
            if (!t.isEmpty()) {
                sourceTemplates.add(t);
            }
        }
        Passages passages = Passages.of(dataset, templateSplit);
        SplittableRandom rnd = new SplittableRandom(PairBuilder.mix(options.seed(), dataset.entityType(),
                split.label(), attribute, kind.label(), PairMix.REFERENCE.label()));
        int take = options.limit(split);
        List<Pair> pairs = new ArrayList<>(take);
        int dropped = 0;
        long candidates = 0;
        for (String b : baseAttributes) {
            candidates += (long) dataset.templates(b, templateSplit).size()
                    * entities.stream().filter(e -> e.has(b)).count();
        }
        for (int i = 0; i < take && !baseAttributes.isEmpty(); i++) {
            String b = baseAttributes.get(i % baseAttributes.size());
            List<Entity> bases = entities.stream().filter(e -> e.has(b)).toList();
            List<Entity> sources = entities.stream().filter(e -> e.has(b) && e.has(attribute)).toList();
            List<Template> baseTemplates = dataset.templates(b, templateSplit);
            Entity base = null;
            Entity source = null;
            for (int t = 0; t < TRIES && !bases.isEmpty() && !sources.isEmpty(); t++) {
                Entity x = bases.get(rnd.nextInt(bases.size()));
                Entity y = sources.get(rnd.nextInt(sources.size()));
                if (!x.value(b).equals(y.value(b))) {
                    base = x;
                    source = y;
                    break;
                }
            }
            if (base == null || baseTemplates.isEmpty() || sourceTemplates.isEmpty()) {
                dropped++;
                continue;
            }
            Template baseTemplate = baseTemplates.get(rnd.nextInt(baseTemplates.size()));
            List<String> own = passages.own(source.name());
            int choice = rnd.nextInt(sourceTemplates.size() + (own.isEmpty() ? 0 : 1));
            String sourceAttribute;
            String sourceText;
            if (choice == sourceTemplates.size()) {
                List<String> fit = passages.fitting(source.name());
                sourceAttribute = WIKIPEDIA;
                sourceText = fit.get(rnd.nextInt(fit.size()));
            } else {
                List<Template> ts = sourceTemplates.get(choice);
                Template st = ts.get(rnd.nextInt(ts.size()));
                sourceAttribute = st.attribute();
                sourceText = st.text();
            }
            String baseLabel = base.value(b);
            String cfLabel = source.value(b);
            String expected = kind == PairKind.CAUSE ? cfLabel : baseLabel;
            pairs.add(new Pair(dataset.entityType(), attribute, b, sourceAttribute, kind, split.label(),
                    baseTemplate.text(), base.name(), sourceText, source.name(),
                    Pair.instruction(base.name(), source.name(), attribute), baseLabel, cfLabel, expected, true));
        }
        return new PairBuilder.Chunk(split, attribute, kind, Collections.unmodifiableList(pairs), candidates, dropped);
    }

    /** The Wikipedia passages of one template split: per entity, and those that fit any entity. */
    record Passages(Map<String, List<String>> byEntity, List<String> anyEntity) {
        static Passages of(RavelDataset dataset, Split split) {
            Map<String, List<String>> byEntity = new LinkedHashMap<>();
            List<String> any = new ArrayList<>();
            for (WikiPrompt w : dataset.wikipediaPrompts()) {
                if (w.split() != split) {
                    continue;
                }
                if (w.fitsAnyEntity()) {
                    any.add(w.template());
                } else {
                    byEntity.computeIfAbsent(w.entity(), k -> new ArrayList<>()).add(w.template());
                }
            }
            return new Passages(byEntity, any);
        }

        /** The entity's own passages (empty: no Wikipedia choice for it, as in the reference). */
        List<String> own(String entity) {
            return byEntity.getOrDefault(entity, List.of());
        }

        /** Its own passages and those written for any entity. */
        List<String> fitting(String entity) {
            List<String> out = new ArrayList<>(own(entity));
            out.addAll(anyEntity);
            return out;
        }
    }
}
