package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.runtime.io.OutputFolder;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults a user meets: the process killed with SIGKILL at a random (seeded) point of every writing
 * command, and a full disk (a file size limit on the child). Afterwards the output path holds the
 * complete previous state, a resumable checkpoint, or nothing; a rerun completes; and a full disk
 * ends in one error message, a nonzero exit and nothing half-written.
 *
 * <p>Every command first runs to completion in a child (the reference: its output, its duration T,
 * its largest file); a second child is then killed at a seeded random fraction of T.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionTest {
    private static final long SEED = 17;
    private static final long TIMEOUT_S = 180;

    /** One temp folder for the whole class: the references are shared by the tests. */
    private Path dir;

    private final Random random = new Random(SEED);
    private final Map<String, Reference> refs = new LinkedHashMap<>();
    private Path model;

    /** A completed run of one command: its arguments (without --out), its output and duration. */
    private record Reference(List<String> args, Path out, long millis) {
        List<String> to(Path target, String... more) {
            List<String> all = new ArrayList<>(args);
            all.addAll(List.of("--out", target.toString()));
            all.addAll(List.of(more));
            return all;
        }
    }

    @BeforeAll
    void runEachCommandOnce(@TempDir Path classDir) throws Exception {
        dir = classDir;
        Assumptions.assumeTrue(ChildCli.supported(), "ONNX Runtime's linux-x64 libraries are needed for the child");
        model = SharedData.require("models/stories260K");
        List<String> data = List.of("--no-knowledge-filter", "--entity-types", "city", "--attributes", "Country",
                "--train-per-kind", "8", "--eval-per-kind", "2", "--batch-size", "4", "--threads", "1");
        reference("pretrain", List.of("pretrain", "--entity-types", "city", "--layers", "1", "--hidden", "16",
                "--heads", "2", "--kv-heads", "1", "--epochs", "1", "--seed", "1", "--checkpoint-every", "6",
                "--threads", "1"));
        reference("data", List.of("data", "prepare", "--entity-types", "city", "--train-per-kind", "8",
                "--eval-per-kind", "4"));
        reference("patching", train(data, "--method", "patching", "--layer", "1"));
        reference("hyperdas", train(data, "--epochs", "2", "--k", "4", "--hypernet-layers", "1", "--layer", "1",
                "--baselines", "none", "--progress-every", "0", "--checkpoint-every", "2"));
        reference("das", train(data, "--method", "das", "--steps", "24", "--layer", "1", "--checkpoint-every", "4"));
        reference("mdas", train(data, "--method", "mdas", "--steps", "24", "--k", "4", "--layer", "1",
                "--checkpoint-every", "4"));
        List<String> sweep = new ArrayList<>(List.of("sweep", "--model", model.toString(), "--method", "patching",
                "--layers", "0,1"));
        sweep.addAll(data);
        reference("sweep", sweep);
        reference("export", List.of("export", "--run", refs.get("patching").out().toString()));
        reference("leaderboard", List.of("leaderboard", "--runs", refs.get("patching").out().toString(),
                refs.get("das").out().toString()));
    }

    private List<String> train(List<String> data, String... method) {
        List<String> args = new ArrayList<>(List.of("train", "--model", model.toString()));
        args.addAll(data);
        args.addAll(List.of(method));
        return args;
    }

    private void reference(String name, List<String> args) throws Exception {
        Path out = dir.resolve("ref").resolve(name);
        long t0 = System.nanoTime();
        Reference ref = new Reference(args, out, 0);
        ChildCli.Result r = ChildCli.run(ref.to(out), dir.resolve(name + "-ref.log"), 0, TIMEOUT_S);
        assertEquals(0, r.code(), name + ":\n" + r.log());
        refs.put(name, new Reference(args, out, (System.nanoTime() - t0) / 1_000_000));
    }

    // ------------------------------------------------------------------ kill -9

    /** Pretrain and export build beside --out and rename: a kill leaves the previous model whole. */
    @Test
    @Order(1)
    void aKilledPretrainOrExportLeavesThePreviousOutputWholeAndTheRerunRemovesItsLeftovers() throws Exception {
        for (String name : List.of("pretrain", "export")) {
            Reference ref = refs.get(name);
            Path out = dir.resolve("kill").resolve(name);
            String[] again = name.equals("export") ? new String[] {"--overwrite"} : new String[0];
            assertEquals(0, ChildCli.run(ref.to(out), dir.resolve(name + "-first.log"), 0, TIMEOUT_S).code());
            killAtRandom(name, ref.to(out, again));
            assertSameOutput(ref.out(), out, name + " after the kill");

            List<String> rerun = ref.to(out, again);
            if (name.equals("pretrain") && Files.exists(out.resolveSibling(name + ".partial/checkpoint.safetensors"))) {
                rerun.add("--resume");
            }
            boolean leftovers = !hiddenSiblings(out).isEmpty();
            ChildCli.Result r = ChildCli.run(rerun, dir.resolve(name + "-rerun.log"), 0, TIMEOUT_S);
            assertEquals(0, r.code(), r.log());
            assertEquals(leftovers, r.log().contains("left by an interrupted " + name + " run"), r.log());
            assertEquals(List.of(), hiddenSiblings(out), "the rerun leaves no hidden sibling");
            assertSameOutput(ref.out(), out, name + " after the rerun");
        }
    }

    /** Training writes in place: a kill leaves complete run folders, a checkpoint, or nothing; --resume completes. */
    @Test
    @Order(2)
    void aKilledTrainingLeavesCompleteRunFoldersOrACheckpointAndResumes() throws Exception {
        for (String name : List.of("hyperdas", "das", "mdas", "patching")) {
            Reference ref = refs.get(name);
            Path out = dir.resolve("kill").resolve(name);
            killAtRandom(name, ref.to(out));
            assertNothingHalfWritten(out, ref.out(), true);

            ChildCli.Result r = ChildCli.run(ref.to(out, "--resume"), dir.resolve(name + "-rerun.log"), 0, TIMEOUT_S);
            assertEquals(0, r.code(), r.log());
            assertNothingHalfWritten(out, ref.out(), false);
            for (Path run : runFolders(ref.out())) {
                Path resumed = out.resolve(ref.out().relativize(run));
                assertEquals(tensors(run.resolve(RunFolder.PARAMETERS)), tensors(resumed.resolve(RunFolder.PARAMETERS)),
                        name + ": the resumed run's parameters equal the uninterrupted run's");
            }
        }
    }

    /** The leaderboard replaces each of its files atomically: each is the previous one or the new one. */
    @Test
    @Order(3)
    void aKilledLeaderboardLeavesEachFileWhole() throws Exception {
        Reference ref = refs.get("leaderboard");
        Path out = dir.resolve("kill").resolve("leaderboard");
        assertEquals(0, ChildCli.run(ref.to(out), dir.resolve("leaderboard-first.log"), 0, TIMEOUT_S).code());
        killAtRandom("leaderboard", ref.to(out));
        assertSameOutput(ref.out(), out, "leaderboard after the kill");
    }

    private void killAtRandom(String name, List<String> args) throws Exception {
        long delay = (long) (refs.get(name).millis() * (0.1 + 0.9 * random.nextDouble()));
        Path log = dir.resolve(name + "-killed.log");
        Process child = ChildCli.start(args, log, 0);
        boolean ended = child.waitFor(delay, java.util.concurrent.TimeUnit.MILLISECONDS);
        ChildCli.kill(child);
        System.out.printf("%s: killed after %d ms of %d%s%n", name, delay, refs.get(name).millis(),
                ended ? " (it had already ended)" : "");
    }

    // ------------------------------------------------------------------ disk full

    /** Under a file size limit below its largest file, each writing command fails cleanly. */
    @Test
    @Order(4)
    void aFullDiskEndsInOneMessageAndLeavesNothingHalfWritten() throws Exception {
        for (String name : List.of("pretrain", "data", "patching", "hyperdas", "sweep", "export", "leaderboard")) {
            Reference ref = refs.get(name);
            long limitKb = Math.max(1, largestFile(ref.out()) / 2048);
            Path out = dir.resolve("full").resolve(name);
            ChildCli.Result r = ChildCli.run(ref.to(out), dir.resolve(name + "-full.log"), limitKb, TIMEOUT_S);
            System.out.printf("%s under ulimit -f %d: exit %d, %s%n", name, limitKb, r.code(),
                    r.log().lines().filter(l -> l.startsWith("error:")).findFirst().orElse("(no error line)"));
            assertEquals(2, r.code(), name + " under a " + limitKb + " KB file size limit:\n" + r.log());
            assertTrue(r.log().lines().anyMatch(l -> l.startsWith("error: ")), r.log());
            assertFalse(r.log().lines().anyMatch(l -> l.startsWith("\tat ")), "no stack trace:\n" + r.log());
            assertNothingHalfWritten(out, ref.out());
            if (name.equals("pretrain") || name.equals("export")) {
                assertFalse(Files.exists(out), name + " appears only whole");
            }
        }
    }

    // ------------------------------------------------------------------ what is left

    /** Same file names as the reference, and the same bytes where the content is deterministic. */
    private static void assertSameOutput(Path reference, Path out, String what) throws IOException {
        assertEquals(visibleFiles(reference).keySet(), visibleFiles(out).keySet(), what);
        for (Map.Entry<String, Path> f : visibleFiles(reference).entrySet()) {
            if (deterministic(f.getKey())) {
                assertArrayEquals(Files.readAllBytes(f.getValue()), Files.readAllBytes(out.resolve(f.getKey())),
                        what + ": " + f.getKey());
            }
        }
    }

    /**
     * No temporary file anywhere under {@code out} or beside it (once the writer is gone), every
     * deterministic file equal to the reference's, and every scored run folder complete. Right after
     * a SIGKILL ({@code killed}) the hidden temporary file of an unfinished atomic write may remain:
     * the file it was to replace is whole, and the next run into the folder removes it.
     */
    private static void assertNothingHalfWritten(Path out, Path reference) throws IOException {
        assertNothingHalfWritten(out, reference, false);
    }

    private static void assertNothingHalfWritten(Path out, Path reference, boolean killed) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(out)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String n = p.getFileName().toString();
                if (killed && AtomicFiles.isTempFile(p)) {
                    continue;
                }
                assertFalse(n.endsWith(".tmp") || n.contains(OutputFolder.TEMP_INFIX), "a temporary file: " + p);
                String rel = out.relativize(p).toString();
                // Resume state (the run's checkpoint, DAS/MDAS's per-attribute ones) depends on where the kill
                // landed; it must be readable, and resuming from it is checked bit for bit by the caller.
                boolean checkpoint = n.equals("checkpoint.safetensors")
                        || (p.getParent() != null && p.getParent().getFileName().toString().equals("checkpoints"));
                if (binary(n) && !checkpoint && Files.exists(reference.resolve(rel))) {
                    assertArrayEquals(Files.readAllBytes(reference.resolve(rel)), Files.readAllBytes(p), rel);
                }
                if (checkpoint) {
                    try (SafetensorsFile f = SafetensorsFile.open(p)) {
                        assertFalse(f.tensors().isEmpty(), "a readable checkpoint: " + p);
                    }
                }
            }
        }
        for (Path run : runFolders(out)) {
            for (String f : RunFolder.FILES) {
                assertTrue(Files.isRegularFile(run.resolve(f)), "a scored run folder lacks " + f + ": " + run);
            }
        }
    }

    /** Files whose bytes a rerun with the same seed reproduces (a run's config.json holds timings). */
    private static boolean binary(String name) {
        return name.endsWith(".safetensors") || name.endsWith(".arrow") || name.endsWith(".onnx");
    }

    private static boolean deterministic(String name) {
        return name.endsWith(".safetensors") || name.endsWith(".arrow") || name.endsWith(".onnx")
                || name.equals("config.json") || name.equals("tokenizer.json") || name.equals("leaderboard.md")
                || name.equals("leaderboard.csv");
    }

    /** Folders under {@code root} (itself included) holding scores.json, the file a run folder gets last. */
    private static List<Path> runFolders(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> Files.isRegularFile(p.resolve(RunFolder.SCORES))).sorted().toList();
        }
    }

    private static Map<String, Path> visibleFiles(Path folder) throws IOException {
        Map<String, Path> files = new java.util.TreeMap<>();
        if (Files.isDirectory(folder)) {
            try (Stream<Path> s = Files.list(folder)) {
                s.filter(p -> !p.getFileName().toString().startsWith(".")).forEach(p -> files.put(
                        p.getFileName().toString(), p));
            }
        }
        return files;
    }

    private static List<String> hiddenSiblings(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out.getParent())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + out.getFileName()))
                    .sorted().toList();
        }
    }

    private static long largestFile(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).max().orElse(0);
        }
    }

    private static Map<String, List<Float>> tensors(Path file) {
        Map<String, List<Float>> out = new java.util.TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.tensors().keySet()) {
                List<Float> values = new ArrayList<>();
                for (float v : f.floatArray(name)) {
                    values.add(v);
                }
                out.put(name, values);
            }
        }
        return out;
    }
}
