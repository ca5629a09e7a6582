package org.hyperdas.trainer.hyperdas;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scorer;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.trainer.Experiment;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.RunControl;

/**
 * The reference's training scope: one hypernetwork (and one shared R) per entity type, trained on
 * that type's attributes only, one type after the other.
 *
 * <p>Layout of the run folder {@code DIR}: each type is a complete HyperDAS run of its own in
 * {@code DIR/types/TYPE} (its mode folders with parameters, its checkpoint), so
 * {@code export --run DIR/types/TYPE}, {@code serve} and {@code train --resume} work per type as
 * for a joint run. The mode folders {@code DIR/hyperdas-soft}, ... hold every type's predictions
 * merged and the scores over them, for the one leaderboard; their parameters file holds no
 * tensors, only the metadata {@value #PER_TYPE_RUNS} naming the per-type folders.
 */
public final class PerTypeRuns {
    /** The folder under the run folder that holds one run per entity type. */
    public static final String TYPES = "types";
    /** config.json key (and parameters metadata key) of a merged mode folder: type -> its run folder. */
    public static final String PER_TYPE_RUNS = "per_type_runs";
    /** config.json key naming the training scope. */
    public static final String SCOPE = "scope";

    private PerTypeRuns() {
    }

    /**
     * Trains and scores {@code method} once per entity type of the training pairs into
     * {@code out/types/TYPE}, then writes the merged mode folders {@code out/LABEL} and returns
     * their runs.
     *
     * @param control the run control of a per-type run folder
     */
    public static List<Experiment.Run> run(Experiment experiment, InterventionMethod method, MethodOptions options,
            Function<Path, RunControl> control, Path out, PrintStream log) throws Exception {
        List<String> types = List.copyOf(experiment.train().targets().keySet());
        if (types.isEmpty()) {
            throw new BadInputException("--scope per-type: no training pairs");
        }
        Map<String, Map<String, Experiment.Run>> byLabel = new LinkedHashMap<>();
        for (String type : types) {
            Path folder = out.resolve(TYPES).resolve(type);
            log.printf("%s: entity type %s (%d of %d), its own hypernetwork, run folder %s%n", method.name(), type,
                    types.indexOf(type) + 1, types.size(), folder);
            for (Experiment.Run r : experiment.forEntityType(type).runAll(method, options, control.apply(folder),
                    folder, log)) {
                byLabel.computeIfAbsent(r.scores().method(), l -> new LinkedHashMap<>()).put(type, r);
            }
        }
        List<Experiment.Run> merged = new ArrayList<>();
        for (Map.Entry<String, Map<String, Experiment.Run>> e : byLabel.entrySet()) {
            merged.add(merge(e.getKey(), e.getValue(), experiment, out.resolve(e.getKey())));
        }
        return merged;
    }

    /** The first type's figures, so the leaderboard's links from the merged folder lead somewhere. */
    private static void copyFigures(Path from, Path to) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(from)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".png")).toList()) {
                java.nio.file.Files.copy(f, to.resolve(f.getFileName()),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Writes one mode's merged folder: every type's outcomes, scored together. */
    private static Experiment.Run merge(String label, Map<String, Experiment.Run> perType, Experiment experiment,
            Path folder) throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        Map<String, Object> runs = new LinkedHashMap<>();
        Map<String, Object> training = new LinkedHashMap<>();
        Map<String, Long> pairs = new LinkedHashMap<>();
        SafetensorsWriter parameters = new SafetensorsWriter();
        parameters.metadata("method", label);
        for (Map.Entry<String, Experiment.Run> t : perType.entrySet()) {
            outcomes.addAll(t.getValue().outcomes());
            String rel = "../" + TYPES + "/" + t.getKey() + "/" + label;
            runs.put(t.getKey(), rel);
            training.put(t.getKey(), t.getValue().config().get("training"));
            if (t.getValue().config().get("pairs") instanceof Map<?, ?> counts) {
                counts.forEach((k, v) -> pairs.merge(k.toString(), ((Number) v).longValue(), Long::sum));
            }
            parameters.metadata(PER_TYPE_RUNS + "." + t.getKey(), rel);
        }
        Map<String, Object> config = new LinkedHashMap<>(perType.values().iterator().next().config());
        config.put(SCOPE, "per-type");
        config.put(PER_TYPE_RUNS, runs);
        config.put("entity_types", new ArrayList<>(experiment.eval().targets().keySet()));
        config.put("targets", experiment.train().targets());
        config.put("training", training);
        config.put("pairs", pairs);
        config.remove("parameters_file");
        Scores scores = Scorer.score(label, outcomes);
        RunFolder.write(folder, config, parameters, outcomes, scores);
        copyFigures(perType.values().iterator().next().folder(), folder);
        return new Experiment.Run(folder, scores, outcomes, config);
    }
}
