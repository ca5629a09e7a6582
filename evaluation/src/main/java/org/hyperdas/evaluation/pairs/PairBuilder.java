package org.hyperdas.evaluation.pairs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.runtime.BadInputException;

/**
 * Builds cause and isolate pairs per target attribute, following the RAVEL protocol, drawn as
 * {@link PairOptions#mix()} says: {@link PairMix#REFERENCE} as {@link ReferencePairs} describes,
 * {@link PairMix#BALANCED} as follows.
 *
 * <p>For target attribute A, pair split S (entity split E, template split T) and kind:
 * <ul>
 *   <li>Bases are (entity, template) combinations: entities of split E with a value for the base
 *   attribute, templates of split T asking the base attribute. Cause: the base attribute is A.
 *   Isolate: every other attribute B that has values. Up to {@link PairOptions#limit} distinct
 *   bases are drawn uniformly without replacement (all of them, shuffled, when there are fewer).</li>
 *   <li>Each base gets one source entity from split E that has values for A and for the base
 *   attribute and whose base-attribute value (the counterfactual label) differs from the base
 *   label: pairs with base label == counterfactual label are never produced (a base for which no
 *   such source exists is dropped and counted). Sources are drawn with weight
 *   1 / (k + count(label)), count(label) being how many candidate sources share that
 *   counterfactual label, so every label gets about the same total weight and frequent values
 *   (United States, Asia, ...) don't dominate.</li>
 *   <li>The source template is drawn uniformly from all templates of split T (any attribute),
 *   as in the HyperDAS reference data.</li>
 *   <li>Labels: cause expects the counterfactual label (the source's value of A), isolate the
 *   base label (the base's own value of B).</li>
 * </ul>
 * Each (entity type, split, attribute, kind) chunk uses its own random stream derived from the
 * seed and those four names, so the pairs of one chunk don't depend on what else is built.
 * Memory: one chunk (at most the limit of pairs) at a time.
 */
public final class PairBuilder {
    /** The pairs of one (split, attribute, kind) and how they were drawn. */
    public record Chunk(PairSplit split, String attribute, PairKind kind, List<Pair> pairs, long candidates,
            int dropped) {}

    private final RavelDataset dataset;
    private final PairOptions options;
    private final List<String> targets;

    public PairBuilder(RavelDataset dataset, PairOptions options) {
        this.dataset = dataset;
        this.options = options;
        List<String> withValues = dataset.attributesWithValues();
        if (options.attributes().isEmpty()) {
            targets = withValues;
        } else {
            for (String a : options.attributes()) {
                if (!withValues.contains(a)) {
                    throw new BadInputException(dataset.entityType() + ": attribute '" + a
                            + "': expected one of the attributes with values " + withValues);
                }
            }
            targets = options.attributes();
        }
    }

    /** Target attributes pairs are built for. */
    public List<String> targetAttributes() {
        return targets;
    }

    public RavelDataset dataset() {
        return dataset;
    }

    public PairOptions options() {
        return options;
    }

    /** All pairs of a split, chunk by chunk (attribute order, cause before isolate). */
    public List<Pair> buildAll(PairSplit split) {
        List<Pair> out = new ArrayList<>();
        chunks(split).forEachRemaining(c -> out.addAll(c.pairs()));
        return out;
    }

