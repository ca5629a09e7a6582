package org.hyperdas.trainer.hyperdas;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.export.MethodExporter;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.hyperdas.Ablations;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.train.GroupedTrainStep;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.BatchFeeds;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.MethodOverrides;
import org.hyperdas.trainer.PairSet;
import org.hyperdas.trainer.RunControl;
import org.hyperdas.trainer.TargetDefaults;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.TrainLoop;
import org.hyperdas.trainer.plan.PlanReport;

/**
 * {@code hyperdas}: ONE hypernetwork trained over every target attribute of the run (cause and
 * isolate pairs mixed, loss weights 3.5 / 0.5), then scored in five selection modes, each
 * written as its own run ({@link #LABELS}): {@code hyperdas-soft}, {@code hyperdas-one-to-many},
 * {@code hyperdas-one-to-one}, {@code hyperdas-global-argmax} and {@code hyperdas-groundtruth}.
 *
 * <p>Training (HYPERDAS.md "Training"): one training model and one {@link TrainStep} for the whole
 * run, driven by {@link TrainLoop} with {@link HyperDasTask} (batches, cosine schedule, sparsity
 * weight, monitor); AdamW in two groups (hypernetwork, R), gradient-norm clip. Checkpoints:
 * {@value #CHECKPOINT} in the run folder of the {@link RunControl}, every
 * {@code checkpointEvery} steps and at the end; {@code resume} continues from it when it exists.
 *
 * <p>Options used: layer, k, batch size, eval batch size, lr (the hypernetwork's; R keeps its own),
 * seed; {@link Settings} holds the rest. MethodOptions.steps is not used: the step count is
 * epochs x ceil(train pairs / batch size).
 */
public final class HyperDasMethod implements InterventionMethod {
    public static final String NAME = "hyperdas";
    /** The baseline trained beside HyperDAS by default. */
    private static final String MDAS = "mdas";

    /** The run label of each selection mode, in the order they are scored. */
    public static final Map<SelectionMode, String> LABELS;

    static {
        Map<SelectionMode, String> m = new EnumMap<>(SelectionMode.class);
        m.put(SelectionMode.SOFT, "hyperdas-soft");
        m.put(SelectionMode.ONE_TO_MANY, "hyperdas-one-to-many");
        m.put(SelectionMode.ONE_TO_ONE, "hyperdas-one-to-one");
        m.put(SelectionMode.GLOBAL_ARGMAX, "hyperdas-global-argmax");
        m.put(SelectionMode.GROUNDTRUTH, "hyperdas-groundtruth");
        LABELS = java.util.Collections.unmodifiableMap(m);
    }

    /**
     * HyperDAS's settings beyond {@link MethodOptions}; null fields take the defaults for the target
     * ({@link org.hyperdas.trainer.TargetDefaults}).
     *
     * @param hypernetLayers N, decoder layers of the target copied into the hypernetwork
     * @param epochs passes over the training pairs
     * @param rotationLr learning rate of R
     * @param warmupSteps lr warm-up steps, or null for 10% of the steps
     * @param sparsity the sparsity ramp (warm-up fraction, start weight, end weight)
     * @param lossWeights the (cause, isolate) loss weights
     * @param hypernetEmbedding the hypernetwork's own trained embedding, or the target's frozen (null: trainable)
     */
    public record Settings(Integer hypernetLayers, Integer epochs, Double rotationLr, Integer warmupSteps,
            List<Double> sparsity, List<Double> lossWeights, HypernetEmbedding hypernetEmbedding) {
        public Settings {
            if ((epochs != null && epochs < 1) || (warmupSteps != null && warmupSteps < 0)
                    || (hypernetLayers != null && hypernetLayers < 1) || (rotationLr != null && !(rotationLr >= 0))) {
                throw new BadInputException("invalid HyperDAS settings: epochs " + epochs + ", hypernet layers "
                        + hypernetLayers + ", warm-up " + warmupSteps + ", rotation lr " + rotationLr);
            }
            if (sparsity != null && sparsity.size() != 3) {
                throw new BadInputException("--sparsity: expected 3 values WARMUP,START,END (e.g. 0.5,0.15,1.5), got "
                        + sparsity);
            }
            if (lossWeights != null && lossWeights.size() != 2) {
                throw new BadInputException("--loss-weights: expected 2 values CAUSE,ISOLATE (e.g. 3.5,0.5), got "
                        + lossWeights);
            }
            sparsity = sparsity == null ? null : List.copyOf(sparsity);
            lossWeights = lossWeights == null ? null : List.copyOf(lossWeights);
        }

        /** Every setting at its default for the target. */
        public static Settings defaults() {
            return new Settings(null, null, null, null, null, null, null);
        }
    }

