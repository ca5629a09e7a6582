package org.hyperdas.trainer;

import ai.onnxruntime.OrtException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.trainer.knowledge.KnowledgeProbe;

/**
 * RAVEL's "the model knows it" filter: a pair is kept when the target model, without any
 * intervention, already gives the pair's expected label on its verify prompt (the one knowledge
 * check, {@link KnowledgeProbe}: teacher forced, the target's
 * {@link TargetModel#labelTokens()} label tokens, every one by default): the base template filled
 * with the SOURCE entity for a cause pair (the
 * value the intervention should carry over), the base prompt for an isolate pair. Identical verify
 * texts are run once.
 */
public final class KnowledgeFilter {
    /** Kept / total per (split, entity type, attribute, kind). */
    public record Report(Map<String, long[]> counts) {
        public long kept() {
            return counts.values().stream().mapToLong(c -> c[0]).sum();
        }

        public long total() {
            return counts.values().stream().mapToLong(c -> c[1]).sum();
        }

        /** {"test_entity/city/Country/cause": [kept, total], ...} for config files. */
        public Map<String, List<Long>> asMap() {
            Map<String, List<Long>> m = new LinkedHashMap<>();
            counts.forEach((k, v) -> m.put(k, List.of(v[0], v[1])));
            return m;
        }
    }

    /** The filtered pairs (knows_it set on each) and the report. */
    public record Result(PairSet pairs, Report report) {
    }

    private KnowledgeFilter() {
    }

    /** The pair whose base prompt is the verify prompt and whose expected label is the pair's. */
    static Pair verifyPair(Pair p) {
        String entity = p.kind() == PairKind.CAUSE ? p.sourceEntity() : p.baseEntity();
        return new Pair(p.entityType(), p.attribute(), p.baseAttribute(), p.sourceAttribute(), p.kind(), p.split(),
                p.baseTemplate(), entity, p.sourceTemplate(), p.sourceEntity(), p.instruction(), p.baseLabel(),
                p.counterfactualLabel(), p.expectedLabel(), true);
    }

    /** Sets knows_it on every pair from the model's answers; {@code Result.pairs} keeps all of them. */
    public static Result apply(TargetModel target, PairSet pairs, int batchSize, PrintStream log) throws OrtException {
        Map<String, Integer> unique = new LinkedHashMap<>();
        List<Pair> toRun = new ArrayList<>();
        int[] index = new int[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            Pair v = verifyPair(pairs.pairs().get(i));
            String key = v.basePrompt() + "\u0000" + v.expectedLabel();
            Integer at = unique.get(key);
            if (at == null) {
                at = toRun.size();
                unique.put(key, at);
                toRun.add(v);
            }
            index[i] = at;
        }
        long t0 = System.nanoTime();
        boolean[] answers = new boolean[toRun.size()];
        try (KnowledgeProbe probe = KnowledgeProbe.open(target)) {
            int chunk = Math.max(batchSize, 1) * 32;
            for (int s = 0; s < toRun.size(); s += chunk) {
                List<Pair> part = toRun.subList(s, Math.min(toRun.size(), s + chunk));
                boolean[] known = probe.knows(part.stream().map(Pair::basePrompt).toList(),
                        part.stream().map(Pair::expectedLabel).toList());
                System.arraycopy(known, 0, answers, s, known.length);
                log.printf("knowledge check: %d / %d verify prompts%n", Math.min(toRun.size(), s + chunk),
                        toRun.size());
            }
        }
        List<Pair> out = new ArrayList<>(pairs.size());
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, String> keys = new HashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            Pair p = pairs.pairs().get(i);
            boolean knows = answers[index[i]];
            out.add(p.withKnowsIt(knows));
            String key = keys.computeIfAbsent(p.split() + "/" + p.entityType() + "/" + p.attribute() + "/"
                    + p.kind().label(), k -> k);
            long[] c = counts.computeIfAbsent(key, k -> new long[2]);
            c[0] += knows ? 1 : 0;
            c[1]++;
        }
        Report report = new Report(counts);
        log.printf("knowledge check: the model knows %d of %d pairs (%d distinct verify prompts, %.1f s)%n",
                report.kept(), report.total(), toRun.size(), (System.nanoTime() - t0) / 1e9);
        return new Result(new PairSet(out), report);
    }
}
