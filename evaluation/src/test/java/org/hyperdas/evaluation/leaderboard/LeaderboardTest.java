package org.hyperdas.evaluation.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scorer;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Markdown layout (row labels, columns, one decimal), the other formats, and the errors. */
class LeaderboardTest {
    /** A run whose every (split, type, attribute) has cause right/total and isolate right/total. */
    private static Path run(Path dir, String method, int causeRight, int isolateRight) throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        int n = 0;
        for (String split : List.of("test_entity", "test_context")) {
            for (String type : List.of("physical_object", "city")) {
                for (PairKind kind : PairKind.values()) {
                    int right = kind == PairKind.CAUSE ? causeRight : isolateRight;
                    for (int i = 0; i < 8; i++) {
                        String e = "e" + n++;
                        Pair p = new Pair(type, "A", "A", "", kind, split, "%s x", e, "%s y", "s", e + " ; s - A",
                                "b", "c", kind == PairKind.CAUSE ? "c" : "b", true);
                        outcomes.add(new Outcome(p, "?", i < right));
                    }
                }
            }
        }
        Path folder = dir.resolve(method);
        RunFolder.write(folder, Map.of("method", method, "model", "m", "layer", 1), new SafetensorsWriter(),
                outcomes, Scorer.score(method, outcomes));
        return folder;
    }

    @Test
    void markdownLayout(@TempDir Path dir) throws Exception {
        // given in a scrambled order: rows still come out patching, das, mdas
        List<Path> runs = List.of(run(dir, "mdas", 5, 7), run(dir, "patching", 8, 1), run(dir, "das", 7, 3));
        Leaderboard board = Leaderboard.fromFolders(runs);
        String md = LeaderboardWriter.markdown(board);
        List<String> lines = Arrays.asList(md.split("\n"));

        int entity = lines.indexOf("## Entity split (test_entity)");
        int context = lines.indexOf("## Context split (test_context): the paper's test set");
        int published = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("## Published reference numbers")) {
                published = i;
            }
        }
        assertTrue(entity > 0 && context > entity && published > context, md);

        List<String> table = lines.subList(entity, context).stream().filter(l -> l.startsWith("|")).toList();
        assertEquals("| Method | City C | City I | City D | Physical object C | Physical object I | Physical object D"
                + " | Avg C | Avg I | Avg D |", table.get(0));
        assertEquals("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|", table.get(1));
        // patching 8/8 cause, 1/8 isolate = 100.0 / 12.5 / 56.3 (56.25 rounded half up)
        assertEquals("| patching | 100.0 | 12.5 | 56.3 | 100.0 | 12.5 | 56.3 | 100.0 | 12.5 | 56.3 |", table.get(2));
        assertEquals("| das | 87.5 | 37.5 | 62.5 | 87.5 | 37.5 | 62.5 | 87.5 | 37.5 | 62.5 |", table.get(3));
        assertEquals("| mdas | 62.5 | 87.5 | 75.0 | 62.5 | 87.5 | 75.0 | 62.5 | 87.5 | 75.0 |", table.get(4));
        assertEquals(5, table.size());

        List<String> pub = lines.subList(published, lines.size()).stream().filter(l -> l.startsWith("|")).toList();
        assertEquals("| Method | City C | City I | City D | Nobel laureate C | Nobel laureate I | Nobel laureate D"
                + " | Occupation C | Occupation I | Occupation D | Physical object C | Physical object I"
                + " | Physical object D | Verb C | Verb I | Verb D | Avg C | Avg I | Avg D |", pub.get(0));
        assertEquals("| mdas | 56.3 | 77.9 | 67.1 | 56.0 | 93.5 | 74.8 | 50.7 | 88.1 | 69.4 | 85.0 | 97.9 | 91.5"
                + " | 74.3 | 79.6 | 76.9 | 64.5 | 87.4 | 76.0 |", pub.get(2));
        assertTrue(pub.get(3).startsWith("| hyperdas-soft | 71.1 | 89.9 | 80.5 |"), pub.get(3));

        // every number in every table has exactly one decimal
        for (String l : lines) {
            if (l.startsWith("| ") && !l.startsWith("| Method")) {
                String[] cells = l.split("\\|");
                for (int c = 2; c < cells.length; c++) {
                    assertTrue(cells[c].trim().matches("\\d{1,3}\\.\\d|–"), "cell '" + cells[c] + "' in " + l);
                }
            }
        }

        List<Path> files = LeaderboardWriter.write(board, dir.resolve("board"));
        assertEquals(md, Files.readString(files.get(0)));
        String csv = Files.readString(files.get(1));
        assertTrue(csv.startsWith("table,method,city_cause,city_isolate,city_disentangle,nobel_prize_winner_cause"), csv);
        assertTrue(csv.contains("\ntest_entity,patching,100.0,12.5,56.3,,,,,,,100.0,12.5,56.3,,,,100.0,12.5,56.3,false,3\n"),
                csv);
        assertTrue(csv.contains("\ntest_context,patching,100.0,12.5,56.3,,,,,,,100.0,12.5,56.3,,,,100.0,12.5,56.3,true,3\n"),
                csv);
        String html = Files.readString(files.get(2));
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<th colspan=\"3\">Physical object</th>"));
        assertFalse(html.contains("<script") || html.contains("http"), "self-contained");
    }

    /** A run as {@link #run} writes it, with label_tokens in its config. */
    private static Path runScoredOn(Path dir, String method, String labelTokens) throws Exception {
        Path folder = run(dir, method, 4, 4);
        Path config = folder.resolve(RunFolder.CONFIG);
        Files.writeString(config, Files.readString(config).replaceFirst("\\{", "{\"label_tokens\": \"" + labelTokens
                + "\", "));
        return folder;
    }

    @Test
    void headerStatesTheScoringRuleAndThePaperTestSplit(@TempDir Path dir) throws Exception {
        Leaderboard all = Leaderboard.fromFolders(List.of(runScoredOn(dir.resolve("a"), "das", "all"),
                runScoredOn(dir.resolve("a"), "mdas", "all")));
        String md = LeaderboardWriter.markdown(all);
        assertTrue(md.contains("% of examples answered right after the intervention (teacher forced), counting every"
                + " label token."), md);
        assertTrue(md.contains("The test_context table matches the HyperDAS paper's test set"), md);
        assertTrue(md.contains("(model m, layer 1, k -, label tokens all)"), md);
        String html = LeaderboardWriter.html(all);
        assertTrue(html.contains("<h2>Context split (test_context): the paper&#39;s test set</h2>")
                || html.contains("<h2>Context split (test_context): the paper's test set</h2>"), html);
        String csv = LeaderboardWriter.csv(all);
        assertTrue(csv.split("\n")[0].endsWith(",average_disentangle,paper_test_set,label_tokens"), csv);
        assertTrue(csv.contains("\ntest_context,das,") && csv.contains(",true,all\n") && csv.contains(",false,all\n"),
                csv);

        Leaderboard three = Leaderboard.fromFolders(List.of(runScoredOn(dir.resolve("b"), "das", "3")));
        assertTrue(LeaderboardWriter.markdown(three).contains("the first 3 label tokens (all of them when shorter)"));
        Leaderboard mixed = Leaderboard.fromFolders(List.of(runScoredOn(dir.resolve("c"), "das", "3"),
                runScoredOn(dir.resolve("c"), "mdas", "all")));
        assertTrue(LeaderboardWriter.markdown(mixed).contains("they differ"));
        BadInputException bad = assertThrows(BadInputException.class,
                () -> Leaderboard.fromFolders(List.of(runScoredOn(dir.resolve("d"), "das", "some"))));
        assertTrue(bad.getMessage().contains("label_tokens"), bad.getMessage());
    }

    @Test
    void sameMethodTwiceIsToldApartAndMissingFilesAreNamed(@TempDir Path dir) throws Exception {
        Path a = run(dir.resolve("a"), "das", 1, 1);
        Path b = run(dir.resolve("b"), "das", 2, 2);
        Leaderboard board = Leaderboard.fromFolders(List.of(a, b));
        assertEquals(List.of("das (das)", "das (das)"), board.runs().stream().map(Leaderboard.Entry::label).toList());

        Files.delete(b.resolve(RunFolder.PREDICTIONS));
        BadInputException e = assertThrows(BadInputException.class, () -> Leaderboard.fromFolders(List.of(a, b)));
        assertTrue(e.getMessage().contains(b.toString()) && e.getMessage().contains("missing predictions.arrow"),
                e.getMessage());
    }
}
