package org.hyperdas.trainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;

/** Counterfactual pairs of several splits, entity types and attributes, in a stable order. */
public record PairSet(List<Pair> pairs) {
    public PairSet {
        pairs = List.copyOf(pairs);
    }

    public int size() {
        return pairs.size();
    }

    public List<Pair> split(String split) {
        return pairs.stream().filter(p -> p.split().equals(split)).toList();
    }

    /** Pairs of one split, entity type and target attribute (cause and isolate). */
    public List<Pair> select(String split, String entityType, String attribute) {
        return pairs.stream().filter(p -> p.split().equals(split) && p.entityType().equals(entityType)
                && p.attribute().equals(attribute)).toList();
    }

    public List<Pair> select(String split, String entityType, String attribute, PairKind kind) {
        return select(split, entityType, attribute).stream().filter(p -> p.kind() == kind).toList();
    }

    /** Entity type -> its target attributes, in order of first appearance. */
    public Map<String, List<String>> targets() {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        for (Pair p : pairs) {
            m.computeIfAbsent(p.entityType(), t -> new LinkedHashSet<>()).add(p.attribute());
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        m.forEach((t, a) -> out.put(t, List.copyOf(a)));
        return out;
    }

    /** Splits in order of first appearance. */
    public List<String> splits() {
        Set<String> s = new LinkedHashSet<>();
        pairs.forEach(p -> s.add(p.split()));
        return new ArrayList<>(s);
    }

    /**
     * Per split, the share of cause pairs: "train 41.2% cause (1648 of 4000), test_entity ..."
     * (the HyperDAS reference's filtered training data is about 41% cause).
     */
    public String causeShares() {
        StringBuilder sb = new StringBuilder();
        for (String s : splits()) {
            List<Pair> in = split(s);
            long cause = in.stream().filter(p -> p.kind() == PairKind.CAUSE).count();
            sb.append(sb.length() == 0 ? "" : ", ").append(s).append(' ')
                    .append(String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * cause / Math.max(1, in.size())))
                    .append(" cause (").append(cause).append(" of ").append(in.size()).append(')');
        }
        return sb.toString();
    }

    /** Only the pairs whose knows_it flag is set. */
    public PairSet known() {
        return new PairSet(pairs.stream().filter(Pair::knowsIt).toList());
    }
}
