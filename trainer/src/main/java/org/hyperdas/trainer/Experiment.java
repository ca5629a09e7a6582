package org.hyperdas.trainer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.RunProtocol;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scorer;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;

/**
 * One target model and its pairs, loaded and filtered once, on which methods are trained and
 * scored: {@code hyperdas-run train} runs one method, {@code sweep} one method per layer.
 *
 * <p>Pairs: the train split and the evaluation splits from a {@link PairSource}; with the
 * knowledge filter on (the RAVEL protocol), only pairs the model answers correctly without
 * intervention are used for training and scoring.
 */
public final class Experiment {
    /**
     * @param source where the pairs come from
     * @param evalSplits the splits to score (scored separately), e.g. test_entity and test_context
     * @param knowledgeFilter keep only pairs the model knows
     * @param batchSize batch size of the knowledge check
     */
    public record Setup(PairSource source, List<PairSplit> evalSplits, boolean knowledgeFilter, int batchSize) {
        public Setup {
            evalSplits = List.copyOf(evalSplits);
            if (evalSplits.isEmpty() || evalSplits.contains(PairSplit.TRAIN)) {
                throw new BadInputException("evaluation splits must be non-empty and must not include train: "
                        + evalSplits);
            }
        }
    }

    /** What one method's run produced. */
    public record Run(Path folder, Scores scores, List<Outcome> outcomes, Map<String, Object> config) {
    }

    private final TargetModel target;
    private final Setup setup;
    private final PairSet train;
    private final PairSet eval;
    private final KnowledgeFilter.Report report;

    private Experiment(TargetModel target, Setup setup, PairSet train, PairSet eval, KnowledgeFilter.Report report) {
        this.target = target;
        this.setup = setup;
        this.train = train;
        this.eval = eval;
        this.report = report;
    }

    /** Loads the pairs and (when asked) runs the knowledge filter. */
    public static Experiment prepare(TargetModel target, Setup setup, PrintStream log) throws Exception {
        List<PairSplit> splits = new ArrayList<>(List.of(PairSplit.TRAIN));
        splits.addAll(setup.evalSplits());
        PairSet all = setup.source().load(splits, log);
        log.printf("pairs: %d (%s; splits %s; %s)%n", all.size(), setup.source().describe(),
                splits.stream().map(PairSplit::label).toList(), all.targets());
        KnowledgeFilter.Report report = null;
        if (setup.knowledgeFilter()) {
            KnowledgeFilter.Result r = KnowledgeFilter.apply(target, all, setup.batchSize(), log);
            all = r.pairs().known();
            report = r.report();
            if (all.split(PairSplit.TRAIN.label()).isEmpty()) {
                throw new BadInputException(target.folder() + ": the model answers none of the "
                        + r.report().total() + " pairs' verify prompts correctly, so there is nothing to train on"
                        + " (is it the knowledge model? --no-knowledge-filter scores every pair anyway)");
            }
        }
        // Pair files carry the mix `data prepare` drew them with; only pairs built here have ours.
        String mix = setup.source().dataDir() != null ? "the pair files'" : setup.source().pairOptions().mix() + "";
        log.printf("pairs used: %s; %s mix, scored on %s, masks: %s%n", all.causeShares(), mix,
                target.labelTokens().phrase(), target.visibility().describe());
        PairSet train = new PairSet(all.split(PairSplit.TRAIN.label()));
        List<Pair> evalPairs = new ArrayList<>();
        for (PairSplit s : setup.evalSplits()) {
            evalPairs.addAll(all.split(s.label()));
        }
        return new Experiment(target, setup, train, new PairSet(evalPairs), report);
    }

    public TargetModel target() {
        return target;
    }