    /** Steps between progress reports unless the run control says otherwise. */
    public static final int PROGRESS_EVERY = 20;

    /** The checkpoint file in the run folder. */
    public static final String CHECKPOINT = "checkpoint.safetensors";
    /** The saved-config, checkpoint and parameters metadata key of {@link HyperDasConfig#hypernetEmbedding}. */
    public static final String HYPERNET_EMBEDDING = "hypernet_embedding";

    private final Settings settings;
    private final Ablations ablations;

    public HyperDasMethod() {
        this(Settings.defaults());
    }

    public HyperDasMethod(Settings settings) {
        this(settings, Ablations.NONE);
    }

    /** With the paper's ablations ({@link Ablations#NONE}: the full model). */
    public HyperDasMethod(Settings settings, Ablations ablations) {
        this.settings = settings;
        this.ablations = ablations;
    }

    public Settings settings() {
        return settings;
    }

    public Ablations ablations() {
        return ablations;
    }

    /** This method with {@code a} as its ablations. */
    public HyperDasMethod withAblations(Ablations a) {
        return new HyperDasMethod(settings, a);
    }

    /** This method with the hypernetwork's embedding trained (the reference's) or the target's, frozen. */
    public HyperDasMethod withHypernetEmbedding(HypernetEmbedding e) {
        Settings s = settings;
        return new HyperDasMethod(new Settings(s.hypernetLayers(), s.epochs(), s.rotationLr(), s.warmupSteps(),
                s.sparsity(), s.lossWeights(), e), ablations);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "HyperDAS: one hypernetwork for every attribute picks token positions and builds the subspace;"
                + " scored with soft, one-to-many, one-to-one, global-argmax and ground-truth selection";
    }

    @Override
    public String site() {
        return "residual stream entering block `layer` (0 = embedding output), base positions BOS..last entity"
                + " token, source positions chosen by the selection head";
    }

    @Override
    public String optimizer() {
        return "AdamW in two groups (hypernetwork: lr --lr, weight decay 0.01; R: lr --rotation-lr, no decay),"
                + " grad-norm clip 4.0; small targets: linear warm-up then cosine decay, large ones: constant lr as in the"
                + " reference script (values in training.hyperdas)";
    }

    @Override
    public Configured configure(TargetModel target, MethodOverrides o) {
        HyperDasConfig d = TargetDefaults.hyperdas(target.config());
        HyperDasTraining t = TargetDefaults.hyperdasTraining(target.config());
        MethodOptions base = TargetDefaults.baseline(target.config(), o.seed());
        MethodOptions options = new MethodOptions(o.layer() != null ? o.layer() : base.layer(),
                o.k() != null ? o.k() : d.subspaceDim(), 0, o.batchSize() != null ? o.batchSize() : t.batchSize(),
                o.evalBatchSize() != null ? o.evalBatchSize() : base.evalBatchSize(),
                o.lr() != null ? o.lr() : d.hypernetLr(), o.warmupSteps() != null ? o.warmupSteps() : 0, o.seed());
        return new Configured(new HyperDasMethod(new Settings(o.hypernetLayers(), o.epochs(), o.rotationLr(),
                o.warmupSteps(), o.sparsity(), o.lossWeights(), settings.hypernetEmbedding()), ablations), options);
    }

    @Override
    public List<String> options() {
        return List.of(MethodOverrides.LAYER, MethodOverrides.K, MethodOverrides.BATCH_SIZE,
                MethodOverrides.EVAL_BATCH_SIZE, MethodOverrides.LR, MethodOverrides.WARMUP_STEPS,
                MethodOverrides.HYPERNET_LAYERS, MethodOverrides.EPOCHS, MethodOverrides.ROTATION_LR,
                MethodOverrides.SPARSITY, MethodOverrides.LOSS_WEIGHTS);
    }

