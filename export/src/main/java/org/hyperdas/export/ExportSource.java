package org.hyperdas.export;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.runtime.BadInputException;

/**
 * A run to export.
 *
 * @param method the manifest's method (config.json's variant_of, else its method)
 * @param runs its run folders: one, or one per exported selection mode, in export order
 * @param parameters the trained parameters file
 */
public record ExportSource(String method, List<RunFolder.Run> runs, Path parameters) {
    public ExportSource {
        runs = List.copyOf(runs);
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("an export source needs at least one run folder");
        }
    }

    /** The first run folder, whose config.json describes the export. */
    public RunFolder.Run first() {
        return runs.get(0);
    }

    /** The first run folder's config.json. */
    public Path configFile() {
        return first().folder().resolve(RunFolder.CONFIG);
    }

    /**
     * The run behind {@code run}: a run folder of {@code hyperdas-run train}, or a folder grouping
     * the runs of a method that trains one per mode ({@link MethodExporter#groupedRuns}).
     *
     * @throws BadInputException when {@code run} is neither, or the run's parameters file is missing
     */
    public static ExportSource read(Path run, MethodExporters exporters) {
        if (Files.isRegularFile(run.resolve(RunFolder.CONFIG))) {
            RunFolder.Run r = RunFolder.read(run);
            JsonNode variantOf = r.config().get("variant_of");
            String method = variantOf != null && variantOf.isTextual() ? variantOf.textValue() : r.method();
            return new ExportSource(method, List.of(r), parameters(r));
        }
        StringBuilder grouped = new StringBuilder();
        for (MethodExporter e : exporters.all()) {
            if (e.groupedRuns().isEmpty()) {
                continue;
            }
            List<RunFolder.Run> runs = new ArrayList<>();
            for (String label : e.groupedRuns()) {
                if (Files.isDirectory(run.resolve(label))) {
                    runs.add(RunFolder.read(run.resolve(label)));
                }
            }
            if (!runs.isEmpty()) {
                return new ExportSource(e.method(), runs, parameters(runs.get(0)));
            }
            grouped.append(", or a ").append(e.method()).append(" run folder holding ")
                    .append(String.join("/, ", e.groupedRuns())).append('/');
        }
        throw BadInputException.file(run, "not a run folder: expected " + String.join(", ", RunFolder.FILES)
                + " (written by hyperdas-run train)" + grouped);
    }

    /** The run's parameters file: config.json's parameters_file (relative to the run), else its own. */
    private static Path parameters(RunFolder.Run r) {
        JsonNode p = r.config().get("parameters_file");
        Path file = p != null && p.isTextual() ? r.folder().resolve(p.textValue()).normalize()
                : r.folder().resolve(RunFolder.PARAMETERS);
        if (!Files.isRegularFile(file)) {
            throw BadInputException.file(file, "missing: the run's trained parameters (named by "
                    + r.folder().resolve(RunFolder.CONFIG) + ")");
        }
        return file;
    }
}
