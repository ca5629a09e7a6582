package org.hyperdas.trainer.das;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.BadInputException;

/**
 * Several methods' layer sweeps side by side: {@code sweep --method hyperdas,mdas,das} runs each
 * into {@code DIR/METHOD}, and earlier sweep folders given with {@code --compare} are read back;
 * {@value #PLOT} draws them all, one line per method.
 */
public final class MethodSweeps {
    /** The combined figure in the multi-method sweep folder. */
    public static final String PLOT = "disentangle-by-layer-methods.png";
    /** The run of a HyperDAS layer folder that stands for the layer (its first selection mode). */
    private static final String HYPERDAS_ROW = "hyperdas-soft";

    private MethodSweeps() {
    }

    /**
     * The scores of a sweep folder written by {@code sweep}: each {@code layer-L} run folder (a
     * HyperDAS layer folder by its hyperdas-soft run), in layer order.
     */
    public static Map<Integer, Scores> read(Path sweep) throws IOException {
        if (!Files.isDirectory(sweep)) {
            throw BadInputException.file(sweep, "no such sweep folder (expected a folder written by hyperdas-run"
                    + " sweep, holding layer-L run folders)");
        }
        Map<Integer, Scores> byLayer = new TreeMap<>();
        try (Stream<Path> entries = Files.list(sweep)) {
            for (Path p : entries.filter(Files::isDirectory).toList()) {
                String name = p.getFileName().toString();
                if (!name.matches("layer-\\d+")) {
                    continue;
                }
                Path run = Files.isRegularFile(p.resolve(RunFolder.SCORES)) ? p : p.resolve(HYPERDAS_ROW);
                byLayer.put(Integer.parseInt(name.substring(6)), RunFolder.read(run).scores());
            }
        }
        if (byLayer.isEmpty()) {
            throw BadInputException.file(sweep, "holds no layer-L run folders (expected a folder written by"
                    + " hyperdas-run sweep)");
        }
        return byLayer;
    }

    /** The method label of a sweep's scores (its runs' method, e.g. mdas or hyperdas-soft). */
    public static String label(Map<Integer, Scores> byLayer) {
        return byLayer.values().iterator().next().method();
    }

    /** Reads the {@code compare} sweep folders and adds them after {@code run}, by method label. */
    public static Map<String, Map<Integer, Scores>> combine(Map<String, Map<Integer, Scores>> run, List<Path> compare)
            throws IOException {
        Map<String, Map<Integer, Scores>> all = new LinkedHashMap<>(run);
        for (Path p : compare == null ? new ArrayList<Path>() : compare) {
            Map<Integer, Scores> s = read(p);
            all.putIfAbsent(label(s), s);
        }
        return all;
    }
}
