package org.hyperdas.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.hyperdas.evaluation.leaderboard.IntervalLeaderboard;
import org.hyperdas.evaluation.leaderboard.IntervalLeaderboardWriter;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.BadInputException;

/**
 * {@code train --seeds 0,1,2}: the whole training run once per seed, each exactly as {@code train
 * --seed S --out DIR/seed-S} would run it, then one leaderboard with 95% intervals over every run
 * folder ({@link IntervalLeaderboard}) written to DIR and printed.
 */
final class SeedRuns {
    /** The folder of one seed's runs under the training's output folder. */
    static String seedFolder(long seed) {
        return "seed-" + seed;
    }

    private SeedRuns() {
    }

    /** The seeds, distinct and in the order given. */
    static List<Long> distinct(List<Long> seeds) {
        if (seeds.isEmpty()) {
            throw new BadInputException("--seeds: expected a list of seeds such as 0,1,2");
        }
        for (long s : seeds) {
            if (s < 0) {
                throw new BadInputException("--seeds: '" + s + "': expected seeds >= 0");
            }
        }
        return List.copyOf(new LinkedHashSet<>(seeds));
    }

    /**
     * Runs {@code once} per seed ({@code setSeed} points the command at the seed and its folder
     * first), then writes and prints the interval leaderboard of all run folders under {@code out}.
     */
    static int run(List<Long> seeds, Path out, java.util.function.LongConsumer setSeed, Callable<Integer> once,
            PrintWriter stdout) throws Exception {
        List<Path> folders = new ArrayList<>();
        List<Long> distinct = distinct(seeds);
        for (int i = 0; i < distinct.size(); i++) {
            long seed = distinct.get(i);
            System.err.printf("seed %d (%d of %d)%n", seed, i + 1, distinct.size());
            setSeed.accept(seed);
            int code = once.call();
            if (code != 0) {
                return code;
            }
            folders.addAll(runFolders(out.resolve(seedFolder(seed))));
        }
        IntervalLeaderboard board = IntervalLeaderboard.fromFolders(folders, IntervalLeaderboard.DEFAULT_REFERENCE);
        List<Path> files = IntervalLeaderboardWriter.write(board, out);
        stdout.print("\n" + IntervalLeaderboardWriter.markdown(board));
        stdout.flush();
        System.err.println("leaderboard with intervals: " + files.stream().map(Path::toString).toList());
        return 0;
    }

    /** The finished run folders in {@code folder}: itself when it is one, else its sub-folders that are. */
    static List<Path> runFolders(Path folder) throws IOException {
        if (Files.isRegularFile(folder.resolve(RunFolder.SCORES))) {
            return List.of(folder);
        }
        try (Stream<Path> children = Files.list(folder)) {
            return children.filter(c -> Files.isRegularFile(c.resolve(RunFolder.SCORES))).sorted().toList();
        }
    }
}