    /**
     * The same prepared pairs (and knowledge-filter report) over another opening of the same
     * target model, e.g. one with its own ONNX Runtime threads, so two methods can run at once.
     */
    public Experiment withTarget(TargetModel other) {
        if (!other.folder().toAbsolutePath().normalize().equals(target.folder().toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("withTarget: " + other.folder() + " is not " + target.folder());
        }
        return new Experiment(other, setup, train, eval, report);
    }

    /**
     * The same experiment restricted to one entity type: its training and evaluation pairs only
     * (the knowledge-filter report stays the whole run's).
     */
    public Experiment forEntityType(String entityType) {
        return new Experiment(target, setup, new PairSet(train.pairs().stream()
                .filter(p -> p.entityType().equals(entityType)).toList()), new PairSet(eval.pairs().stream()
                .filter(p -> p.entityType().equals(entityType)).toList()), report);
    }

    public Setup setup() {
        return setup;
    }

    public PairSet train() {
        return train;
    }

    public PairSet eval() {
        return eval;
    }

    /** Fits {@code method}, scores every evaluation split and writes the run folder {@code out}. */
    public Run run(InterventionMethod method, MethodOptions options, Path out, PrintStream log) throws Exception {
        return runAll(method, options, RunControl.none(), out, log).get(0);
    }

    /** {@link #runAll(InterventionMethod, MethodOptions, RunControl, Path, PrintStream)} without checkpoints. */
    public List<Run> runAll(InterventionMethod method, MethodOptions options, Path out, PrintStream log)
            throws Exception {
        return runAll(method, options, RunControl.none(), out, log);
    }

    /**
     * Fits {@code method} and scores every evaluation split. A method with evaluation variants
     * ({@link TrainedIntervention#variants()}) writes one complete run folder per variant,
     * {@code out/<variant>}, labelled with the variant; the first variant's folder holds the
     * parameters and the others' parameters.safetensors points to it in its metadata. Any other
     * method writes the run folder {@code out}.
     *
     * @param control checkpoints (in the control's folder), resume and progress of the training
     */
    public List<Run> runAll(InterventionMethod method, MethodOptions options, RunControl control, Path out,
            PrintStream log) throws Exception {
        if (options.layer() > target.layers()) {
            throw new BadInputException("--layer " + options.layer() + ": the model has " + target.layers()
                    + " blocks, so layers run from 0 (embedding output) to " + target.layers());
        }
        long t0 = System.nanoTime();
        if (method.learns()) {
            log.printf("%s: layer %d, k %d, %d training pairs%n", method.name(), options.layer(), options.k(),
                    train.size());
        } else {
            log.printf("%s: layer %d (nothing to train)%n", method.name(), options.layer());
        }
        List<Run> runs = new ArrayList<>();
        try (TrainedIntervention trained = method.fit(target, train, options, control, log)) {
            long t1 = System.nanoTime();
            List<String> variants = trained.variants().isEmpty() ? java.util.Collections.singletonList(null)
                    : trained.variants();
            String first = variants.get(0);
            for (String variant : variants) {
                long tv = System.nanoTime();
                String label = variant == null ? method.name() : variant;
                List<Outcome> outcomes = new ArrayList<>();
                for (PairSplit s : setup.evalSplits()) {
                    List<Pair> pairs = eval.split(s.label());
                    List<Outcome> o = variant == null ? trained.evaluate(pairs) : trained.evaluate(variant, pairs);
                    outcomes.addAll(o);
                    log.printf("%s: scored %d %s pairs%n", label, o.size(), s.label());
                }
                SafetensorsWriter parameters = new SafetensorsWriter();
                if (variant == null || variant.equals(first)) {
                    trained.saveParameters(parameters);
                } else {
                    parameters.metadata("method", method.name());
                    parameters.metadata("parameters", "../" + first + "/" + RunFolder.PARAMETERS);
                }
                Map<String, Object> details = trained.details();
                details.put("train_seconds", round((t1 - t0) / 1e9));
                details.put("eval_seconds", round((System.nanoTime() - tv) / 1e9));
                Scores scores = Scorer.score(label, outcomes);
                Map<String, Object> config = config(method, options, details);
                Path folder = out;
                if (variant != null) {
                    config.put("method", label);
                    config.put("variant_of", method.name());
                    folder = out.resolve(variant);
                    if (!variant.equals(first)) {
                        config.put("parameters_file", "../" + first + "/" + RunFolder.PARAMETERS);
                    }
                }
                RunFolder.write(folder, config, parameters, outcomes, scores);
                List<String> figures = trained.writeFigures(variant, eval.split(setup.evalSplits().get(0).label()),
                        folder);
                if (!figures.isEmpty()) {
                    log.printf("%s: figures %s%n", label, figures);
                }
                log.printf("%s: run folder %s%n", label, folder.toAbsolutePath().normalize());
                runs.add(new Run(folder, scores, outcomes, config));
            }
        }
        return runs;
    }

    private Map<String, Object> config(InterventionMethod method, MethodOptions o, Map<String, Object> details) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("method", method.name());
        c.put("description", method.description());
        c.put("model", target.folder().toAbsolutePath().normalize().toString());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", target.layers());
        m.put("hidden_size", target.hiddenSize());
        m.put("vocab_size", target.config().vocabSize());
        c.put("model_config", m);
        c.put("layer", o.layer());
        c.put("site", method.site());
        boolean learns = method.learns();
        c.put("k", learns ? o.k() : null);
        c.put("steps", learns ? o.steps() : null);
        c.put("batch_size", learns ? o.batchSize() : null);
        c.put("eval_batch_size", o.evalBatchSize());
        c.put("lr", learns ? o.lr() : null);
        c.put("warmup_steps", learns ? o.warmupSteps() : null);
        c.put("optimizer", learns ? method.optimizer() : null);
        c.put("seed", o.seed());
        c.put("data", setup.source().describe());
        c.put("pair_mix", setup.source().pairOptions().mix().label());
        new RunProtocol(target.labelTokens(), target.visibility()).putInto(c);
        c.put("entity_types", new ArrayList<>(eval.targets().keySet()));
        c.put("targets", train.targets());
        c.put("eval_splits", setup.evalSplits().stream().map(PairSplit::label).toList());
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("train_cause", train.pairs().stream().filter(p -> p.kind() == PairKind.CAUSE).count());
        counts.put("train_isolate", train.pairs().stream().filter(p -> p.kind() == PairKind.ISOLATE).count());
        for (PairSplit s : setup.evalSplits()) {
            counts.put(s.label(), eval.split(s.label()).size());
        }
        c.put("pairs", counts);
        Map<String, Object> filter = new LinkedHashMap<>();
        filter.put("enabled", setup.knowledgeFilter());
        if (report != null) {
            filter.put("kept", report.kept());
            filter.put("total", report.total());
            filter.put("by_group", report.asMap());
        }
        c.put("knowledge_filter", filter);
        c.put("training", details);
        c.put("onnxruntime", OrtEngine.environment().getVersion());
        c.put("device", target.engine().device().toString());
        c.put("intra_op_threads", target.engine().intraOpThreads());
        return c;
    }

    private static double round(double seconds) {
        return Math.round(seconds * 10) / 10.0;
    }
}
