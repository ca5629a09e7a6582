package org.hyperdas.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.hyperdas.evaluation.arrow.PairReader;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --pairs}, {@code --label-tokens}: the reference mix from the CLI and bad values. */
class PairMixCliTest {
    @Test
    void dataPrepareWritesReferencePairsAndTheCauseShare(@TempDir Path dir) {
        Path ravel = SharedData.require("ravel/data");
        Path out = dir.resolve("pairs");
        Cli.Result r = Cli.run("data", "prepare", "--ravel", ravel.toString(), "--pairs", "reference",
                "--entity-types", "city", "--train-per-kind", "60", "--eval-per-kind", "10", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("cause %"), r.out());
        assertTrue(r.out().lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow().contains(" 50.0 "),
                r.out());
        List<Pair> train = PairReader.readAll(out.resolve("city_train.arrow"));
        assertEquals(2 * 60 * 6, train.size());
        assertTrue(train.stream().anyMatch(p -> p.sourceAttribute().equals("wikipedia")));
        assertTrue(train.stream().allMatch(p -> !p.baseLabel().equals(p.counterfactualLabel())));
    }

    @Test
    void badPairsAndLabelTokensExitWithTwo(@TempDir Path dir) {
        Cli.Result prepare = Cli.run("data", "prepare", "--pairs", "uniform", "--out", dir.resolve("a").toString());
        assertEquals(2, prepare.code());
        assertTrue(prepare.err().contains("--pairs: expected reference or balanced, found 'uniform'"), prepare.err());
        Path model = SharedData.require("models/stories260K");
        Cli.Result tokens = Cli.run("train", "--model", model.toString(), "--label-tokens", "0", "--out",
                dir.resolve("b").toString());
        assertEquals(2, tokens.code());
        assertTrue(tokens.err().contains("--label-tokens: expected 'all' or a whole number >= 1, found '0'"),
                tokens.err());
        Cli.Result pairs = Cli.run("train", "--model", model.toString(), "--pairs", "x", "--out",
                dir.resolve("c").toString());
        assertEquals(2, pairs.code());
        assertTrue(pairs.err().contains("--pairs: expected reference or balanced"), pairs.err());
    }
}
