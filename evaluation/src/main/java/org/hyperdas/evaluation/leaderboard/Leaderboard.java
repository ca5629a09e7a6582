package org.hyperdas.evaluation.leaderboard;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.LabelTokens;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.RunProtocol;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.evaluation.scoring.Scores.Cid;
import org.hyperdas.runtime.BadInputException;

/**
 * Methods x entity types, Cause / Isolate / Disentangle, one table per pair split, built from run
 * folders; plus the published Llama3-8B rows ({@link PublishedResults}) as a separate table.
 *
 * <p>Rows are ordered by method ({@link #METHOD_ORDER} first, others by name, then by folder);
 * a label used by several runs is told apart by its folder name. Columns are the entity types any
 * run scored, in RAVEL's order, then the average over the run's entity types.
 */
public record Leaderboard(List<Section> sections, List<Entry> runs) {
    /** The usual row order. */
    public static final List<String> METHOD_ORDER = List.of("patching", "das", "mdas", "hyperdas-soft",
            "hyperdas-one-to-many", "hyperdas-one-to-one", "hyperdas-global-argmax", "hyperdas-groundtruth");
    /** Pair splits in display order; any other split follows. */
    public static final List<String> SPLIT_ORDER = List.of("test_entity", "test_context", "val_entity",
            "val_context", "test");

    /** One row. */
    public record Row(String label, Map<String, Cid> byType, Cid average) {
    }

    /** One table: a title, its entity-type columns and rows. */
    public record Section(String id, String title, String note, List<String> types, List<Row> rows) {
    }

    /**
     * A run on the board: its row label, where it came from, and the label tokens it was scored on
     * ({@link RunProtocol}: "all" or a number).
     */
    public record Entry(String label, Path folder, String model, String layer, String k, String labelTokens) {
    }

    /** The split whose examples match the HyperDAS paper's test set: unseen templates, seen entities. */
    public static final String PAPER_TEST_SPLIT = PairSplit.PAPER_TEST.label();

    public Leaderboard {
        sections = List.copyOf(sections);
        runs = List.copyOf(runs);
    }

    /** The section of a split, if any run scored it. */
    public Section section(String id) {
        return sections.stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
    }

    /** Builds the board from run folders (each read with {@link RunFolder#read}). */
    public static Leaderboard fromFolders(List<Path> folders) {
        if (folders.isEmpty()) {
            throw new BadInputException("leaderboard: no run folders given (expected one or more --runs DIR)");
        }
        List<RunFolder.Run> runs = new ArrayList<>();
        for (Path f : folders) {
            runs.add(RunFolder.readChecked(f));
        }
        return of(runs);
    }

