package org.hyperdas.trainer.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.runtime.io.OutputFolder;
import org.hyperdas.runtime.io.OutputKind;

/**
 * A cell's folder and its completion record {@code cell.json}, written atomically after the cell's
 * {@code train} exited 0: the cell's settings and the run folders it wrote. A cell is finished when
 * {@code cell.json} is present and every run folder it lists reads back complete (all four run
 * files, scores.json parsing): a finished cell is skipped, anything else is trained (again).
 */
public final class CellFolder {
    public static final String RECORD = "cell.json";
    public static final String LOG = "cell.log";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CellFolder() {
    }

    /**
     * Creates the cell's folder marked as a {@code train} output, so the cell's own {@code train
     * --out FOLDER} accepts it although the sweep's {@link #LOG} is already there.
     */
    public static void prepare(Path folder) {
        OutputFolder.claim("--out", folder, OutputKind.TRAIN, false, System.err);
    }

    /** The run folders of a finished cell, relative to its folder ("" = the folder itself); null if unfinished. */
    public static List<String> finishedRuns(Path folder) {
        Path record = folder.resolve(RECORD);
        if (!Files.isRegularFile(record)) {
            return null;
        }
        try {
            JsonNode root = JSON.readTree(record.toFile());
            List<String> runs = new ArrayList<>();
            root.path("runs").forEach(r -> runs.add(r.asText()));
            if (runs.isEmpty()) {
                return null;
            }
            for (String r : runs) {
                RunFolder.read(folder.resolve(r));
            }
            return runs;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Records a cell whose train exited 0: finds its run folders and writes {@code cell.json} last. */
    public static List<String> markFinished(Path folder, Cell cell, int threads) throws IOException {
        List<String> runs = new ArrayList<>();
        if (Files.isRegularFile(folder.resolve(RunFolder.SCORES))) {
            runs.add("");
        } else {
            try (Stream<Path> children = Files.list(folder)) {
                children.filter(c -> Files.isRegularFile(c.resolve(RunFolder.SCORES))).sorted()
                        .forEach(c -> runs.add(c.getFileName().toString()));
            }
        }
        if (runs.isEmpty()) {
            throw new IOException(folder + ": train exited 0 but wrote no run folder");
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("cell", cell.name());
        ObjectNode settings = root.putObject("settings");
        cell.settings().forEach(settings::put);
        root.put("threads", threads);
        runs.forEach(root.putArray("runs")::add);
        AtomicFiles.writeString(folder.resolve(RECORD), JSON.writeValueAsString(root) + "\n");
        return runs;
    }
}
