package org.hyperdas.trainer.das;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.trainer.Experiment;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOptions;

/**
 * A layer sweep: trains and scores one method at each layer of a range, on pairs loaded and
 * filtered once, and writes
 * <pre>
 *   layer-{L}/                     the run folder of each layer
 *   sweep.csv                      layer, split, entity type, attribute, C, I, D (%), long format
 *   sweep.md                       the same as Markdown tables, plus Disentangle by layer and attribute
 *   disentangle-by-layer.png       Disentangle against layer, one line per attribute, one panel per split
 * </pre>
 * like the layer figures of the RAVEL and HyperDAS papers. The best layer is the one with the
 * highest Disentangle averaged over entity types and splits.
 */
public final class Sweep {
    public static final String CSV = "sweep.csv";
    public static final String MARKDOWN = "sweep.md";
    public static final String PLOT = "disentangle-by-layer.png";

    /** Scores per layer, in layer order. */
    public record Result(String method, Map<Integer, Scores> byLayer, int bestLayer) {
    }

    private Sweep() {
    }

    /** The folder of one layer's run. */
    public static String layerFolder(int layer) {
        return "layer-" + layer;
    }

    /**
     * Parses "0..3", "0,2,4" or "1": a range is inclusive at both ends.
     *
     * @throws BadInputException for anything else, or a layer outside [0, layers]
     */
    public static List<Integer> parseLayers(String text, int layers) {
        List<Integer> out = new ArrayList<>();
        try {
            for (String part : text.split(",")) {
                String p = part.trim();
                int dots = p.indexOf("..");
                if (dots >= 0) {
                    int from = Integer.parseInt(p.substring(0, dots).trim());
                    String end = p.substring(dots + 2).trim();
                    int to = end.isEmpty() || end.equalsIgnoreCase("n") ? layers : Integer.parseInt(end);
                    for (int l = from; l <= to; l++) {
                        out.add(l);
                    }
                } else {
                    out.add(Integer.parseInt(p));
                }
            }
        } catch (NumberFormatException e) {
            throw new BadInputException("--layers '" + text + "': expected a range such as 0..3 (0..n: every layer),"
                    + " or a list such as 0,2,4");
        }
        if (out.isEmpty()) {
            throw new BadInputException("--layers '" + text + "': no layer");
        }
        for (int l : out) {
            if (l < 0 || l > layers) {
                throw new BadInputException("--layers '" + text + "': layer " + l + " is outside 0.." + layers
                        + " (the model has " + layers + " blocks)");
            }
        }
        return List.copyOf(new LinkedHashSet<>(out));
    }

    /** How one layer's run is made: the options at that layer and its folder in, the run (scored) out. */
    @FunctionalInterface
    public interface LayerRun {
        Experiment.Run run(MethodOptions options, Path folder) throws Exception;
    }

    /** Runs the sweep and writes its files into {@code out}. */
    public static Result run(Experiment experiment, InterventionMethod method, List<Integer> layers,
            MethodOptions options, Path out, PrintStream log) throws Exception {
        return run(method, layers, options, out, log, (o, f) -> experiment.run(method, o, f, log));
    }

    /**
     * Runs the sweep with {@code runner} making each layer's run (e.g. HyperDAS per entity type,
     * whose first run, hyperdas-soft, is the layer's row) and writes its files into {@code out}.
     */
    public static Result run(InterventionMethod method, List<Integer> layers, MethodOptions options, Path out,
            PrintStream log, LayerRun runner) throws Exception {
        Files.createDirectories(out);
        Map<Integer, Scores> byLayer = new LinkedHashMap<>();
        for (int layer : layers) {
            log.printf("sweep %s: layer %d (%d of %d)%n", method.name(), layer, byLayer.size() + 1, layers.size());
            Experiment.Run run = runner.run(options.withLayer(layer), out.resolve(layerFolder(layer)));
            byLayer.put(layer, run.scores());
            // Rewrite the tables after every layer, so a long sweep can be watched (and survives a stop).
            writeTables(method.name(), byLayer, out);
        }
        int best = bestLayer(byLayer);
        SweepPlot.write(method.name(), byLayer, out.resolve(PLOT));
        log.printf("sweep %s: best layer by mean Disentangle: %d%n", method.name(), best);
        return new Result(method.name(), byLayer, best);
    }

    /** The layer with the highest Disentangle averaged over the scored splits. */
    public static int bestLayer(Map<Integer, Scores> byLayer) {
        int best = -1;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (Map.Entry<Integer, Scores> e : byLayer.entrySet()) {
            double v = meanDisentangle(e.getValue());
            if (v > bestValue) {
                bestValue = v;
                best = e.getKey();
            }
        }
        return best;
    }

