package org.hyperdas.tests.explorer;

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
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.explorer.ExplorerServer;
import org.hyperdas.tests.knowledge.KnowledgeCli;

/**
 * A tiny trained hyperdas run and mdas run and their exports, made once per test JVM through the
 * CLI, as the export tests make theirs: a 2-layer Llama (hidden 32) with a word-level tokenizer
 * pretrained for a few seconds on the facts of 16 embedded cities, then HyperDAS (one epoch) and
 * MDAS (four steps) on a handful of city pairs, both exported.
 */
final class ExplorerFixture {
    /** The trained runs and their exports. */
    record Runs(Path root, Path hyperdasRun, Path mdasRun, Path hyperdasExport, Path mdasExport) {
    }

    /** What the CLI printed and returned. */
    record Result(int code, String out, String err) {
    }

    private static final int ENTITIES = 14;
    private static Runs runs;

    private ExplorerFixture() {
    }

    static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = HyperdasRun.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    static synchronized Runs get() throws IOException {
        if (runs == null) {
            runs = make();
        }
        return runs;
    }

    /** A server on a free loopback port over an export and a run folder (null for none). */
    static ExplorerServer serve(Path export, Path run) throws Exception {
        return ExplorerServer.start(new ExplorerServer.Config(export, run, ExplorerServer.DEFAULT_HOST, 0, "cpu",
                ExplorerServer.DEFAULT_THREADS));
    }

    /** The first scored cause pair of a run folder's test predictions. */
    static Pair causePair(Path runFolder) {
        return PredictionFile.read(runFolder.resolve(RunFolder.PREDICTIONS)).stream().map(o -> o.pair())
                .filter(p -> p.kind() == PairKind.CAUSE && !p.split().equals("train")).findFirst().orElseThrow();
    }

    private static Runs make() throws IOException {
        Path root = Files.createTempDirectory("hyperdas-explorer-tests");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
        List<Entity> entities = new ArrayList<>();
        for (Entity e : RavelLoader.loadEmbedded("city").entities()) {
            if (entities.size() < ENTITIES || e.name().equals("Paris") || e.name().equals("Tokyo")) {
                entities.add(e);
            }
        }
        Path ravel = KnowledgeCli.tinyRavel(root.resolve("ravel"), "city", entities);
        Path model = root.resolve("model");
        check(cli("pretrain", "--ravel", ravel.toString(), "--out", model.toString(), "--layers", "2", "--hidden",
                "32", "--heads", "4", "--kv-heads", "2", "--epochs", "50", "--batch-size", "16", "--seed", "3",
                "--checkpoint-every", "0", "--threads", "2"), "pretrain");
        List<String> data = List.of("--ravel", ravel.toString(), "--no-knowledge-filter", "--entity-types", "city",
                "--attributes", "Country,Continent", "--train-per-kind", "6", "--eval-per-kind", "3", "--layer", "1",
                "--k", "4", "--batch-size", "4", "--eval-batch-size", "8", "--threads", "2");

        Path hyperdas = root.resolve("runs").resolve("hyperdas");
        List<String> train = new ArrayList<>(List.of("train", "--model", model.toString(), "--out", hyperdas.toString(),
                "--epochs", "1", "--hypernet-layers", "1", "--progress-every", "0", "--checkpoint-every", "0",
                "--baselines", "none"));
        train.addAll(data);
        check(cli(train.toArray(String[]::new)), "train hyperdas");
        Path mdas = root.resolve("runs").resolve("mdas");
        List<String> trainMdas = new ArrayList<>(List.of("train", "--method", "mdas", "--model", model.toString(),
                "--out", mdas.toString(), "--steps", "4"));
        trainMdas.addAll(data);
        check(cli(trainMdas.toArray(String[]::new)), "train mdas");

        Path hyperdasExport = root.resolve("exports").resolve("hyperdas");
        check(cli("export", "--run", hyperdas.toString(), "--out", hyperdasExport.toString()), "export hyperdas");
        Path mdasExport = root.resolve("exports").resolve("mdas");
        check(cli("export", "--run", mdas.toString(), "--out", mdasExport.toString()), "export mdas");
        return new Runs(root, hyperdas, mdas, hyperdasExport, mdasExport);
    }

    private static void check(Result r, String what) {
        if (r.code() != 0) {
            throw new IllegalStateException(what + " exited with " + r.code() + ":\n" + r.err() + "\n" + r.out());
        }
    }

    private static void deleteTree(Path root) {
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
}