    /** The chunks of a split, built lazily one at a time. */
    public Iterator<Chunk> chunks(PairSplit split) {
        return new Iterator<>() {
            int next = 0;

            @Override
            public boolean hasNext() {
                return next < targets.size() * 2;
            }

            @Override
            public Chunk next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                String attribute = targets.get(next / 2);
                PairKind kind = next % 2 == 0 ? PairKind.CAUSE : PairKind.ISOLATE;
                next++;
                return build(split, attribute, kind);
            }
        };
    }

    /** The pairs of a split, built lazily chunk by chunk. */
    public Iterator<Pair> pairs(PairSplit split) {
        Iterator<Chunk> chunks = chunks(split);
        return new Iterator<>() {
            Iterator<Pair> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && chunks.hasNext()) {
                    current = chunks.next().pairs().iterator();
                }
                return current.hasNext();
            }

            @Override
            public Pair next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** Builds the pairs of one (split, target attribute, kind). */
    public Chunk build(PairSplit split, String attribute, PairKind kind) {
        if (!targets.contains(attribute) && !dataset.attributesWithValues().contains(attribute)) {
            throw new BadInputException(dataset.entityType() + ": attribute '" + attribute
                    + "': expected one of the attributes with values " + dataset.attributesWithValues());
        }
        return options.mix() == PairMix.REFERENCE ? ReferencePairs.build(dataset, options, split, attribute, kind)
                : buildBalanced(split, attribute, kind);
    }

    /** The {@link PairMix#BALANCED} draw of one chunk (see the class comment). */
    private Chunk buildBalanced(PairSplit split, String attribute, PairKind kind) {
        List<Entity> entities = dataset.entities(split.entitySplit());
        List<Template> sourceTemplates = dataset.templates(split.templateSplit());

        List<String> baseAttributes = new ArrayList<>();
        if (kind == PairKind.CAUSE) {
            baseAttributes.add(attribute);
        } else {
            for (String b : dataset.attributesWithValues()) {
                if (!b.equals(attribute)) {
                    baseAttributes.add(b);
                }
            }
        }
        List<Block> blocks = new ArrayList<>();
        long total = 0;
        for (String b : baseAttributes) {
            List<Entity> bases = entities.stream().filter(e -> e.has(b)).toList();
            List<Template> templates = dataset.templates(b, split.templateSplit());
            List<Entity> pool = entities.stream().filter(e -> e.has(b) && e.has(attribute)).toList();
            Block block = new Block(b, bases, templates, new Sampler(pool, b, options.smoothing()), total);
            blocks.add(block);
            total += block.size();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("too many base combinations: " + total);
        }
        SplittableRandom rnd = new SplittableRandom(mix(options.seed(), dataset.entityType(), split.label(),
                attribute, kind.label()));
        int n = (int) total;
        int take = Math.min(n, options.limit(split));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // Partial Fisher-Yates: the first `take` entries are a uniform sample without replacement.
        for (int i = 0; i < take; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<Pair> pairs = new ArrayList<>(take);
        int dropped = 0;
        for (int i = 0; i < take; i++) {
            int idx = order[i];
            Block block = blocks.get(0);
            for (Block bl : blocks) {
                if (idx >= bl.offset && idx < bl.offset + bl.size()) {
                    block = bl;
                    break;
                }
            }
            int local = (int) (idx - block.offset);
            Template baseTemplate = block.templates.get(local / block.bases.size());
            Entity base = block.bases.get(local % block.bases.size());
            String baseLabel = base.value(block.attribute);
            Entity source = block.sampler.sample(rnd, baseLabel);
            if (source == null) {
                dropped++;
                continue;
            }
            String cfLabel = source.value(block.attribute);
            if (cfLabel.equals(baseLabel)) { // cannot happen: the sampler excludes the base label
                dropped++;
                continue;
            }
            Template sourceTemplate = sourceTemplates.get(rnd.nextInt(sourceTemplates.size()));
            String expected = kind == PairKind.CAUSE ? cfLabel : baseLabel;
            pairs.add(new Pair(dataset.entityType(), attribute, block.attribute, sourceTemplate.attribute(), kind,
                    split.label(), baseTemplate.text(), base.name(), sourceTemplate.text(), source.name(),
                    Pair.instruction(base.name(), source.name(), attribute), baseLabel, cfLabel, expected, true));
        }
        return new Chunk(split, attribute, kind, Collections.unmodifiableList(pairs), total, dropped);
    }

    /** Bases asking one attribute: |bases| x |templates| combinations starting at offset. */
    private record Block(String attribute, List<Entity> bases, List<Template> templates, Sampler sampler,
            long offset) {
        long size() {
            return (long) bases.size() * templates.size();
        }
    }

    /**
     * Draws a source entity whose label differs from a given one, with per-entity weight
     * 1 / (k + count(label)): labels are picked with weight n / (k + n), then an entity uniformly.
     */
    static final class Sampler {
        private final List<Entity> pool;
        private final String[] labels;
        private final int[][] members;
        private final double[] weight;
        private final double[] cum; // inclusive prefix sums
        private final Map<String, Integer> index = new LinkedHashMap<>();

        Sampler(List<Entity> pool, String attribute, double k) {
            this.pool = pool;
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            for (int i = 0; i < pool.size(); i++) {
                groups.computeIfAbsent(pool.get(i).value(attribute), x -> new ArrayList<>()).add(i);
            }
            int n = groups.size();
            labels = new String[n];
            members = new int[n][];
            weight = new double[n];
            cum = new double[n];
            int g = 0;
            double sum = 0;
            for (Map.Entry<String, List<Integer>> e : groups.entrySet()) {
                labels[g] = e.getKey();
                members[g] = e.getValue().stream().mapToInt(Integer::intValue).toArray();
                int count = members[g].length;
                weight[g] = count / (k + count);
                sum += weight[g];
                cum[g] = sum;
                index.put(e.getKey(), g);
                g++;
            }
        }

        /** Total weight of each label (for tests and reports). */
        Map<String, Double> labelWeights() {
            Map<String, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < labels.length; i++) {
                m.put(labels[i], weight[i]);
            }
            return m;
        }

        /** An entity whose label is not {@code exclude}, or null when there is none. */
        Entity sample(SplittableRandom rnd, String exclude) {
            Integer ex = index.get(exclude);
            int xi = ex == null ? -1 : ex;
            int available = labels.length - (xi >= 0 ? 1 : 0);
            if (available <= 0) {
                return null;
            }
            double total = cum[labels.length - 1];
            double wx = xi >= 0 ? weight[xi] : 0;
            double u = rnd.nextDouble() * (total - wx);
            if (xi >= 0 && u >= cum[xi] - weight[xi]) {
                u += wx;
            }
            int i = Arrays.binarySearch(cum, u);
            i = i >= 0 ? i + 1 : -i - 1; // first index with cum > u
            if (i >= labels.length) {
                i = labels.length - 1;
            }
            if (i == xi) { // rounding at a boundary: take the nearest other label
                i = i + 1 < labels.length ? i + 1 : i - 1;
            }
            int[] m = members[i];
            return pool.get(m[rnd.nextInt(m.length)]);
        }
    }

    /** A 64-bit seed from the user seed and the chunk's names (FNV-1a, then SplitMix finalizer). */
    static long mix(long seed, String... parts) {
        long h = 0xcbf29ce484222325L;
        for (String p : parts) {
            for (byte b : p.getBytes(StandardCharsets.UTF_8)) {
                h ^= b & 0xff;
                h *= 0x100000001b3L;
            }
            h ^= 0xff;
            h *= 0x100000001b3L;
        }
        long z = h ^ (seed * 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
