package org.hyperdas.tests.export;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.hyperdas.cli.HyperdasRun;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.tests.knowledge.KnowledgeCli;

/**
 * One tiny trained hyperdas run, one mdas run and one patching run, and their exports, made once per test JVM and
 * shared by the export tests: a 2-layer Llama (hidden 32) with a word-level tokenizer, pretrained
 * for a few seconds on the facts of 16 embedded cities, so prompts, entities and labels are real
 * tokens and the model answers some pairs right; trained through the CLI on a handful of city pairs
 * (no knowledge filter: every pair is scored, some correct, most cause pairs wrong). The explorer
 * tests serve the same runs and exports.
 */
public final class ExportFixture {
    /** The trained runs and their exports. */
    public record Runs(Path root, Path model, Path hyperdasRun, Path mdasRun, Path patchingRun, Path hyperdasExport,
            Path mdasExport, Path patchingExport, String exportOut) {
    }

    /** What the CLI printed and returned. */
    public record Result(int code, String out, String err) {
    }

    /** Cities of the tiny RAVEL folder, besides Paris and Tokyo. */
    static final int ENTITIES = 14;

    private static Runs runs;

    private ExportFixture() {
    }

    public static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = HyperdasRun.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    public static synchronized Runs get() throws IOException {
        if (runs == null) {
            runs = make();
        }
        return runs;
    }

    /** The data flags every run uses: two city attributes of the tiny RAVEL folder, a few pairs per kind. */
    static List<String> dataFlags(Path ravel) {
        return List.of("--ravel", ravel.toString(), "--no-knowledge-filter", "--entity-types", "city",
                "--attributes", "Country,Continent",
                "--train-per-kind", "6", "--eval-per-kind", "3", "--layer", "1", "--k", "4", "--batch-size", "4",
                "--eval-batch-size", "8", "--threads", "2");
    }

    private static Runs make() throws IOException {
        Path root = Files.createTempDirectory("hyperdas-export-tests");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
        Path ravel = tinyRavel(root.resolve("ravel"));
        Path model = knowledgeModel(root.resolve("model"), ravel);

        Path hyperdas = root.resolve("runs").resolve("hyperdas");
        List<String> train = new ArrayList<>(List.of("train", "--model", model.toString(), "--out", hyperdas.toString(),
                "--epochs", "1", "--hypernet-layers", "1", "--progress-every", "0", "--checkpoint-every", "0",
                "--baselines", "none", "--scope", "joint"));
        train.addAll(dataFlags(ravel));
        Result r = cli(train.toArray(String[]::new));
        check(r, "train hyperdas");

        Path mdas = root.resolve("runs").resolve("mdas");
        List<String> trainMdas = new ArrayList<>(List.of("train", "--method", "mdas", "--model", model.toString(),
                "--out", mdas.toString(), "--steps", "4"));
        trainMdas.addAll(dataFlags(ravel));
        check(cli(trainMdas.toArray(String[]::new)), "train mdas");

        Path patching = root.resolve("runs").resolve("patching");
        List<String> patch = new ArrayList<>(List.of("train", "--method", "patching", "--model", model.toString(),
                "--out", patching.toString()));
        patch.addAll(dataFlags(ravel));
        check(cli(patch.toArray(String[]::new)), "train patching");

        Path hyperdasExport = root.resolve("exports").resolve("hyperdas");
        Result e = cli("export", "--run", hyperdas.toString(), "--out", hyperdasExport.toString());
        check(e, "export hyperdas");
        Path mdasExport = root.resolve("exports").resolve("mdas");
        check(cli("export", "--run", mdas.toString(), "--out", mdasExport.toString()), "export mdas");
        Path patchingExport = root.resolve("exports").resolve("patching");
        check(cli("export", "--run", patching.toString(), "--out", patchingExport.toString()), "export patching");
        return new Runs(root, model, hyperdas, mdas, patching, hyperdasExport, mdasExport, patchingExport, e.out());
    }

    private static void check(Result r, String what) {
        if (r.code() != 0) {
            throw new IllegalStateException(what + " exited with " + r.code() + ":\n" + r.err() + "\n" + r.out());
        }
    }

    /**
     * A tiny RAVEL folder: the first {@link #ENTITIES} embedded cities and Paris and Tokyo, every
     * attribute and template.
     */
    static Path tinyRavel(Path folder) throws IOException {
        List<Entity> entities = new ArrayList<>();
        for (Entity e : RavelLoader.loadEmbedded("city").entities()) {
            if (entities.size() < ENTITIES || e.name().equals("Paris") || e.name().equals("Tokyo")) {
                entities.add(e);
            }
        }
        return KnowledgeCli.tinyRavel(folder, "city", entities);
    }

    /**
     * A tiny Llama (2 layers, hidden 32) with a word-level tokenizer over the facts of {@code ravel},
     * pretrained on them by {@code hyperdas-run pretrain} (a few seconds): it knows most of them.
     */
    static Path knowledgeModel(Path folder, Path ravel) {
        check(cli("pretrain", "--ravel", ravel.toString(), "--out", folder.toString(), "--layers", "2", "--hidden",
                "32", "--heads", "4", "--kv-heads", "2", "--epochs", "50", "--batch-size", "16", "--seed", "3",
                "--checkpoint-every", "0", "--threads", "2"), "pretrain");
        return folder;
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of an export folder, to break. */
    static Path copy(Path export, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(export)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }
}
