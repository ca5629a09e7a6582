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

    /** Only the pairs whose knows_it flag is set. */
    public PairSet known() {
        return new PairSet(pairs.stream().filter(Pair::knowsIt).toList());
    }
}