    /** Disentangle (0..1) averaged over the scored splits. */
    public static double meanDisentangle(Scores s) {
        double sum = 0;
        int n = 0;
        for (Scores.SplitScores split : s.splits()) {
            if (!Double.isNaN(split.overall().disentangle())) {
                sum += split.overall().disentangle();
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    static void writeTables(String method, Map<Integer, Scores> byLayer, Path out) throws IOException {
        AtomicFiles.writeString(out.resolve(CSV), csv(byLayer));
        AtomicFiles.writeString(out.resolve(MARKDOWN), markdown(method, byLayer));
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.1f", v * 100);
    }

    /** Long format: one line per (layer, split, entity type, attribute), plus type means and the overall mean. */
    public static String csv(Map<Integer, Scores> byLayer) {
        StringBuilder sb = new StringBuilder("layer,split,entity_type,attribute,cause,isolate,disentangle\n");
        byLayer.forEach((layer, scores) -> {
            for (Scores.SplitScores s : scores.splits()) {
                for (Scores.TypeScores t : s.entityTypes()) {
                    for (Scores.AttributeScores a : t.attributes()) {
                        line(sb, layer, s.split(), t.entityType(), a.attribute(), a.cid());
                    }
                    line(sb, layer, s.split(), t.entityType(), "(mean)", t.cid());
                }
                line(sb, layer, s.split(), "(mean)", "(mean)", s.overall());
            }
        });
        return sb.toString();
    }

    private static void line(StringBuilder sb, int layer, String split, String type, String attribute, Scores.Cid c) {
        sb.append(layer).append(',').append(split).append(',').append(type).append(',').append(attribute).append(',')
                .append(pct(c.cause())).append(',').append(pct(c.isolate())).append(',').append(pct(c.disentangle()))
                .append('\n');
    }

    public static String markdown(String method, Map<Integer, Scores> byLayer) {
        StringBuilder sb = new StringBuilder("# Layer sweep: ").append(method).append("\n\n")
                .append("Cause / Isolate / Disentangle (%) per layer and target attribute; layer L = the residual"
                        + " stream entering block L (0 = embedding output), last entity token.\n");
        Set<String> splits = new LinkedHashSet<>();
        byLayer.values().forEach(s -> s.splits().forEach(x -> splits.add(x.split())));
        for (String split : splits) {
            // Disentangle by layer (columns: attributes, then the mean)
            List<String> columns = new ArrayList<>();
            byLayer.values().forEach(s -> s.split(split).ifPresent(x -> x.entityTypes().forEach(t -> t.attributes()
                    .forEach(a -> {
                        String c = t.entityType() + "/" + a.attribute();
                        if (!columns.contains(c)) {
                            columns.add(c);
                        }
                    }))));
            sb.append("\n## ").append(split).append(": Disentangle by layer\n\n| Layer | ")
                    .append(String.join(" | ", columns)).append(" | Mean |\n|---:|")
                    .append("---:|".repeat(columns.size() + 1)).append('\n');
            byLayer.forEach((layer, scores) -> scores.split(split).ifPresent(s -> {
                sb.append("| ").append(layer);
                for (String c : columns) {
                    String[] ta = c.split("/", 2);
                    double d = s.entityType(ta[0]).flatMap(t -> t.attribute(ta[1]))
                            .map(a -> a.cid().disentangle()).orElse(Double.NaN);
                    sb.append(" | ").append(cell(d));
                }
                sb.append(" | ").append(cell(s.overall().disentangle())).append(" |\n");
            }));
            sb.append("\n## ").append(split).append(": Cause / Isolate / Disentangle\n\n")
                    .append("| Layer | Entity type | Attribute | C | I | D |\n|---:|:---|:---|---:|---:|---:|\n");
            byLayer.forEach((layer, scores) -> scores.split(split).ifPresent(s -> {
                for (Scores.TypeScores t : s.entityTypes()) {
                    for (Scores.AttributeScores a : t.attributes()) {
                        row(sb, layer, t.entityType(), a.attribute(), a.cid());
                    }
                    row(sb, layer, t.entityType(), "(mean)", t.cid());
                }
                row(sb, layer, "(all)", "(mean)", s.overall());
            }));
        }
        sb.append("\nBest layer by Disentangle (mean over entity types and splits): ").append(bestLayer(byLayer))
                .append('\n');
        return sb.toString();
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "–" : pct(v);
    }

    private static void row(StringBuilder sb, int layer, String type, String attribute, Scores.Cid c) {
        sb.append("| ").append(layer).append(" | ").append(type).append(" | ").append(attribute).append(" | ")
                .append(cell(c.cause())).append(" | ").append(cell(c.isolate())).append(" | ")
                .append(cell(c.disentangle())).append(" |\n");
    }
}
