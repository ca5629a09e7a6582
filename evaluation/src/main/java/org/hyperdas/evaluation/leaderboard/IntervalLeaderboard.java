package org.hyperdas.evaluation.leaderboard;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.evaluation.stats.Bootstrap;
import org.hyperdas.evaluation.stats.ScoredPairs;
import org.hyperdas.evaluation.stats.SplitIntervals;
import org.hyperdas.runtime.BadInputException;

/**
 * A leaderboard with 95% intervals over the runs of several seeds: per pair split, one row per
 * method with the mean Cause / Isolate / Disentangle per entity type and overall (t-interval over
 * seeds; a stratified bootstrap over pairs when a method has one seed), and the paired difference
 * of every other method to a reference method (paired bootstrap over the seeds both ran and the
 * pairs they share). Seeds are read from each run's {@code config.json} ("seed").
 *
 * @param sections one per split, in {@link Leaderboard#SPLIT_ORDER}
 * @param reference the method the differences are taken to (absent: no difference tables)
 * @param runs every run folder on the board
 */
public record IntervalLeaderboard(List<Section> sections, String reference, List<Leaderboard.Entry> runs) {
    /** The reference method of the differences when present: the strongest published baseline. */
    public static final String DEFAULT_REFERENCE = "mdas";

    /**
     * A method's intervals on one split, over {@code seeds}.
     *
     * @param method the row label: the method, followed by " [context]" when the runs have one
     * @param context what else tells the runs apart besides method and seed ("layer=1, k=4"; "" for none)
     */
    public record Row(String method, String context, List<Long> seeds, SplitIntervals intervals) {
    }

    /** The runs of one row: a context and a method. */
    private record Key(String context, String method) {
        String label() {
            return context.isEmpty() ? method : method + " [" + context + "]";
        }
    }

    /** One split: the entity types (columns), the methods, and the differences to the reference. */
    public record Section(String split, String title, List<String> types, List<Row> rows, List<Row> differences) {
    }

    public IntervalLeaderboard {
        sections = List.copyOf(sections);
        runs = List.copyOf(runs);
    }

    /** One run: its folder, config and scores, and the seed it was trained with. */
    private record SeedRun(long seed, RunFolder.Run run) {
    }

    /** Builds the board from run folders; differences are taken to {@code reference} when it is on the board. */
    public static IntervalLeaderboard fromFolders(List<Path> folders, String reference) {
        return fromFolders(folders, run -> "", reference);
    }

    /**
     * Builds the board from run folders whose rows are told apart by method and {@code context} (a
     * sweep's layer, k, ...); each row's difference is taken to the reference method's row of the
     * same context.
     */
    public static IntervalLeaderboard fromFolders(List<Path> folders, Function<RunFolder.Run, String> context,
            String reference) {
        if (folders.isEmpty()) {
            throw new BadInputException("leaderboard: no run folders given (expected one or more run folders)");
        }
        Map<Key, TreeMap<Long, SeedRun>> byMethod = new TreeMap<>(Comparator.comparing(Key::context)
                .thenComparingInt((Key k) -> Leaderboard.methodRank(k.method())).thenComparing(Key::method));
        List<Leaderboard.Entry> entries = new ArrayList<>();
        for (Path f : folders) {
            RunFolder.Run run = RunFolder.read(f);
            long seed = parseSeed(run, f);
            Key key = new Key(context.apply(run), run.method());
            SeedRun previous = byMethod.computeIfAbsent(key, m -> new TreeMap<>()).put(seed, new SeedRun(seed, run));
            if (previous != null) {
                throw BadInputException.file(f, "a second " + key.label() + " run with seed " + seed + " (the other"
                        + " is " + previous.run().folder() + "); expected one run per method and seed");
            }
            entries.add(new Leaderboard.Entry(key.label() + " (seed " + seed + ")", f, run.configText("model", "?"),
                    run.configText("layer", "?"), run.configText("k", "-"), Leaderboard.labelTokens(run)));
        }
        Map<Path, Map<String, ScoredPairs>> predictions = new LinkedHashMap<>();
        Set<String> splits = new LinkedHashSet<>();
        byMethod.values().forEach(m -> m.values().forEach(r -> r.run().scores().splits()
                .forEach(s -> splits.add(s.split()))));
        List<String> ordered = new ArrayList<>(splits);
        ordered.sort(Comparator.comparingInt(Leaderboard::splitRank));
        String ref = byMethod.keySet().stream().anyMatch(k -> k.method().equals(reference)) ? reference : null;
        List<Section> sections = new ArrayList<>();
        for (String split : ordered) {
            sections.add(section(split, byMethod, ref, predictions));
        }
        return new IntervalLeaderboard(sections, ref, entries);
    }

