package org.hyperdas.evaluation.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.Scores.Cid;

/**
 * One run's outcomes on one pair split, grouped as the {@code Scorer} groups them (entity type,
 * attribute, cause / isolate), ready to be resampled: each group is a stratum whose pairs are in a
 * canonical order, so two methods scored on the same pairs line up index by index.
 *
 * @param split the pair split
 * @param strata the groups, in the order their entity type and attribute first appear
 */
public record ScoredPairs(String split, List<Stratum> strata) {
    public ScoredPairs {
        strata = List.copyOf(strata);
    }

    /** The pairs of one (entity type, attribute, kind) and whether each came out right. */
    public record Stratum(String entityType, String attribute, PairKind kind, List<Pair> pairs, boolean[] correct) {
        public Stratum {
            pairs = List.copyOf(pairs);
            correct = correct.clone();
            if (pairs.size() != correct.length) {
                throw new IllegalArgumentException(pairs.size() + " pairs, " + correct.length + " flags");
            }
        }

        int size() {
            return correct.length;
        }
    }

    /** Scores of one draw: per entity type and overall, as {@code Scorer} computes them. */
    public record SplitCid(Map<String, Cid> byType, Cid overall) {
    }

    /** The outcomes of each split, splits in order of first appearance. */
    public static Map<String, ScoredPairs> bySplit(List<Outcome> outcomes) {
        Map<String, Map<String, List<Outcome>>> groups = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            Pair p = o.pair();
            groups.computeIfAbsent(p.split(), s -> new LinkedHashMap<>())
                    .computeIfAbsent(p.entityType() + "\u0000" + p.attribute(), k -> new ArrayList<>()).add(o);
        }
        Map<String, ScoredPairs> out = new LinkedHashMap<>();
        groups.forEach((split, byAttribute) -> {
            List<Stratum> strata = new ArrayList<>();
            for (List<Outcome> group : byAttribute.values()) {
                for (PairKind kind : PairKind.values()) {
                    List<Outcome> ofKind = new ArrayList<>(group.stream().filter(o -> o.pair().kind() == kind).toList());
                    ofKind.sort(Comparator.comparing(o -> key(o.pair())));
                    boolean[] flags = new boolean[ofKind.size()];
                    for (int i = 0; i < flags.length; i++) {
                        flags[i] = ofKind.get(i).correct();
                    }
                    Pair first = group.get(0).pair();
                    strata.add(new Stratum(first.entityType(), first.attribute(), kind,
                            ofKind.stream().map(Outcome::pair).toList(), flags));
                }
            }
            out.put(split, new ScoredPairs(split, strata));
        });
        return out;
    }

    /** Every field of the pair but the knowledge flag (two runs of one seed may filter alike or not). */
    private static String key(Pair p) {
        return String.join("\u0001", p.baseTemplate(), p.baseEntity(), p.sourceTemplate(), p.sourceEntity(),
                p.baseAttribute(), p.sourceAttribute(), p.instruction(), p.expectedLabel());
    }

    /** Whether {@code other} holds the same pairs in the same strata (so a draw means the same pairs in both). */
    public boolean samePairsAs(ScoredPairs other) {
        if (!split.equals(other.split) || strata.size() != other.strata.size()) {
            return false;
        }
        for (int s = 0; s < strata.size(); s++) {
            Stratum a = strata.get(s);
            Stratum b = other.strata.get(s);
            if (!a.entityType().equals(b.entityType()) || !a.attribute().equals(b.attribute()) || a.kind() != b.kind()
                    || a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!key(a.pairs().get(i)).equals(key(b.pairs().get(i)))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The draw that takes every pair once, in order (the observed scores). */
    public int[][] identityDraw() {
        int[][] draw = new int[strata.size()][];
        for (int s = 0; s < draw.length; s++) {
            int[] idx = new int[strata.get(s).size()];
            Arrays.setAll(idx, i -> i);
            draw[s] = idx;
        }
        return draw;
    }

    /** A stratified bootstrap draw: each stratum resampled with replacement to its own size. */
    public int[][] resample(java.util.random.RandomGenerator rng) {
        int[][] draw = new int[strata.size()][];
        for (int s = 0; s < draw.length; s++) {
            int n = strata.get(s).size();
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = rng.nextInt(n);
            }
            draw[s] = idx;
        }
        return draw;
    }

    /**
     * The scores of a draw: per attribute Cause and Isolate are the accuracies of its drawn cause and
     * isolate pairs, Disentangle their mean; a type is the mean over its attributes, overall the mean
     * over types (NaNs skipped, as in {@code Scores.Cid.mean}).
     */
    public SplitCid score(int[][] draw) {
        Map<String, List<Cid>> attributesByType = new LinkedHashMap<>();
        Map<String, double[]> attribute = new LinkedHashMap<>();
        for (int s = 0; s < strata.size(); s++) {
            Stratum st = strata.get(s);
            int hits = 0;
            for (int i : draw[s]) {
                hits += st.correct()[i] ? 1 : 0;
            }
            double acc = draw[s].length == 0 ? Double.NaN : (double) hits / draw[s].length;
            String key = st.entityType() + "\u0000" + st.attribute();
            double[] ci = attribute.computeIfAbsent(key, k -> new double[] {Double.NaN, Double.NaN});
            ci[st.kind() == PairKind.CAUSE ? 0 : 1] = acc;
            if (st.kind() == PairKind.ISOLATE) {
                attributesByType.computeIfAbsent(st.entityType(), t -> new ArrayList<>())
                        .add(new Cid(ci[0], ci[1], (ci[0] + ci[1]) / 2));
            }
        }
        Map<String, Cid> byType = new LinkedHashMap<>();
        attributesByType.forEach((type, cids) -> byType.put(type, Cid.mean(cids)));
        return new SplitCid(byType, Cid.mean(List.copyOf(byType.values())));
    }
}