    @Override
    public String optionsHint() {
        return " (hyperdas trains for --epochs passes over the training pairs; with --baselines, --steps sets the"
                + " baselines' steps)";
    }

    @Override
    public List<String> companions() {
        return List.of(MDAS);
    }

    /** The HyperDAS graph settings for {@code target} under these options and settings. */
    public HyperDasConfig config(TargetModel target, MethodOptions o) {
        HyperDasConfig d = TargetDefaults.hyperdas(target.config());
        try {
            HyperDasConfig c = d.withLayer(o.layer()).withSubspaceDim(o.k()).withSeed(o.seed())
                    .withLearningRates(o.lr(), settings.rotationLr() != null ? settings.rotationLr() : d.rotationLr())
                    .withAblations(ablations).withHypernetEmbedding(settings.hypernetEmbedding() != null
                            ? settings.hypernetEmbedding() : HypernetEmbedding.TRAINABLE);
            if (settings.hypernetLayers() != null) {
                c = c.withHypernetLayers(settings.hypernetLayers());
            }
            if (settings.lossWeights() != null) {
                c = c.withLossWeights(settings.lossWeights().get(0), settings.lossWeights().get(1));
            }
            return c.validate(target.config());
        } catch (GraphBuildException e) {
            throw new BadInputException(target.folder() + ": " + e.getMessage());
        }
    }

    /** The training-loop settings for {@code target} under these options and settings. */
    public HyperDasTraining training(TargetModel target, MethodOptions o) {
        HyperDasTraining d = TargetDefaults.hyperdasTraining(target.config());
        List<Double> sp = settings.sparsity() != null ? settings.sparsity()
                : List.of(d.sparsityWarmup(), d.sparsityStart(), d.sparsityEnd());
        boolean explicit = settings.epochs() != null; // taken as given: the step floor is the default's
        return new HyperDasTraining(explicit ? settings.epochs() : d.epochs(), o.batchSize(),
                settings.warmupSteps(), sp.get(0), sp.get(1), sp.get(2), d.reference(), explicit ? 0 : d.minSteps());
    }

    @Override
    public HyperDasTrained fit(TargetModel target, PairSet train, MethodOptions options, RunControl control,
            PrintStream progress) throws Exception {
        if (options.k() < 1) {
            throw new BadInputException("--k " + options.k() + ": HyperDAS needs a subspace of at least 1 dimension");
        }
        HyperDasConfig config = config(target, options);
        HyperDasGraphs graphs = new HyperDasGraphs(target.config(), target.weights(), config, DType.FLOAT32);
        Map<String, long[]> shapes = HyperDasParameters.shapes(target.config(), config);
        List<Pair> all = train.pairs();
        if (all.isEmpty()) {
            throw new BadInputException("HyperDAS: no training pairs");
        }
        HyperDasTrained trained = new HyperDasTrained(target, graphs, shapes, options.evalBatchSize());
        try {
            trained.addDetails(train(target, graphs, all, options, control, progress, trained));
        } catch (Exception | Error e) {
            trained.close();
            throw e;
        }
        return trained;
    }

