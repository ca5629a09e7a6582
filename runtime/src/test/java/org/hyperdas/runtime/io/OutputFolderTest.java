package org.hyperdas.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFolderTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);

    private Path check(Path p, OutputKind kind, boolean overwrite) {
        return OutputFolder.check("--out", p, kind, overwrite, log);
    }

    @Test
    void anAbsentPathAnEmptyFolderAndAnOwnOutputAreAccepted(@TempDir Path dir) throws IOException {
        assertEquals(dir.resolve("new/deeper"), check(dir.resolve("new/deeper"), OutputKind.DATA, false));
        assertFalse(Files.exists(dir.resolve("new")), "check creates nothing");
        Files.createDirectories(dir.resolve("empty"));
        check(dir.resolve("empty"), OutputKind.DATA, false);

        Path claimed = OutputFolder.claim("--out", dir.resolve("run"), OutputKind.TRAIN, false, log);
        Files.writeString(claimed.resolve("partial.bin"), "x");
        check(claimed, OutputKind.TRAIN, false); // marked as train output: accepted with whatever it holds

        Path legacy = dir.resolve("legacy");
        Files.createDirectories(legacy);
        Files.writeString(legacy.resolve("config.json"), "{}");
        Files.writeString(legacy.resolve("scores.json"), "{}");
        check(legacy, OutputKind.TRAIN, false); // unmarked, but a complete run folder
    }

    @Test
    void aMarkerWriteCutShortLeavesAFolderThatIsStillAccepted(@TempDir Path dir) throws IOException {
        // A run killed inside claim(): the folder holds only the marker's temporary file.
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Path temp = run.resolve("." + OutputFolder.MARKER + ".3f2a9c.tmp");
        Files.writeString(temp, "{\"tool\": \"hyp");
        assertEquals(run, check(run, OutputKind.TRAIN, false));
        assertFalse(Files.exists(temp), "the unfinished marker write is removed");
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("unfinished write"), logged.toString());

        // Beside a user's file it is still not a reason to accept the folder.
        Path user = dir.resolve("user");
        Files.createDirectories(user);
        Files.writeString(user.resolve("notes.txt"), "keep");
        Files.writeString(user.resolve("." + OutputFolder.MARKER + ".77.tmp"), "");
        assertThrows(BadInputException.class, () -> check(user, OutputKind.TRAIN, false));
        assertTrue(Files.exists(user.resolve("notes.txt")));
    }

    @Test
    void aFolderOfOtherFilesIsRefusedUnlessOverwriteAndAFileNeverBecomesAFolder(@TempDir Path dir) throws IOException {
        Path user = dir.resolve("mine");
        Files.createDirectories(user);
        Files.writeString(user.resolve("notes.txt"), "keep");
        BadInputException e = assertThrows(BadInputException.class, () -> check(user, OutputKind.PRETRAIN, false));
        assertTrue(e.getMessage().startsWith("--out " + user + ": ") && e.getMessage().contains("notes.txt")
                && e.getMessage().contains("--overwrite"), e.getMessage());
        check(user, OutputKind.PRETRAIN, true);

        Path trainRun = OutputFolder.claim("--out", dir.resolve("run"), OutputKind.TRAIN, false, log);
        Files.writeString(trainRun.resolve("checkpoint.safetensors"), "");
        e = assertThrows(BadInputException.class, () -> check(trainRun, OutputKind.SWEEP, false));
        assertTrue(e.getMessage().contains("the output of a train run"), e.getMessage());

        Path file = dir.resolve("file");
        Files.writeString(file, "keep");
        for (boolean overwrite : new boolean[] {false, true}) {
            e = assertThrows(BadInputException.class, () -> check(file, OutputKind.DATA, overwrite));
            assertTrue(e.getMessage().contains("is a file"), e.getMessage());
        }
        e = assertThrows(BadInputException.class, () -> check(file.resolve("sub"), OutputKind.DATA, true));
        assertTrue(e.getMessage().contains(file + " is a file"), e.getMessage());
        assertEquals("keep", Files.readString(file));
    }

    @Test
    void anExportIsReplacedOnlyWithOverwrite(@TempDir Path dir) throws IOException {
        Path export = dir.resolve("export");
        Files.createDirectories(export);
        Files.writeString(export.resolve("manifest.json"), "{}");
        BadInputException e = assertThrows(BadInputException.class, () -> check(export, OutputKind.EXPORT, false));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        check(export, OutputKind.EXPORT, true);
    }

    @Test
    void theLeaderboardAddsItsFilesToAnyFolderButReplacesOnlyItsOwn(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "keep");
        OutputFolder.claim("--out", dir, OutputKind.LEADERBOARD, false, log);
        assertFalse(Files.exists(dir.resolve(OutputFolder.MARKER)), "no marker in a shared folder");
        Files.writeString(dir.resolve("leaderboard.md"), "my own notes");
        assertThrows(BadInputException.class, () -> check(dir, OutputKind.LEADERBOARD, false));
        Files.writeString(dir.resolve("leaderboard.csv"), "");
        Files.writeString(dir.resolve("leaderboard.html"), "");
        check(dir, OutputKind.LEADERBOARD, false);
    }

    @Test
    void installSwapsAnOwnOutputAndKeepsOtherFilesOfAnOverwrittenFolder(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("model");
        Path first = OutputFolder.newTempSibling(out, OutputKind.PRETRAIN);
        Files.writeString(first.resolve("a.json"), "1");
        OutputFolder.install(first, out, OutputKind.PRETRAIN);
        Path second = OutputFolder.newTempSibling(out, OutputKind.PRETRAIN);
        Files.writeString(second.resolve("a.json"), "2");
        Files.writeString(second.resolve("b.json"), "2");
        OutputFolder.install(second, out, OutputKind.PRETRAIN);
        assertEquals("2", Files.readString(out.resolve("a.json")));
        assertEquals(List.of("a.json", "b.json"), names(out), "no marker in an installed folder");
        assertEquals(List.of("model"), names(dir), "no temp or aside folder is left");

        Files.writeString(out.resolve("notes.txt"), "keep");
        Path third = OutputFolder.newTempSibling(out, OutputKind.PRETRAIN);
        Files.writeString(third.resolve("a.json"), "3");
        OutputFolder.install(third, out, OutputKind.PRETRAIN);
        assertEquals("3", Files.readString(out.resolve("a.json")));
        assertEquals("keep", Files.readString(out.resolve("notes.txt")));
        assertEquals(List.of("model"), names(dir));
    }

    @Test
    void leftoversOfKilledRunsAreRemovedAndNothingElse(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("export");
        Path killed = dir.resolve(".export" + OutputFolder.TEMP_INFIX + "1f");
        Files.createDirectories(killed);
        Files.write(killed.resolve("weights.safetensors"), new byte[1000]);
        Files.writeString(killed.resolve(OutputFolder.MARKER), "{\"kind\": \"export\", \"pid\": " + deadPid() + "}");
        Path unmarked = dir.resolve(".export" + OutputFolder.TEMP_INFIX + "user");
        Files.createDirectories(unmarked);
        Path otherKind = dir.resolve(".export" + OutputFolder.TEMP_INFIX + "2f");
        Files.createDirectories(otherKind);
        Files.writeString(otherKind.resolve(OutputFolder.MARKER), "{\"kind\": \"pretrain\", \"pid\": 1}");
        Path running = OutputFolder.newTempSibling(out, OutputKind.EXPORT); // this live process wrote it
        Files.writeString(running.resolve(OutputFolder.MARKER), "{\"kind\": \"export\", \"pid\": "
                + ProcessHandle.current().parent().orElseThrow().pid() + "}");

        check(out, OutputKind.EXPORT, false);
        assertFalse(Files.exists(killed));
        assertTrue(Files.exists(unmarked) && Files.exists(otherKind) && Files.exists(running));
        String note = logged.toString(StandardCharsets.UTF_8);
        assertTrue(note.contains("removed " + killed) && note.contains("interrupted export run"), note);
        assertEquals(1, note.lines().count(), note);
    }

    /** A process id that no running process has. */
    private static long deadPid() {
        long pid = 4_000_000;
        while (ProcessHandle.of(pid).isPresent()) {
            pid++;
        }
        return pid;
    }

    private static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void unfinishedAtomicWritesInOwnOutputAreRemovedAndAUsersAreKept(@TempDir Path dir) throws IOException {
        Path run = OutputFolder.claim("--out", dir.resolve("run"), OutputKind.TRAIN, false, log);
        Files.createDirectories(run.resolve("sub"));
        Path stale = run.resolve("sub").resolve(".predictions.arrow.b5093a40de35a4c4.tmp");
        Files.writeString(stale, "half");
        Path userLike = run.resolve("notes.tmp");
        Files.writeString(userLike, "not ours by name");
        check(run, OutputKind.TRAIN, false);
        assertFalse(Files.exists(stale), "a killed writer's temporary file goes");
        assertTrue(Files.exists(userLike), "only names of the atomic writer's pattern are removed");
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("an unfinished write of an interrupted run"));

        Path user = dir.resolve("mine");
        Files.createDirectories(user);
        Path theirs = user.resolve(".data.arrow.0123abcd.tmp");
        Files.writeString(theirs, "x");
        check(user, OutputKind.TRAIN, true);
        assertTrue(Files.exists(theirs), "nothing is removed from a folder that is not the tool's output");
    }
}
