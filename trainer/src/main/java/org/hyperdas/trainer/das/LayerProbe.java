package org.hyperdas.trainer.das;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.Scorer;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.trainer.Experiment;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.KnowledgeFilter;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.MethodOverrides;
import org.hyperdas.trainer.MethodRegistry;
import org.hyperdas.trainer.PairSet;
import org.hyperdas.trainer.TrainedIntervention;

/**
 * {@code --layer auto}: picks the intervention layer with a short MDAS training at each candidate
 * layer, scored on a sample of the validation splits (never the test splits), by Disentangle
 * averaged over entity types and splits ({@link Sweep#bestLayer}; a tie goes to the lower layer).
 *
 * <p>Why MDAS: it is the cheapest trained method that is scored like HyperDAS (cause and isolate
 * pairs, one subspace per attribute at the last entity token), so a layer where MDAS cannot
 * separate the attributes is one where HyperDAS's shared R cannot either; its sweep found the
 * knowledge model's layer (trainer/BASELINES.md) and its rankings of layers settle within a few
 * dozen steps. Candidates are 0 .. layers - 1: after the last block nothing reads the entity's
 * position any more, so the answer cannot change and Disentangle sits at its floor.
 */
public final class LayerProbe {
    /** The record of the probe in the run folder. */
    public static final String FILE = "layer-probe.json";
    /** MDAS steps per attribute at each candidate layer. */
    public static final int STEPS = 60;
    /** Validation pairs per (split, entity type, attribute, kind) scored at each layer. */
    public static final int PER_GROUP = 48;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What the probe found.
     *
     * @param disentangle mean Disentangle (0..1) per candidate layer, in layer order
     * @param layer the chosen layer
     * @param seconds wall time of the whole probe
     */
    public record Result(Map<Integer, Double> disentangle, int layer, int steps, int evalPairs, double seconds) {
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", "mdas");
            m.put("criterion", "Disentangle, mean over validation splits and entity types");
            m.put("steps_per_attribute", steps);
            m.put("validation_pairs", evalPairs);
            Map<String, Double> d = new LinkedHashMap<>();
            disentangle.forEach((l, v) -> d.put(Integer.toString(l), Math.round(v * 10000) / 10000.0));
            m.put("disentangle_by_layer", d);
            m.put("layer", layer);
            m.put("seconds", Math.round(seconds * 10) / 10.0);
            return m;
        }
    }

    private LayerProbe() {
    }

    /** The candidate layers of a target with {@code layers} blocks: 0 .. layers - 1 (0 alone for one block). */
    public static List<Integer> candidates(int layers) {
        List<Integer> out = new ArrayList<>();
        for (int l = 0; l < Math.max(1, layers); l++) {
            out.add(l);
        }
        return out;
    }

    /** Validation pairs: at most {@code perGroup} per (split, entity type, attribute, kind), in their order. */
    static List<Pair> sample(List<Pair> pairs, int perGroup) {
        Map<String, Integer> taken = new LinkedHashMap<>();
        List<Pair> out = new ArrayList<>();
        for (Pair p : pairs) {
            String key = p.split() + "/" + p.entityType() + "/" + p.attribute() + "/" + p.kind();
            if (taken.merge(key, 1, Integer::sum) <= perGroup) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Loads the validation splits of the experiment's source (knowledge-filtered like the run),
     * then trains and scores MDAS at each candidate layer.
     */
    public static Result run(Experiment experiment, long seed, PrintStream log) throws Exception {
        long t0 = System.nanoTime();
        Experiment.Setup setup = experiment.setup();
        PairSet val = setup.source().load(List.of(PairSplit.VAL_ENTITY, PairSplit.VAL_CONTEXT), log);
        if (setup.knowledgeFilter()) {
            val = KnowledgeFilter.apply(experiment.target(), val, setup.batchSize(), log).pairs().known();
        }
        List<Pair> eval = sample(val.pairs(), PER_GROUP);
        if (eval.isEmpty()) {
            throw new BadInputException("--layer auto: no validation pairs (val_entity, val_context) to probe the"
                    + " layers on; give --layer N");
        }
        InterventionMethod mdas = MethodRegistry.get("mdas");
        MethodOptions base = mdas.configure(experiment.target(), new MethodOverrides(null, null, STEPS, null, null,
                null, 4, seed, null, null, null, null, null)).options();
        Map<Integer, Double> byLayer = new LinkedHashMap<>();
        Map<Integer, Scores> scores = new LinkedHashMap<>();
        for (int layer : candidates(experiment.target().layers())) {
            try (TrainedIntervention t = mdas.fit(experiment.target(), experiment.train(), base.withLayer(layer),
                    new PrintStream(OutputStream.nullOutputStream()))) {
                List<Outcome> outcomes = t.evaluate(eval);
                Scores s = Scorer.score("mdas", outcomes);
                scores.put(layer, s);
                byLayer.put(layer, Sweep.meanDisentangle(s));
                log.printf("layer probe: layer %d: Disentangle %.1f%% (%.0f s so far)%n", layer,
                        100 * byLayer.get(layer), (System.nanoTime() - t0) / 1e9);
            }
        }
        int best = Sweep.bestLayer(scores);
        double seconds = (System.nanoTime() - t0) / 1e9;
        log.printf("layer probe: layer %d (MDAS %d steps per attribute at layers %s, %d validation pairs, %.0f s)%n",
                best, STEPS, byLayer.keySet(), eval.size(), seconds);
        return new Result(byLayer, best, STEPS, eval.size(), seconds);
    }

    /** Writes the probe's record into the run folder. */
    public static void write(Result r, Path folder) throws IOException {
        Files.createDirectories(folder);
        AtomicFiles.writeString(folder.resolve(FILE), JSON.writeValueAsString(r.asMap()) + "\n");
    }

    /** The layer a probe recorded in {@code folder}, or null when there is none (for --resume). */
    public static Integer recorded(Path folder) {
        Path f = folder.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return JSON.readTree(f.toFile()).path("layer").asInt();
        } catch (IOException e) {
            throw BadInputException.file(f, "not valid JSON: " + e.getMessage());
        }
    }
}