    private Map<String, Object> train(TargetModel target, HyperDasGraphs graphs, List<Pair> all, MethodOptions o,
            RunControl control, PrintStream log, HyperDasTrained trained) throws Exception {
        HyperDasConfig config = graphs.config();
        HyperDasTraining plan = training(target, o);
        log.println("hyperdas: " + PlanReport.summary(target.config(), config, plan.batchSize()));
        long built = System.nanoTime();
        TrainingGraph training = graphs.training();
        log.printf("hyperdas: training graph built in %.1f s (%d KB)%n", (System.nanoTime() - built) / 1e9,
                training.model().length >> 10);
        Map<String, float[]> params = new LinkedHashMap<>();
        // On a large target each session holds its own float32 copy of the target: the monitor's
        // evaluation session waits until the training session is closed.
        boolean oneSessionAtATime = TargetDefaults.isLarge(target.config());
        trained.monitorDuringTraining(!oneSessionAtATime);
        HyperDasTask task = new HyperDasTask(config, plan, o.seed(), all, target.batcher(plan.batchSize()), trained);
        TrainLoop.Result r;
        double[] acc = null;
        Path ckpt = control.checkpoint(CHECKPOINT);
        int k = control.stepsPerCall();
        TrainingGraph grouped = k > 1 ? training.multiStep(k) : null;
        try (task; OrtSession session = session(target, training, log);
                TrainStep step = trainStep(target, config, session, training);
                OrtSession groupedSession = grouped == null ? null : target.session(grouped.model());
                TrainStep groupedStep = grouped == null ? null
                        : new TrainStep(groupedSession, grouped.stepSpecFilledLater())) {
            // Initial values go straight into the step's buffers: no heap copy of the parameters.
            HyperDasParameters.initialInto(target.config(), config, target.weightStore(), step::writableFloats);
            List<Pair> pool = task.pool();
            long cause = pool.stream().filter(p -> p.kind() == PairKind.CAUSE).count();
            log.printf("hyperdas: %d training pairs (%d cause, %d isolate), %d %s monitor pairs; %d steps (%d epochs x %d),"
                    + " batch %d, layer %d, k %d, hypernetwork %d layers%s, %d parameters%n", pool.size(), cause,
                    pool.size() - cause, task.monitor().size(), task.heldOut() ? "held-out" : "training",
                    task.totalSteps(), task.epochs(), task.perEpoch(), plan.batchSize(), config.layer(),
                    config.subspaceDim(), config.hypernetLayers(), config.frozenEmbedding() ? " (embedding frozen)" : "",
                    shapes(graphs).values().stream().mapToLong(HyperDasMethod::count).sum());
            TrainLoop.Settings loop = new TrainLoop.Settings(NAME, control.stopAfter(),
                    control.progressEvery(PROGRESS_EVERY), 0, ckpt == null ? null
                            : new TrainLoop.Checkpoint(ckpt, control.checkpointEvery(), control.resume(),
                                    meta(config, plan, o, task)));
            r = new TrainLoop(loop, log).run(step,
                    groupedStep == null ? null : new GroupedTrainStep(groupedStep, k), training.lrScaleInput(), task);
            for (String name : training.parameterNames()) {
                params.put(name, step.floats(name));
            }
            if (!oneSessionAtATime) {
                acc = trained.monitor(task.monitorBatch(), step);
            }
        }
        // After the step's state (parameters and moments) and the training session are released.
        trained.setParameters(params);
        if (acc == null) {
            acc = trained.monitor(task.monitorBatch());
        }
        Map<String, Object> d = details(config, plan, task, r, acc);
        if (ckpt != null) {
            d.put("checkpoint", ckpt.toAbsolutePath().normalize().toString());
        }
        return d;
    }

    /**
     * One state set updated in place on large targets (half the memory: parameters and AdamW
     * moments are gigabytes there); clipping makes that safe (see {@link TrainStep#inPlace}).
     * Small targets keep the two alternating sets.
     */
    public static TrainStep trainStep(TargetModel target, HyperDasConfig config, OrtSession session,
            TrainingGraph training) throws OrtException {
        return TargetDefaults.isLarge(target.config()) && config.clipNorm() > 0
                ? TrainStep.inPlace(session, training.stepSpecFilledLater())
                : new TrainStep(session, training.stepSpecFilledLater());
    }

    /** The training session, its creation time logged (large targets take long to load). */
    private static OrtSession session(TargetModel target, TrainingGraph training, PrintStream log)
            throws OrtException {
        long start = System.nanoTime();
        OrtSession s = target.session(training.model());
        log.printf("hyperdas: training session created in %.1f s%n", (System.nanoTime() - start) / 1e9);
        return s;
    }