    private static long parseSeed(RunFolder.Run run, Path folder) {
        String text = run.configText("seed", "0");
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw BadInputException.field(folder.resolve(RunFolder.CONFIG), "seed", "an integer", text);
        }
    }

    private static Section section(String split, Map<Key, TreeMap<Long, SeedRun>> byMethod, String reference,
            Map<Path, Map<String, ScoredPairs>> cache) {
        Set<String> typeSet = new LinkedHashSet<>();
        List<Row> rows = new ArrayList<>();
        byMethod.forEach((key, seeds) -> {
            List<SeedRun> scored = seeds.values().stream()
                    .filter(r -> r.run().scores().split(split).isPresent()).toList();
            if (scored.isEmpty()) {
                return;
            }
            SplitIntervals intervals;
            if (scored.size() == 1) {
                intervals = Bootstrap.overPairs(pairs(scored.get(0), split, cache), Bootstrap.REPLICATES,
                        Bootstrap.SEED);
            } else {
                intervals = Bootstrap.acrossSeeds(split, scored.stream()
                        .map(r -> splitCid(r.run().scores().split(split).orElseThrow())).toList());
            }
            typeSet.addAll(intervals.byType().keySet());
            rows.add(new Row(key.label(), key.context(), scored.stream().map(SeedRun::seed).toList(), intervals));
        });
        List<Row> differences = new ArrayList<>();
        if (reference != null) {
            byMethod.forEach((key, seeds) -> {
                TreeMap<Long, SeedRun> ref = byMethod.get(new Key(key.context(), reference));
                if (!key.method().equals(reference) && ref != null) {
                    Row d = difference(key, seeds, ref, reference, split, cache);
                    if (d != null) {
                        differences.add(d);
                    }
                }
            });
        }
        List<String> types = new ArrayList<>(typeSet);
        types.sort(Comparator.comparingInt(Leaderboard::typeRank));
        return new Section(split, Leaderboard.splitTitle(split), types, rows, differences);
    }

    /** Method - reference over the seeds both scored on this split; null when they share none. */
    private static Row difference(Key key, TreeMap<Long, SeedRun> seeds, TreeMap<Long, SeedRun> reference,
            String referenceMethod, String split, Map<Path, Map<String, ScoredPairs>> cache) {
        List<ScoredPairs> a = new ArrayList<>();
        List<ScoredPairs> b = new ArrayList<>();
        List<Long> common = new ArrayList<>();
        for (SeedRun r : seeds.values()) {
            SeedRun ref = reference.get(r.seed());
            if (ref != null && r.run().scores().split(split).isPresent()
                    && ref.run().scores().split(split).isPresent()) {
                a.add(pairs(r, split, cache));
                b.add(pairs(ref, split, cache));
                common.add(r.seed());
            }
        }
        if (common.isEmpty()) {
            return null;
        }
        try {
            return new Row(new Key(key.context(), key.method() + " − " + referenceMethod).label(), key.context(),
                    common, Bootstrap.pairedDifference(a, b, Bootstrap.REPLICATES, Bootstrap.SEED));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("leaderboard: " + key.label() + " and " + referenceMethod
                    + " cannot be compared pair by pair: " + e.getMessage()
                    + " (expected runs of the same seed, model, data and splits)");
        }
    }

    private static ScoredPairs pairs(SeedRun r, String split, Map<Path, Map<String, ScoredPairs>> cache) {
        Map<String, ScoredPairs> bySplit = cache.computeIfAbsent(r.run().folder(),
                f -> ScoredPairs.bySplit(PredictionFile.read(f.resolve(RunFolder.PREDICTIONS))));
        ScoredPairs p = bySplit.get(split);
        if (p == null) {
            throw BadInputException.file(r.run().folder().resolve(RunFolder.PREDICTIONS),
                    "no predictions on split " + split + " although scores.json has it");
        }
        return p;
    }

    private static ScoredPairs.SplitCid splitCid(Scores.SplitScores s) {
        Map<String, Scores.Cid> byType = new LinkedHashMap<>();
        s.entityTypes().forEach(t -> byType.put(t.entityType(), t.cid()));
        return new ScoredPairs.SplitCid(byType, s.overall());
    }
}
