package org.hyperdas.explorer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.BadInputException;

/**
 * The run folder given at startup, read once: its test predictions (Examples tab), its scores,
 * leaderboard and figures (Leaderboard tab). Only fixed names are read: the folder itself and the
 * sub-folders a {@code train} run writes ({@link #SUB_RUNS}); figures are the PNG files found
 * there at startup and are served by their index, so no request ever names a path.
 */
public final class RunView {
    /** The run folders {@code train --out DIR} writes inside DIR (hyperdas modes, then baselines). */
    public static final List<String> SUB_RUNS = List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one",
            "hyperdas-global-argmax", "hyperdas-groundtruth",
            "mdas", "das", "patching");
    /** The leaderboard {@code train} and {@code leaderboard} write beside the run folders. */
    public static final String LEADERBOARD = "leaderboard.md";
    /** Examples listed per run folder at most (the page filters them in the browser). */
    public static final int MAX_EXAMPLES = 5000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HYPERDAS_PREFIX = "hyperdas-";

    /**
     * One scored test pair.
     *
     * @param run the run folder's label: a hyperdas mode ("soft", ...) or the folder's name
     * @param mode the hyperdas mode it was scored in, or null
     */
    public record Example(int id, String run, String mode, String split, String entityType, String attribute,
            String kind, boolean correct, String predicted, String expected, String base, String source,
            String baseEntity, String sourceEntity, String instruction) {
    }

    /** A PNG of the run, served as {@code /api/figures/ID}. */
    public record Figure(int id, String run, String name) {
    }

    /** The scores.json of one run folder, as written. */
    public record RunScores(String run, JsonNode scores) {
    }

    private final Path folder;
    private final List<Example> examples;
    private final List<RunScores> scores;
    private final List<Figure> figures;
    private final List<Path> figureFiles;
    private final String leaderboard;

    private RunView(Path folder, List<Example> examples, List<RunScores> scores, List<Figure> figures,
            List<Path> figureFiles, String leaderboard) {
        this.folder = folder;
        this.examples = List.copyOf(examples);
        this.scores = List.copyOf(scores);
        this.figures = List.copyOf(figures);
        this.figureFiles = List.copyOf(figureFiles);
        this.leaderboard = leaderboard;
    }

    /** No run folder: every tab but Try is empty. */
    public static RunView none() {
        return new RunView(null, List.of(), List.of(), List.of(), List.of(), null);
    }

    /**
     * Reads a run folder (a {@code train} output folder, one of its run folders, or a das / mdas /
     * patching run folder).
     *
     * @throws BadInputException when the folder does not exist or holds no predictions.arrow in
     *     itself or in any of {@link #SUB_RUNS}
     */
    public static RunView open(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw BadInputException.file(folder, "no such run folder (--run expects a folder written by hyperdas-run"
                    + " train)");
        }
        List<Map.Entry<String, Path>> runs = new ArrayList<>();
        runs.add(Map.entry(label(folder.getFileName() == null ? "run" : folder.getFileName().toString()), folder));
        for (String sub : SUB_RUNS) {
            runs.add(Map.entry(label(sub), folder.resolve(sub)));
        }
        List<Example> examples = new ArrayList<>();
        List<RunScores> scores = new ArrayList<>();
        List<Figure> figures = new ArrayList<>();
        List<Path> figureFiles = new ArrayList<>();
        for (Map.Entry<String, Path> run : runs) {
            Path predictions = run.getValue().resolve(RunFolder.PREDICTIONS);
            if (Files.isRegularFile(predictions)) {
                addExamples(examples, run.getKey(), run.getValue(), PredictionFile.read(predictions));
            }
            Path scoresFile = run.getValue().resolve(RunFolder.SCORES);
            if (Files.isRegularFile(scoresFile)) {
                scores.add(new RunScores(run.getKey(), readJson(scoresFile)));
            }
            for (Path png : pngs(run.getValue())) {
                figures.add(new Figure(figures.size(), run.getKey(), png.getFileName().toString()));
                figureFiles.add(png);
            }
        }
        if (examples.isEmpty() && scores.isEmpty()) {
            throw BadInputException.file(folder, "no " + RunFolder.PREDICTIONS + " or " + RunFolder.SCORES
                    + " in it or in its run folders " + SUB_RUNS + " (--run expects a folder written by hyperdas-run"
                    + " train)");
        }
        Path board = folder.resolve(LEADERBOARD);
        return new RunView(folder, examples, scores, figures, figureFiles, Files.isRegularFile(board) ? read(board)
                : null);
    }

    private static String label(String folderName) {
        return folderName.startsWith(HYPERDAS_PREFIX) ? folderName.substring(HYPERDAS_PREFIX.length()) : folderName;
    }

    private static void addExamples(List<Example> into, String run, Path folder, List<Outcome> outcomes) {
        String name = folder.getFileName() == null ? "" : folder.getFileName().toString();
        String mode = name.startsWith(HYPERDAS_PREFIX) ? name.substring(HYPERDAS_PREFIX.length()) : null;
        int added = 0;
        for (Outcome o : outcomes) {
            Pair p = o.pair();
            if (p.split().equals("train") || added >= MAX_EXAMPLES) {
                continue;
            }
            into.add(new Example(into.size(), run, mode, p.split(), p.entityType(), p.entityType() + "."
                    + p.attribute(), p.kind().label(), o.correct(), o.predicted(), p.expectedLabel(), p.basePrompt(),
                    p.sourcePrompt(), p.baseEntity(), p.sourceEntity(), p.instruction()));
            added++;
        }
    }

    private static List<Path> pngs(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".png") && Files.isRegularFile(f)).sorted()
                    .toList();
        } catch (IOException e) {
            throw BadInputException.file(folder, "cannot list it: " + e.getMessage());
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw BadInputException.file(file, "not valid JSON: " + e.getMessage());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw BadInputException.file(file, "cannot read it: " + e.getMessage());
        }
    }

    /** Whether a run folder was given. */
    public boolean present() {
        return folder != null;
    }

    public List<Example> examples() {
        return examples;
    }

    public List<RunScores> scores() {
        return scores;
    }

    public List<Figure> figures() {
        return figures;
    }

    /** leaderboard.md of the folder, or null. */
    public String leaderboard() {
        return leaderboard;
    }

    /** The bytes of figure {@code id}, or null when there is no such figure. */
    public byte[] figure(int id) throws IOException {
        return id < 0 || id >= figureFiles.size() ? null : Files.readAllBytes(figureFiles.get(id));
    }
}