    /** What a checkpoint must match to be resumed by this run. */
    private static Map<String, String> meta(HyperDasConfig config, HyperDasTraining plan, MethodOptions o,
            HyperDasTask task) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("total_steps", Long.toString(task.totalSteps()));
        meta.put("seed", Long.toString(o.seed()));
        meta.put("layer", Integer.toString(config.layer()));
        meta.put("k", Integer.toString(config.subspaceDim()));
        meta.put("hypernet_layers", Integer.toString(config.hypernetLayers()));
        meta.put("batch_size", Integer.toString(plan.batchSize()));
        meta.put("train_pairs", Integer.toString(task.pool().size()));
        if (!config.ablations().isNone()) {
            meta.put("ablations", String.join(",", config.ablations().names()));
        }
        if (config.frozenEmbedding()) { // absent in the reference's trainable runs, as before the option
            meta.put(HYPERNET_EMBEDDING, config.hypernetEmbedding().optionName());
        }
        return meta;
    }

    private Map<String, Object> details(HyperDasConfig config, HyperDasTraining plan, HyperDasTask task,
            TrainLoop.Result r, double[] acc) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("trained", true);
        d.put("total_steps", task.totalSteps());
        d.put("steps_done", r.stepsDone());
        d.put("resumed_at", r.resumedAt());
        d.put("epochs", task.epochs());
        d.put("warmup_steps", task.warmup());
        d.put("train_pairs", task.pool().size());
        d.put("monitor_pairs", task.monitor().size());
        d.put("monitor_held_out", task.heldOut());
        d.put("first_loss", finite(r.firstLoss()));
        d.put("last_loss", finite(r.last(TrainingGraph.LOSS)));
        d.put("monitor_cause_accuracy", finite(acc[0]));
        d.put("monitor_isolate_accuracy", finite(acc[1]));
        d.put("steps_per_second", finite(r.stepsPerSecond()));
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("layer", config.layer());
        h.put("k", config.subspaceDim());
        h.put("hypernet_layers", config.hypernetLayers());
        h.put("selection_heads", config.selectionHeads());
        h.put("loss_weights", List.of(config.causalWeight(), config.isolateWeight()));
        h.put("sparsity", List.of(plan.sparsityWarmup(), plan.sparsityStart(), plan.sparsityEnd()));
        h.put("lr_hypernet", config.hypernetLr());
        h.put("lr_rotation", config.rotationLr());
        h.put("weight_decay_hypernet", config.hypernetWeightDecay());
        h.put("clip_norm", config.clipNorm());
        h.put("batch_size", plan.batchSize());
        h.put("ablations", config.ablations().names());
        h.put(HYPERNET_EMBEDDING, config.hypernetEmbedding().optionName());
        d.put("hyperdas", h);
        return d;
    }

    private static Map<String, long[]> shapes(HyperDasGraphs graphs) {
        return HyperDasParameters.shapes(graphs.target(), graphs.config());
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /**
     * The batch inputs of the HyperDAS graphs as tensors over the batch's direct buffers (no copy);
     * each created tensor is added to {@code created} for the caller to close.
     *
     * @param training also {@value HyperDasGraphs#IS_CAUSE}
     */
    public static Map<String, OnnxTensor> feeds(PairBatch b, boolean training, List<OnnxTensor> created)
            throws OrtException {
        Map<String, OnnxTensor> f = new HashMap<>();
        BatchFeeds.put(f, created, FeedSchema.BASE_IDS.name(), b.baseIds());
        BatchFeeds.put(f, created, FeedSchema.BASE_MASK.name(), b.baseMask());
        BatchFeeds.put(f, created, FeedSchema.BASE_INTERVENTION_MASK.name(), b.baseInterventionMask());
        BatchFeeds.put(f, created, FeedSchema.SOURCE_IDS.name(), b.sourceIds());
        BatchFeeds.put(f, created, FeedSchema.SOURCE_MASK.name(), b.sourceMask());
        BatchFeeds.put(f, created, FeedSchema.SOURCE_INTERVENTION_MASK.name(), b.sourceInterventionMask());
        BatchFeeds.put(f, created, FeedSchema.INSTRUCTION_IDS.name(), b.instructionIds());
        BatchFeeds.put(f, created, FeedSchema.INSTRUCTION_MASK.name(), b.instructionMask());
        BatchFeeds.put(f, created, FeedSchema.LABEL_IDS.name(), b.labelIds());
        BatchFeeds.put(f, created, FeedSchema.LABEL_MASK.name(), b.labelMask());
        BatchFeeds.put(f, created, FeedSchema.LABEL_POSITIONS.name(), b.labelPositions());
        if (training) {
            BatchFeeds.put(f, created, FeedSchema.IS_CAUSE.name(), b.isCause());
        }
        return f;
    }


    @Override
    public MethodExporter exporter() {
        return new HyperDasExport();
    }
}
