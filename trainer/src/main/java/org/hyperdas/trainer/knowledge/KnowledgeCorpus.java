package org.hyperdas.trainer.knowledge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hyperdas.evaluation.pairs.LabelSpace;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.Template;

/**
 * The facts a knowledge model learns and the sentences that state them: for every entity type,
 * every entity and every attribute that has both a value and prompt templates, one {@link Fact};
 * a sentence is {@code template % entity} and the value joined by {@link LabelSpace}, for one of
 * the attribute's templates (all
 * splits: the knowledge model must know every fact that pairs are later built from).
 *
 * <p>Sentences of an epoch ({@link #epoch}): each fact with {@code k} of its attribute's templates.
 * The templates rotate: in epoch e fact f uses templates {@code (offset_f + e*k + j) mod T} for
 * j &lt; k, with a seeded per-fact offset, so every template is used with many entities in every
 * epoch and every (entity, template) sentence comes once every {@code ceil(T / k)} epochs.
 */
public final class KnowledgeCorpus {
    /** One (entity, attribute, value) of one entity type. */
    public record Fact(String entityType, String entity, String attribute, String value) {
    }

    /** One sentence: a fact stated through one template. */
    public record Sentence(Fact fact, Template template) {
        /** The prompt: the template filled with the entity. */
        public String prompt() {
            return template.fill(fact.entity());
        }

        /** What the model must continue the prompt with (the value; a space separates them). */
        public String value() {
            return fact.value();
        }
    }

    private final List<RavelDataset> datasets;
    private final List<Fact> facts;
    private final Map<String, List<Template>> templates; // key: type + '\u0000' + attribute

    private KnowledgeCorpus(List<RavelDataset> datasets, List<Fact> facts, Map<String, List<Template>> templates) {
        this.datasets = datasets;
        this.facts = facts;
        this.templates = templates;
    }

    /** The facts of the given entity types, in dataset / entity / attribute order. */
    public static KnowledgeCorpus of(List<RavelDataset> datasets) {
        List<Fact> facts = new ArrayList<>();
        Map<String, List<Template>> templates = new LinkedHashMap<>();
        for (RavelDataset ds : datasets) {
            for (String attribute : ds.attributesWithValues()) {
                List<Template> ts = ds.templates(attribute);
                if (!ts.isEmpty()) {
                    templates.put(key(ds.entityType(), attribute), ts);
                }
            }
            for (Entity e : ds.entities()) {
                for (String attribute : ds.attributesWithValues()) {
                    String value = e.value(attribute);
                    if (value != null && !value.isEmpty() && templates.containsKey(key(ds.entityType(), attribute))) {
                        facts.add(new Fact(ds.entityType(), e.name(), attribute, value));
                    }
                }
            }
        }
        return new KnowledgeCorpus(List.copyOf(datasets), Collections.unmodifiableList(facts),
                Collections.unmodifiableMap(templates));
    }

    private static String key(String type, String attribute) {
        return type + '\u0000' + attribute;
    }

    public List<RavelDataset> datasets() {
        return datasets;
    }

    public List<String> entityTypes() {
        return datasets.stream().map(RavelDataset::entityType).toList();
    }

    public List<Fact> facts() {
        return facts;
    }

    /** The attributes of an entity type that facts exist for, in dataset order. */
    public List<String> attributes(String entityType) {
        List<String> out = new ArrayList<>();
        for (RavelDataset ds : datasets) {
            if (ds.entityType().equals(entityType)) {
                for (String a : ds.attributesWithValues()) {
                    if (templates.containsKey(key(entityType, a))) {
                        out.add(a);
                    }
                }
            }
        }
        return out;
    }

    /** The prompt templates of an attribute (empty when none). */
    public List<Template> templates(String entityType, String attribute) {
        return templates.getOrDefault(key(entityType, attribute), List.of());
    }

    /** Number of sentences over every fact and every one of its templates. */
    public long allSentenceCount() {
        long n = 0;
        for (Fact f : facts) {
            n += templates(f.entityType(), f.attribute()).size();
        }
        return n;
    }

    /** Sentences per epoch with {@code k} templates per fact. */
    public int sentencesPerEpoch(int k) {
        int n = 0;
        for (Fact f : facts) {
            n += Math.min(k, templates(f.entityType(), f.attribute()).size());
        }
        return n;
    }

    /**
     * The sentences of epoch {@code epoch} (k templates per fact, rotating), in fact order; the
     * caller shuffles them. Depends only on (seed, epoch, k), so a resumed run sees the same ones.
     */
    public List<Sentence> epoch(long seed, int epoch, int k) {
        Random offsets = new Random(seed ^ 0x5DEECE66DL);
        List<Sentence> out = new ArrayList<>(sentencesPerEpoch(k));
        for (Fact f : facts) {
            List<Template> ts = templates(f.entityType(), f.attribute());
            int t = ts.size();
            int offset = offsets.nextInt(t);
            int use = Math.min(k, t);
            for (int j = 0; j < use; j++) {
                out.add(new Sentence(f, ts.get((int) ((offset + (long) epoch * use + j) % t))));
            }
        }
        return out;
    }

    /** Every sentence: each fact with each of its templates. */
    public Iterable<Sentence> allSentences() {
        return () -> new java.util.Iterator<>() {
            int fact;
            int template;

            @Override
            public boolean hasNext() {
                while (fact < facts.size() && template >= templates(facts.get(fact).entityType(),
                        facts.get(fact).attribute()).size()) {
                    fact++;
                    template = 0;
                }
                return fact < facts.size();
            }

            @Override
            public Sentence next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                Fact f = facts.get(fact);
                return new Sentence(f, templates(f.entityType(), f.attribute()).get(template++));
            }
        };
    }

    /**
     * Texts the tokenizer's vocabulary is built from: every sentence (prompt and value joined by {@link LabelSpace}), and
     * per entity a HyperDAS instruction for each attribute ("Paris ; Paris - Country"), so the
     * instruction words have tokens too.
     */
    public Iterable<String> vocabularyTexts() {
        List<String> extra = new ArrayList<>();
        for (RavelDataset ds : datasets) {
            List<String> attributes = ds.attributes();
            for (Entity e : ds.entities()) {
                for (String a : attributes) {
                    extra.add(Pair.instruction(e.name(), e.name(), a));
                }
            }
        }
        return () -> new java.util.Iterator<>() {
            final java.util.Iterator<Sentence> sentences = allSentences().iterator();
            final java.util.Iterator<String> rest = extra.iterator();

            @Override
            public boolean hasNext() {
                return sentences.hasNext() || rest.hasNext();
            }

            @Override
            public String next() {
                if (sentences.hasNext()) {
                    Sentence s = sentences.next();
                    return LabelSpace.join(s.prompt(), s.value());
                }
                return rest.next();
            }
        };
    }
}
