package org.hyperdas.evaluation.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.hyperdas.evaluation.scoring.Scores.Cid;
import org.hyperdas.evaluation.stats.ScoredPairs.SplitCid;
import org.hyperdas.evaluation.stats.SplitIntervals.CidInterval;

/**
 * The three interval estimates of the leaderboards, all at 95%:
 * <ul>
 *   <li>{@link #acrossSeeds}: several seeds, Student's t-interval of the mean over seeds;
 *   <li>{@link #overPairs}: one seed, a percentile bootstrap over the evaluation pairs, stratified by
 *       entity type, attribute and cause / isolate (each group resampled to its own size, so every
 *       replicate has the structure the scores average over);
 *   <li>{@link #pairedDifference}: method A - method B on the same pairs; each replicate draws the
 *       seeds with replacement (when there are several), then one stratified pair draw per drawn
 *       seed that both methods are scored on, and averages A - B over the drawn seeds.
 * </ul>
 * Replicates come from a {@link SplittableRandom} of the given seed: the same inputs give the same
 * intervals.
 */
public final class Bootstrap {
    /** Replicates of the leaderboards' bootstraps. */
    public static final int REPLICATES = 2000;
    /** Seed of the leaderboards' bootstraps. */
    public static final long SEED = 20240917L;

    private Bootstrap() {
    }

    /** Mean over seeds and its t-interval (within the scores' range 0..1), per entity type and overall. */
    public static SplitIntervals acrossSeeds(String split, List<SplitCid> perSeed) {
        Replicates r = new Replicates();
        perSeed.forEach(r::add);
        return r.summarize(split, values -> Intervals.tInterval(values).clampedTo(0, 1));
    }

    /** The observed scores with percentile intervals over {@code replicates} stratified pair draws. */
    public static SplitIntervals overPairs(ScoredPairs sample, int replicates, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        SplitCid observed = sample.score(sample.identityDraw());
        Replicates r = new Replicates();
        for (int b = 0; b < replicates; b++) {
            r.add(sample.score(sample.resample(rng)));
        }
        return r.summarizeAround(sample.split(), observed);
    }

    /**
     * A - B: the mean over seeds of the observed differences, with the percentile interval of the
     * two-level paired bootstrap described above.
     *
     * @param a method A's outcomes per seed
     * @param b method B's outcomes per seed, element i on the same pairs as {@code a.get(i)}
     * @throws IllegalArgumentException when the seeds' pairs differ between the methods
     */
    public static SplitIntervals pairedDifference(List<ScoredPairs> a, List<ScoredPairs> b, int replicates,
            long seed) {
        if (a.isEmpty() || a.size() != b.size()) {
            throw new IllegalArgumentException("paired bootstrap: " + a.size() + " and " + b.size() + " seeds");
        }
        for (int s = 0; s < a.size(); s++) {
            if (!a.get(s).samePairsAs(b.get(s))) {
                throw new IllegalArgumentException("paired bootstrap on split " + a.get(s).split() + ": seed "
                        + s + "'s two runs were not scored on the same pairs");
            }
        }
        List<SplitCid> observed = new ArrayList<>();
        for (int s = 0; s < a.size(); s++) {
            int[][] all = a.get(s).identityDraw();
            observed.add(difference(a.get(s).score(all), b.get(s).score(all)));
        }
        SplitCid observedMean = mean(observed);
        SplittableRandom rng = new SplittableRandom(seed);
        Replicates r = new Replicates();
        int n = a.size();
        for (int rep = 0; rep < replicates; rep++) {
            List<SplitCid> diffs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int s = n == 1 ? 0 : rng.nextInt(n);
                int[][] draw = a.get(s).resample(rng);
                diffs.add(difference(a.get(s).score(draw), b.get(s).score(draw)));
            }
            r.add(mean(diffs));
        }
        return r.summarizeAround(a.get(0).split(), observedMean);
    }

    private static SplitCid difference(SplitCid x, SplitCid y) {
        Map<String, Cid> byType = new LinkedHashMap<>();
        x.byType().forEach((type, c) -> {
            Cid o = y.byType().get(type);
            byType.put(type, o == null ? new Cid(Double.NaN, Double.NaN, Double.NaN) : minus(c, o));
        });
        return new SplitCid(byType, minus(x.overall(), y.overall()));
    }

    private static Cid minus(Cid x, Cid y) {
        return new Cid(x.cause() - y.cause(), x.isolate() - y.isolate(), x.disentangle() - y.disentangle());
    }

    /** Component-wise mean (NaNs skipped) per type and overall. */
    private static SplitCid mean(List<SplitCid> parts) {
        Map<String, List<Cid>> byType = new LinkedHashMap<>();
        parts.forEach(p -> p.byType().forEach((t, c) -> byType.computeIfAbsent(t, k -> new ArrayList<>()).add(c)));
        Map<String, Cid> means = new LinkedHashMap<>();
        byType.forEach((t, cids) -> means.put(t, Cid.mean(cids)));
        return new SplitCid(means, Cid.mean(parts.stream().map(SplitCid::overall).toList()));
    }

    /** Collected values per entity type (the overall under the key null) and component. */
    private static final class Replicates {
        private final Map<String, List<double[]>> values = new LinkedHashMap<>();

        void add(SplitCid s) {
            s.byType().forEach(this::put);
            put(null, s.overall());
        }

        private void put(String type, Cid c) {
            values.computeIfAbsent(type, k -> new ArrayList<>())
                    .add(new double[] {c.cause(), c.isolate(), c.disentangle()});
        }

        private double[] column(String type, int component) {
            List<double[]> rows = values.getOrDefault(type, List.of());
            return rows.stream().mapToDouble(v -> v[component]).toArray();
        }

        SplitIntervals summarize(String split, Function<double[], Interval> interval) {
            Map<String, CidInterval> byType = new LinkedHashMap<>();
            for (String type : values.keySet()) {
                if (type != null) {
                    byType.put(type, cid(type, interval));
                }
            }
            return new SplitIntervals(split, byType, cid(null, interval));
        }

        private CidInterval cid(String type, Function<double[], Interval> interval) {
            return new CidInterval(interval.apply(column(type, 0)), interval.apply(column(type, 1)),
                    interval.apply(column(type, 2)));
        }

        SplitIntervals summarizeAround(String split, SplitCid observed) {
            Map<String, CidInterval> byType = new LinkedHashMap<>();
            observed.byType().forEach((type, c) -> byType.put(type, around(type, c)));
            return new SplitIntervals(split, byType, around(null, observed.overall()));
        }

        private CidInterval around(String type, Cid c) {
            return new CidInterval(Intervals.percentile(c.cause(), column(type, 0)),
                    Intervals.percentile(c.isolate(), column(type, 1)),
                    Intervals.percentile(c.disentangle(), column(type, 2)));
        }
    }
}