    public static Leaderboard of(List<RunFolder.Run> unsorted) {
        List<RunFolder.Run> runs = new ArrayList<>(unsorted);
        runs.sort(Comparator.comparingInt((RunFolder.Run r) -> methodRank(r.method()))
                .thenComparing(RunFolder.Run::method)
                .thenComparing(r -> r.folder().toString()));
        Map<String, Integer> uses = new HashMap<>();
        runs.forEach(r -> uses.merge(r.method(), 1, Integer::sum));
        List<Entry> entries = new ArrayList<>();
        for (RunFolder.Run r : runs) {
            String label = uses.get(r.method()) > 1 ? r.method() + " (" + folderName(r.folder()) + ")" : r.method();
            entries.add(new Entry(label, r.folder(), r.configText("model", "?"), r.configText("layer", "?"),
                    r.configText("k", "-"), labelTokens(r)));
        }
        Set<String> splits = new LinkedHashSet<>();
        runs.forEach(r -> r.scores().splits().forEach(s -> splits.add(s.split())));
        List<String> orderedSplits = new ArrayList<>(splits);
        orderedSplits.sort(Comparator.comparingInt(Leaderboard::splitRank));
        List<Section> sections = new ArrayList<>();
        for (String split : orderedSplits) {
            Set<String> typeSet = new LinkedHashSet<>();
            runs.forEach(r -> r.scores().split(split)
                    .ifPresent(s -> s.entityTypes().forEach(t -> typeSet.add(t.entityType()))));
            List<String> types = new ArrayList<>(typeSet);
            types.sort(Comparator.comparingInt(Leaderboard::typeRank));
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                Scores.SplitScores s = runs.get(i).scores().split(split).orElse(null);
                if (s == null) {
                    continue;
                }
                Map<String, Cid> byType = new HashMap<>();
                s.entityTypes().forEach(t -> byType.put(t.entityType(), t.cid()));
                rows.add(new Row(entries.get(i).label(), byType, s.overall()));
            }
            sections.add(new Section(split, splitTitle(split), splitNote(split), types, rows));
        }
        List<Row> published = new ArrayList<>();
        for (PublishedResults.Row p : PublishedResults.rows()) {
            published.add(new Row(p.method(), p.byType(), p.average()));
        }
        sections.add(new Section("published", "Published reference numbers: " + PublishedResults.SOURCE,
                "For context only: another target model, data filter and layer; not comparable with the tables above.",
                PublishedResults.TYPES, published));
        return new Leaderboard(sections, entries);
    }

    /** The label tokens a run was scored on, as config.json records them ("3" for earlier runs). */
    static String labelTokens(RunFolder.Run r) {
        return RunProtocol.of(r.config(), r.folder().resolve(RunFolder.CONFIG)).labelTokens().toString();
    }

    /**
     * The scoring rule of the board's runs for its header: "every label token", "the first 3 label
     * tokens ...", or a note that runs differ (each run's setting is listed under Runs).
     */
    public String scoringRule() {
        return scoringRule(runs);
    }

    /** {@link #scoringRule()} of any list of runs. */
    public static String scoringRule(List<Entry> runs) {
        List<String> distinct = runs.stream().map(Entry::labelTokens).distinct().toList();
        if (distinct.size() != 1) {
            return runs.isEmpty() ? LabelTokens.ALL.phrase() : "the label tokens each run states under Runs (they differ)";
        }
        return LabelTokens.parse("label_tokens", distinct.get(0)).phrase();
    }

    /** Whether a split's examples match the paper's test set. */
    public static boolean isPaperTestSplit(String split) {
        return PairSplit.isPaperTest(split);
    }

    private static String folderName(Path folder) {
        Path name = folder.toAbsolutePath().normalize().getFileName();
        return name == null ? folder.toString() : name.toString();
    }

    static int methodRank(String method) {
        int i = METHOD_ORDER.indexOf(method);
        return i < 0 ? METHOD_ORDER.size() : i;
    }

    static int splitRank(String split) {
        int i = SPLIT_ORDER.indexOf(split);
        return i < 0 ? SPLIT_ORDER.size() : i;
    }

    static int typeRank(String type) {
        int i = PublishedResults.TYPES.indexOf(type);
        return i < 0 ? PublishedResults.TYPES.size() : i;
    }

    /** "City", "Nobel laureate", "Physical object", or the type with underscores as spaces. */
    public static String typeName(String type) {
        return switch (type) {
            case "city" -> "City";
            case "nobel_prize_winner" -> "Nobel laureate";
            case "occupation" -> "Occupation";
            case "physical_object" -> "Physical object";
            case "verb" -> "Verb";
            default -> type.isEmpty() ? type : Character.toUpperCase(type.charAt(0)) + type.substring(1).replace('_', ' ');
        };
    }

    static String splitTitle(String split) {
        return switch (split) {
            case "test_entity" -> "Entity split (test_entity)";
            case "test_context" -> "Context split (test_context): the paper's test set";
            case "val_entity" -> "Entity split, validation (val_entity)";
            case "val_context" -> "Context split, validation (val_context)";
            default -> "Split " + split;
        };
    }

    static String splitNote(String split) {
        if (split.endsWith("_entity")) {
            return "Entities unseen in training, training prompt templates (not a split of the HyperDAS paper).";
        }
        if (split.equals(PAPER_TEST_SPLIT)) {
            return "Training entities, prompt templates unseen in training: the HyperDAS reference's test set is this"
                    + " kind of example, so these are the numbers to set beside the published ones.";
        }
        if (split.endsWith("_context")) {
            return "Training entities, prompt templates unseen in training.";
        }
        return "";
    }
}
