package org.hyperdas.cli;

import static org.hyperdas.trainer.TargetDefaults.LARGE_FROM;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hyperdas.evaluation.leaderboard.Leaderboard;
import org.hyperdas.evaluation.leaderboard.LeaderboardWriter;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.ScoreTable;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.trainer.Experiment;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOverrides;
import org.hyperdas.trainer.MethodRegistry;
import org.hyperdas.trainer.RunControl;
import org.hyperdas.trainer.TargetDefaults;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.das.DasTrainer;
import org.hyperdas.graphs.hyperdas.Ablations;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.trainer.das.LayerProbe;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.hyperdas.trainer.hyperdas.PerTypeRuns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run train}: train one intervention method, score it on RAVEL, write a run folder. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an intervention method on RAVEL pairs and score it (Cause / Isolate / Disentangle"
                + " on the entity and context test splits). Writes a run folder: config.json,"
                + " parameters.safetensors, predictions.arrow, scores.json; prints the scores.",
            "Methods: hyperdas (the default: one hypernetwork per entity type over its attributes; scored with soft, one-to-many,"
                + " one-to-one, global-argmax and groundtruth selection, written as run folders DIR/hyperdas-soft,"
                + " DIR/hyperdas-one-to-many, DIR/hyperdas-one-to-one, DIR/hyperdas-global-argmax,"
                + " DIR/hyperdas-groundtruth, with the checkpoint DIR/checkpoint.safetensors, beside the --baselines"
                + " (default mdas) in DIR/METHOD, and one leaderboard DIR/leaderboard.md|csv|html), patching (full-vector"
                + " interchange, no training), das (one subspace per attribute, cause pairs), mdas (one subspace per"
                + " attribute, cause and isolate pairs)."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--method", defaultValue = HyperDasMethod.NAME, paramLabel = "METHOD",
            completionCandidates = MethodNames.class,
            description = "One of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--hypernet-layers", paramLabel = "N",
            description = "hyperdas: decoder layers of the target copied into the hypernetwork. Default: min(2, layers).")
    Integer hypernetLayers;

    /** The help of {@code --hypernet-embedding} (train, plan, bench hyperdas-step). */
    static final String EMBEDDING_HELP = "hyperdas: trainable (the default, the reference's: the hypernetwork trains"
            + " its own copy of the target's embedding) or frozen (the hypernetwork embeds the instruction with the"
            + " target's embedding matrix, which is not trained: saves the embedding's parameters, AdamW state,"
            + " gradient and temporaries; for large targets).";

    @Option(names = HypernetEmbedding.OPTION, paramLabel = "trainable|frozen", description = EMBEDDING_HELP)
    String hypernetEmbedding;

    @Option(names = "--epochs", paramLabel = "N",
            description = "hyperdas: passes over the training pairs. Default: " + TargetDefaults.HYPERDAS_EPOCHS_SMALL
                    + " on small targets (a type with few pairs takes more, up to 3 x, to reach "
                    + TargetDefaults.HYPERDAS_MIN_STEPS_SMALL + " steps), " + TargetDefaults.HYPERDAS_EPOCHS_LARGE + " (the paper's)" + LARGE_FROM
                    + ". Given, it is exact.")
    Integer epochs;

    @Option(names = "--rotation-lr", paramLabel = "LR",
            description = "hyperdas: learning rate of the shared subspace R. Default: " + TargetDefaults.ROTATION_LR_SMALL
                    + " on small targets, " + TargetDefaults.ROTATION_LR_LARGE + " (the paper's)" + LARGE_FROM + ".")
    Double rotationLr;

    @Option(names = "--sparsity", split = ",", paramLabel = "W,S,E",
            description = "hyperdas: sparsity-penalty ramp: warm-up fraction at weight 0, then linear from S to E."
                    + " Default: " + TargetDefaults.SPARSITY_WARMUP_SMALL + "," + TargetDefaults.SPARSITY_START + ","
                    + TargetDefaults.SPARSITY_END + " on small targets, " + TargetDefaults.SPARSITY_WARMUP_LARGE + ","
                    + TargetDefaults.SPARSITY_START + "," + TargetDefaults.SPARSITY_END + " (the paper's)" + LARGE_FROM
                    + ".")
    List<Double> sparsity;

    @Option(names = "--loss-weights", split = ",", paramLabel = "C,I",
            description = "hyperdas: loss weights of cause and isolate examples. Default: " + TargetDefaults.CAUSE_WEIGHT
                    + "," + TargetDefaults.ISOLATE_WEIGHT_SMALL + " on small targets, " + TargetDefaults.CAUSE_WEIGHT + ","
                    + TargetDefaults.ISOLATE_WEIGHT_LARGE + " (the paper's)" + LARGE_FROM + ".")
    List<Double> lossWeights;

    @Option(names = "--ablate", split = ",", paramLabel = "SWITCH",
            description = "hyperdas: train an ablated model, each switch removing what it names: some of"
                    + " no-source-cross, no-base-cross (the hypernetwork's cross-attention to the source or base"
                    + " states), scratch-init (hypernetwork layers from random init, not copies of the target's),"
                    + " random-order (pair features [base ; source] or [source ; base] by a coin per step).")
    List<String> ablate;

    @Option(names = "--subspace", paramLabel = "VARIANT",
            description = "hyperdas: householder (default: the shared R reflected per example), plain (the shared R"
                    + " alone, a DAS subspace) or mask (the shared R with a learned per-example sigmoid mask over"
                    + " its columns, temperature " + Ablations.TEMPERATURE_START + " -> " + Ablations.TEMPERATURE_END
                    + ").")
    String subspace;

    @Option(names = "--resume",
            description = "Continue from the checkpoints in the run folder when they exist (hyperdas:"
                    + " DIR/checkpoint.safetensors; das, mdas: DIR/checkpoints/TYPE.ATTRIBUTE.safetensors).")
    boolean resume;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "" + RunControl.DEFAULT_CHECKPOINT_EVERY,
            description = "Steps between checkpoints (0: only at the end; default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "0",
            description = "Stop each method's training after N optimizer steps, then score (the learning-rate schedule"
                    + " still spans the whole run, so --resume without it continues; 0: every step, the default).")
    long maxSteps;

    @Option(names = "--progress-every", paramLabel = "N",
            description = "Steps between progress lines on stderr (default: " + HyperDasMethod.PROGRESS_EVERY
                    + " for hyperdas, " + DasTrainer.PROGRESS_EVERY + " for das and mdas).")
    Integer progressEvery;

    @Option(names = "--steps-per-call", paramLabel = "K", defaultValue = "1",
            description = "hyperdas: optimizer steps per ONNX Runtime call, K batches stacked into one Loop"
                    + " (state crosses to the device once per K steps; das and mdas take one step per call;"
                    + " default: ${DEFAULT-VALUE}).")
    int stepsPerCall;

    @Option(names = "--layer", paramLabel = "L|auto",
            description = "Intervention site: the residual stream entering block L (0 = embedding output), exactly"
                    + " as given; 'auto': a short MDAS probe (" + LayerProbe.STEPS + " steps per attribute) at each"
                    + " layer 0..layers-1, scored on the validation splits, picks the layer with the best Disentangle"
                    + " (recorded in DIR/" + LayerProbe.FILE + "). Default: hyperdas: auto on small targets,"
                    + " floor(layers * 15 / 32) (the reference's 15 of 32)" + LARGE_FROM + "; das, mdas, patching: "
                    + TargetDefaults.LAYER + " on small targets (trainer/BASELINES.md), the same rule" + LARGE_FROM + ".")
    String layer;

    @Option(names = "--scope", paramLabel = "SCOPE", defaultValue = "per-type",
            description = "hyperdas: per-type (the reference's: one hypernetwork and one R per entity type, over its"
                    + " attributes, each a complete run in DIR/types/TYPE, the mode folders DIR/hyperdas-* holding every"
                    + " type's predictions merged) or joint (one hypernetwork for every type). Default: ${DEFAULT-VALUE}.")
    String scope;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Run folder to write (default: runs/METHOD in the current folder).")
    Path out;

    @Option(names = "--baselines", split = ",", paramLabel = "METHOD",
            description = "hyperdas: baseline methods trained and scored beside it at the same layer and k, each in"
                    + " DIR/METHOD, all on one leaderboard (DIR/leaderboard.md, .csv, .html). Default: mdas;"
                    + " 'none' for HyperDAS alone.")
    List<String> baselines;

    @Option(names = "--splits", split = ",", paramLabel = "SPLIT", defaultValue = "test_entity,test_context",
            description = "Splits to score, each separately (default: ${DEFAULT-VALUE}).")
    List<String> splits;

    @Option(names = "--seeds", split = ",", paramLabel = "S,...",
            description = "Train everything once per seed, into DIR/seed-S (each run as --seed S would run it), then"
                    + " write one leaderboard with 95%% intervals over the seeds and the paired difference of each"
                    + " method to mdas (DIR/leaderboard.md, .csv). Replaces --seed.")
    List<Long> seeds;

    @Mixin
    OutputOptions output;

    @Mixin
    TargetOptions target;

    @Option(names = "--no-pretrain",
            description = "Without --model, fail instead of training the knowledge model when none is cached.")
    boolean noPretrain;

    @Mixin
    DataOptions data;

    @Mixin
    ProtocolOptions protocol;

    @Mixin
    MethodFlags flags;

    @Spec
    CommandSpec spec;

    /** The registered method names, for help and completion. */
    static final class MethodNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return MethodRegistry.names().iterator();
        }
    }

    /**
     * Runs {@code method} here and the baselines, one after the other, on a second thread over a
     * second opening of the model with {@code cores / 2} ONNX Runtime threads. The baselines' log
     * is held back and printed when they are done, so it does not break the progress bar.
     */
    private List<Experiment.Run> runBesideBaselines(Experiment experiment, Path folder,
            InterventionMethod.Configured main, List<String> baselineNames, MethodOverrides baselineOverrides,
            int cores, boolean perType) throws Exception {
        OrtEngine baselineEngine = target.engine().withIntraOpThreads(Math.max(1, cores / 2));
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        PrintStream baselineLog = new PrintStream(held, true, StandardCharsets.UTF_8);
        System.err.printf("%s: training beside %s (%d + %d ONNX Runtime threads); its log follows when done%n",
                String.join(", ", baselineNames), main.method().name(), cores - cores / 2, Math.max(1, cores / 2));
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "baselines");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<List<Experiment.Run>> baselines = pool.submit(() -> {
                try (TargetModel second = TargetModel.open(folder, baselineEngine, protocol.visibility(),
                        protocol.labelTokens())) {
                    return runBaselines(experiment.withTarget(second), baselineNames, baselineOverrides, baselineLog);
                }
            });
            List<Experiment.Run> runs = new ArrayList<>(runMain(experiment, main, perType, System.err));
            try {
                runs.addAll(baselines.get());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception x) {
                    throw x;
                }
                throw e;
            } finally {
                System.err.print(held.toString(StandardCharsets.UTF_8));
            }
            return runs;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The main method's runs: one per entity type merged ({@code --scope per-type}), or one joint run. */
    private List<Experiment.Run> runMain(Experiment experiment, InterventionMethod.Configured main, boolean perType,
            PrintStream log) throws Exception {
        if (perType) {
            return PerTypeRuns.run(experiment, main.method(), main.options(), this::control, out, log);
        }
        return experiment.runAll(main.method(), main.options(), control(out), out, log);
    }

    /** Checkpoints, resume and progress of a run whose folder is {@code folder}. */
    private RunControl control(Path folder) {
        if (maxSteps < 0) {
            throw new org.hyperdas.runtime.BadInputException("--max-steps " + maxSteps + ": expected 0 (every step) or more");
        }
        return new RunControl(folder, checkpointEvery, resume, progressEvery, maxSteps, stepsPerCall);
    }

    /** Trains and scores each baseline into {@code out/NAME}, one after the other. */
    private List<Experiment.Run> runBaselines(Experiment experiment, List<String> names, MethodOverrides overrides,
            PrintStream log) throws Exception {
        List<Experiment.Run> runs = new ArrayList<>();
        for (String b : names) {
            InterventionMethod.Configured c = MethodRegistry.get(b).configure(experiment.target(), overrides);
            runs.add(experiment.runAll(c.method(), c.options(), control(out.resolve(b)), out.resolve(b), log).get(0));
        }
        return runs;
    }

    /** Knowledge-model-sized targets (not large by {@link TargetDefaults#isLarge}) train beside their baselines. */
    static boolean smallTarget(Path folder) {
        try {
            return !TargetDefaults.isLarge(LlamaConfig.load(folder.resolve("config.json")));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The baselines to run beside {@code m}: its companions by default, {@code --baselines} if given. */
    List<String> baselineMethods(InterventionMethod m) {
        if (baselines == null) {
            return m.companions();
        }
        List<String> withCompanions = MethodRegistry.names().stream()
                .filter(n -> !MethodRegistry.get(n).companions().isEmpty()).toList();
        if (m.companions().isEmpty()) {
            throw new BadInputException("--baselines applies to --method " + String.join(", ", withCompanions)
                    + " only (got --method " + method + ")");
        }
        if (baselines.size() == 1 && baselines.get(0).equals("none")) {
            return List.of();
        }
        for (String b : baselines) {
            if (withCompanions.contains(b) || !MethodRegistry.names().contains(b)) {
                throw new BadInputException("--baselines: '" + b + "': expected 'none' or some of "
                        + MethodRegistry.names().stream().filter(n -> !withCompanions.contains(n)).toList());
            }
        }
        return List.copyOf(new java.util.LinkedHashSet<>(baselines));
    }

    /** Refuses an option that neither the method nor its baselines read. */
    static void checkOptionsApply(InterventionMethod m, List<String> baselineNames, MethodOverrides overrides) {
        java.util.Set<String> read = new java.util.HashSet<>(m.options());
        baselineNames.forEach(b -> read.addAll(MethodRegistry.get(b).options()));
        for (String option : overrides.given().keySet()) {
            if (!read.contains(option)) {
                throw new BadInputException(option + " does not apply to --method " + m.name()
                        + (baselineNames.isEmpty() ? "" : " or its baselines " + baselineNames) + m.optionsHint());
            }
        }
    }

    /** The --ablate and --subspace choice; refused for methods other than hyperdas. */
    private Ablations ablations(InterventionMethod m) {
        Ablations a = Ablations.parse(ablate, subspace);
        if (!a.isNone() && !(m instanceof HyperDasMethod)) {
            throw new BadInputException("--ablate and --subspace apply to --method " + HyperDasMethod.NAME
                    + " only (got --method " + method + ")");
        }
        return a;
    }

    /** The --hypernet-embedding choice, null when not given; refused for methods other than hyperdas. */
    private HypernetEmbedding hypernetEmbedding(InterventionMethod m) {
        if (hypernetEmbedding == null) {
            return null;
        }
        HypernetEmbedding e = HypernetEmbedding.parse(hypernetEmbedding);
        if (!(m instanceof HyperDasMethod)) {
            throw new BadInputException(HypernetEmbedding.OPTION + " applies to --method " + HyperDasMethod.NAME
                    + " only (got --method " + method + ")");
        }
        return e;
    }

    static List<PairSplit> parseSplits(List<String> names) {
        return names.stream().map(n -> {
            PairSplit s = PairSplit.parseOrNull(n);
            if (s == null || s == PairSplit.TRAIN) {
                throw new BadInputException("--splits: '" + n + "': expected test_entity, test_context, val_entity"
                        + " or val_context");
            }
            return s;
        }).toList();
    }

    @Override
    public Integer call() throws Exception {
        InterventionMethod m = MethodRegistry.get(method);
        if (out == null) {
            out = Path.of("runs", method);
        }
        if (seeds != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
                throw new BadInputException("--seed and --seeds: give one of them");
            }
            Path base = out;
            List<Long> all = seeds;
            seeds = null;
            return SeedRuns.run(all, base, s -> {
                flags.seed = s;
                out = base.resolve(SeedRuns.seedFolder(s));
            }, this::call, spec.commandLine().getOut());
        }
        List<PairSplit> evalSplits = parseSplits(splits);
        Ablations ablations = ablations(m);
        HypernetEmbedding embedding = hypernetEmbedding(m);
        protocol.labelTokens(); // refuses a bad --label-tokens before any model is loaded or trained
        data.mix(null, null, false);
        List<String> baselineNames = baselineMethods(m);
        boolean perType = AutoLayer.perTypeScope(scope, m, spec.commandLine().getParseResult().hasMatchedOption("--scope"));
        Integer fixedLayer = AutoLayer.parse(layer);
        MethodOverrides overrides = flags.overrides(fixedLayer, hypernetLayers, epochs, rotationLr, sparsity, lossWeights);
        checkOptionsApply(m, baselineNames, overrides);
        output.claim(out, OutputKind.TRAIN);
        Path folder = target.modelFolder(!noPretrain);
        OrtEngine engine = target.engine();
        // Small targets on a multi-core CPU: the baselines train beside the method, each job on its own
        // share of the cores (ONNX Runtime's threads gain little on models this small).
        int cores = Runtime.getRuntime().availableProcessors();
        boolean parallel = !baselineNames.isEmpty() && target.threads == null && cores >= 2
                && !engine.device().isCuda() && smallTarget(folder);
        if (parallel) {
            engine = engine.withIntraOpThreads(cores - cores / 2);
        }
        try (TargetModel model = TargetModel.open(folder, engine, protocol.visibility(), protocol.labelTokens())) {
            System.err.println(TargetDefaults.describe(model.config()));
            InterventionMethod.Configured main = m.configure(model, overrides);
            Experiment.Setup setup = new Experiment.Setup(data.source(flags.seed, folder, target.model != null),
                    evalSplits,
                    !data.noKnowledgeFilter, main.options().evalBatchSize());
            Experiment experiment = Experiment.prepare(model, setup, System.err);
            if (fixedLayer == null && AutoLayer.auto(layer, m, model.config())) {
                int chosen = AutoLayer.choose(experiment, flags.seed, resume, out);
                overrides = flags.overrides(chosen, hypernetLayers, epochs, rotationLr, sparsity, lossWeights);
                main = m.configure(model, overrides);
            }
            if (!ablations.isNone()) {
                main = new InterventionMethod.Configured(((HyperDasMethod) main.method()).withAblations(ablations),
                        main.options());
            }
            if (embedding != null) {
                main = new InterventionMethod.Configured(((HyperDasMethod) main.method())
                        .withHypernetEmbedding(embedding), main.options());
            }
            MethodOverrides companion = overrides.forCompanion(main.options());
            List<Experiment.Run> runs = new ArrayList<>();
            if (parallel) {
                runs.addAll(runBesideBaselines(experiment, folder, main, baselineNames, companion, cores, perType));
            } else {
                runs.addAll(runMain(experiment, main, perType, System.err));
                runs.addAll(runBaselines(experiment, baselineNames, companion, System.err));
            }
            printRuns(runs);
        }
        return 0;
    }

    /** Prints each run's scores and, for several runs, writes and prints one leaderboard of them all. */
    private void printRuns(List<Experiment.Run> runs) throws java.io.IOException {
        var stdout = spec.commandLine().getOut();
        for (int i = 0; i < runs.size(); i++) {
            stdout.print((i > 0 ? "\n" : "") + ScoreTable.markdown(runs.get(i).scores()));
        }
        if (runs.size() > 1) {
            Leaderboard board = Leaderboard.fromFolders(runs.stream().map(Experiment.Run::folder).toList());
            List<Path> files = LeaderboardWriter.write(board, out);
            stdout.print("\n" + LeaderboardWriter.markdown(board));
            System.err.println("leaderboard: " + files.stream().map(Path::toString).toList());
        }
        stdout.flush();
    }
}
