package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hyperdas.runtime.io.OutputFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that writes a folder applies one rule to --out, before any work: a folder of the
 * user's files or a regular file is refused with exit 2 and a message naming --out and the path,
 * and the user's files stay as they were. The commands get inputs that would fail later (a missing
 * model or run folder), so a refusal that names --out shows that the check came first.
 */
class OutputRuleCliTest {
    private static final String MISSING = "/nonexistent/hyperdas-model";

    /** Each writing command with arguments up to (not including) --out. */
    private static List<List<String>> writingCommands() {
        List<String> data = List.of("--no-knowledge-filter", "--entity-types", "city", "--attributes", "Country",
                "--threads", "1");
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("pretrain", "--entity-types", "city", "--layers", "1", "--hidden", "16", "--heads", "2",
                "--kv-heads", "1", "--epochs", "1", "--threads", "1"));
        commands.add(List.of("data", "prepare", "--entity-types", "city"));
        for (String method : List.of("hyperdas", "das", "mdas", "patching")) {
            List<String> train = new ArrayList<>(List.of("train", "--method", method, "--model", MISSING));
            train.addAll(data);
            commands.add(train);
        }
        List<String> sweep = new ArrayList<>(List.of("sweep", "--method", "patching", "--model", MISSING));
        sweep.addAll(data);
        commands.add(sweep);
        commands.add(List.of("export", "--run", MISSING));
        return commands;
    }

    private static Cli.Result run(List<String> head, Path out, String... more) {
        List<String> args = new ArrayList<>(head);
        args.addAll(List.of("--out", out.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void aFolderOfUserFilesIsRefusedBeforeAnyWork(@TempDir Path dir) throws IOException {
        Path user = dir.resolve("mine");
        Files.createDirectories(user);
        Files.writeString(user.resolve("thesis.tex"), "keep");
        for (List<String> command : writingCommands()) {
            Cli.Result r = run(command, user);
            assertEquals(2, r.code(), command + ":\n" + r.err());
            assertTrue(r.err().contains("--out " + user + ": is not empty") && r.err().contains("thesis.tex")
                    && r.err().contains("--overwrite"), command + ":\n" + r.err());
            assertEquals(List.of("thesis.tex"), names(user), command.toString());
            assertFalse(Files.exists(dir.resolve("mine.partial")), "pretrain began nothing");
        }
        Files.writeString(user.resolve("leaderboard.md"), "my notes");
        Cli.Result r = Cli.run("leaderboard", "--runs", MISSING, "--out", user.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--out " + user + ": already holds [leaderboard.md]"), r.err());
        assertEquals("my notes", Files.readString(user.resolve("leaderboard.md")));
    }

    @Test
    void aRegularFileIsNeverTurnedIntoAFolderNotEvenWithOverwrite(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("results");
        Files.writeString(file, "keep");
        List<List<String>> commands = new ArrayList<>(writingCommands());
        commands.add(List.of("leaderboard", "--runs", MISSING));
        for (List<String> command : commands) {
            for (Path out : List.of(file, file.resolve("below"))) {
                Cli.Result r = run(command, out, "--overwrite");
                assertEquals(2, r.code(), command + ":\n" + r.err());
                assertTrue(r.err().contains("--out " + out + ": ") && r.err().contains(file + " is a file")
                        || r.err().contains("--out " + out + ": is a file"), command + ":\n" + r.err());
                assertEquals("keep", Files.readString(file), command.toString());
            }
        }
    }

    @Test
    void overwriteWritesIntoAUserFolderAndKeepsItsFiles(@TempDir Path dir) throws IOException {
        Path user = dir.resolve("mine");
        Files.createDirectories(user);
        Files.writeString(user.resolve("thesis.tex"), "keep");
        Cli.Result r = run(List.of("data", "prepare", "--entity-types", "city", "--train-per-kind", "2",
                "--eval-per-kind", "2"), user, "--overwrite");
        assertEquals(0, r.code(), r.err());
        assertEquals("keep", Files.readString(user.resolve("thesis.tex")));
        assertTrue(Files.isRegularFile(user.resolve("counts.tsv")));
        assertTrue(Files.isRegularFile(user.resolve(OutputFolder.MARKER)));

        Cli.Result again = run(List.of("data", "prepare", "--entity-types", "city", "--train-per-kind", "2",
                "--eval-per-kind", "2"), user);
        assertEquals(0, again.code(), "now marked as data output, it is accepted without --overwrite:\n" + again.err());
    }

    private static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
