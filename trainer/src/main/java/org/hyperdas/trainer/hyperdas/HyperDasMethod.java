package org.hyperdas.trainer.hyperdas;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.graphs.optim.LrSchedule;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.BatchFeeds;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.PairSet;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.TrainedIntervention;
import org.hyperdas.trainer.TrainingProgress;

/**
 * {@code hyperdas}: ONE hypernetwork trained over every target attribute of the run (cause and
 * isolate pairs mixed, loss weights 3.5 / 0.5), then scored in the three selection modes, each
 * written as its own run: {@code hyperdas-soft}, {@code hyperdas-one-to-many},
 * {@code hyperdas-one-to-one}.
 *
 * <p>Training (HYPERDAS.md "Training"): one training model and one {@link TrainStep} for the whole
 * run; AdamW in two groups (hypernetwork, R), gradient-norm clip, learning rate scaled by a
 * linear warm-up then cosine decay (fed as {@code lr_scale}), sparsity weight of the step fed as
 * {@code sparsity_weight}. Batches: each epoch a seeded permutation of the training pairs, cut in
 * order; the batch of step s depends only on the seed and s, so a resumed run sees the same
 * batches as an uninterrupted one. Checkpoints: {@link TrainStep#save} (parameters, AdamW moments,
 * step count; written atomically) every {@code checkpointEvery} steps and at the end;
 * {@code resume} continues from the checkpoint when it exists.
 *
 * <p>Options used: layer, k, batch size, eval batch size, lr (the hypernetwork's; R keeps its own),
 * seed; {@link Settings} holds the rest. MethodOptions.steps is not used: the step count is
 * epochs x ceil(train pairs / batch size).
 */
public final class HyperDasMethod implements InterventionMethod {
    public static final String NAME = "hyperdas";

    /** The run label of each selection mode, in the order they are scored. */
    public static final Map<SelectionMode, String> LABELS;

    static {
        Map<SelectionMode, String> m = new EnumMap<>(SelectionMode.class);
        m.put(SelectionMode.SOFT, "hyperdas-soft");
        m.put(SelectionMode.ONE_TO_MANY, "hyperdas-one-to-many");
        m.put(SelectionMode.ONE_TO_ONE, "hyperdas-one-to-one");
        LABELS = java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Settings beyond {@link MethodOptions}.
     *
     * @param hypernetLayers N, or null for the default (HyperDasConfig.defaults)
     * @param epochs passes over the training pairs, or null for the default (HyperDasConfig.defaults)
     * @param rotationLr learning rate of R, or null for the default (HyperDasConfig.defaults)
     * @param warmupSteps lr warm-up steps, or null for 10% of the steps
     * @param checkpoint checkpoint file, or null for none
     * @param checkpointEvery steps between checkpoints (0: only at the end)
     * @param resume continue from {@code checkpoint} when it exists
     * @param progressEvery steps between progress reports (0: none)
     * @param stopAfter stop once this many steps are done (0: run to the end); the schedule still
     *     spans every step, so a resumed run continues as if never stopped
     * @param sparsity the sparsity ramp (warm-up fraction, start weight, end weight), or null for
     *     the default
     * @param lossWeights the (cause, isolate) loss weights, or null for the default
     */
    public record Settings(Integer hypernetLayers, Integer epochs, Double rotationLr, Integer warmupSteps, Path checkpoint,
            int checkpointEvery, boolean resume, int progressEvery, long stopAfter, List<Double> sparsity,
            List<Double> lossWeights) {
        public Settings {
            if ((epochs != null && epochs < 1) || checkpointEvery < 0 || progressEvery < 0 || stopAfter < 0
                    || (warmupSteps != null && warmupSteps < 0) || (hypernetLayers != null && hypernetLayers < 1)
                    || (rotationLr != null && !(rotationLr >= 0))) {
                throw new BadInputException("invalid HyperDAS settings: epochs " + epochs + ", hypernet layers "
                        + hypernetLayers + ", warm-up " + warmupSteps + ", checkpoint every " + checkpointEvery
                        + ", rotation lr " + rotationLr);
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

        public static Settings defaults() {
            return new Settings(null, null, null, null, null, 100, false, 20, 0, null, null);
        }

        /** A mutable copy of every field. */
        private static final class Fields {
            Integer hypernetLayers;
            Integer epochs;
            Double rotationLr;
            Integer warmupSteps;
            Path checkpoint;
            int checkpointEvery;
            boolean resume;
            int progressEvery;
            long stopAfter;
            List<Double> sparsity;
            List<Double> lossWeights;

            Fields(Settings s) {
                hypernetLayers = s.hypernetLayers;
                epochs = s.epochs;
                rotationLr = s.rotationLr;
                warmupSteps = s.warmupSteps;
                checkpoint = s.checkpoint;
                checkpointEvery = s.checkpointEvery;
                resume = s.resume;
                progressEvery = s.progressEvery;
                stopAfter = s.stopAfter;
                sparsity = s.sparsity;
                lossWeights = s.lossWeights;
            }
        }

        /**
         * These settings with {@code change} applied (checked again by the constructor): the one
         * place that lists the constructor's arguments in order.
         */
        private Settings with(Consumer<Fields> change) {
            Fields f = new Fields(this);
            change.accept(f);
            return new Settings(f.hypernetLayers, f.epochs, f.rotationLr, f.warmupSteps, f.checkpoint,
                    f.checkpointEvery, f.resume, f.progressEvery, f.stopAfter, f.sparsity, f.lossWeights);
        }

        public Settings withEpochs(Integer e) {
            return with(f -> f.epochs = e);
        }

        public Settings withHypernetLayers(Integer n) {
            return with(f -> f.hypernetLayers = n);
        }

        public Settings withRotationLr(Double lr) {
            return with(f -> f.rotationLr = lr);
        }

        public Settings withCheckpoint(Path file, int every, boolean resumeIt) {
            return with(f -> {
                f.checkpoint = file;
                f.checkpointEvery = every;
                f.resume = resumeIt;
            });
        }

        public Settings withProgressEvery(int n) {
            return with(f -> f.progressEvery = n);
        }

        public Settings withStopAfter(long n) {
            return with(f -> f.stopAfter = n);
        }

        public Settings withWarmupSteps(Integer n) {
            return with(f -> f.warmupSteps = n);
        }

        public Settings withSparsity(List<Double> ramp) {
            return with(f -> f.sparsity = ramp);
        }

        public Settings withLossWeights(List<Double> weights) {
            return with(f -> f.lossWeights = weights);
        }
    }

    /** Held-out monitor pairs per kind (cause, isolate) whose accuracy the progress report shows. */
    static final int MONITOR_PER_KIND = 32;

    private final Settings settings;

    public HyperDasMethod() {
        this(Settings.defaults());
    }

    public HyperDasMethod(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "HyperDAS: one hypernetwork for every attribute picks token positions and builds the subspace;"
                + " scored with soft, one-to-many and one-to-one selection";
    }

    @Override
    public String site() {
        return "residual stream entering block `layer` (0 = embedding output), base positions BOS..last entity"
                + " token, source positions chosen by the selection head";
    }

    @Override
    public String optimizer() {
        return "AdamW in two groups (hypernetwork: lr --lr, weight decay 0.01; R: lr --rotation-lr, no decay),"
                + " grad-norm clip 4.0, linear warm-up then cosine decay (values in training.hyperdas)";
    }

    /** The HyperDAS configuration for {@code target} under these options and settings. */
    public HyperDasConfig config(TargetModel target, MethodOptions o) {
        HyperDasConfig d = HyperDasConfig.defaults(target.config());
        try {
            HyperDasConfig c = d.withLayer(o.layer()).withSubspaceDim(o.k()).withTraining(o.batchSize(), settings.epochs() != null ? settings.epochs() : d.epochs())
                    .withSeed(o.seed()).withLearningRates(o.lr(),
                            settings.rotationLr() != null ? settings.rotationLr() : d.rotationLr());
            if (settings.hypernetLayers() != null) {
                c = c.withHypernetLayers(settings.hypernetLayers());
            }
            if (settings.sparsity() != null) {
                c = c.withSparsity(settings.sparsity().get(0), settings.sparsity().get(1), settings.sparsity().get(2));
            }
            if (settings.lossWeights() != null) {
                c = c.withLossWeights(settings.lossWeights().get(0), settings.lossWeights().get(1));
            }
            return c.validate(target.config());
        } catch (GraphBuildException e) {
            throw new BadInputException(target.folder() + ": " + e.getMessage());
        }
    }

    @Override
    public Trained fit(TargetModel target, PairSet train, MethodOptions options, PrintStream progress)
            throws Exception {
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
        Trained trained = new Trained(target, graphs, shapes, options.evalBatchSize());
        try {
            trained.details.putAll(train(target, graphs, all, options, progress, trained));
        } catch (Exception | Error e) {
            trained.close();
            throw e;
        }
        return trained;
    }

    private Map<String, Object> train(TargetModel target, HyperDasGraphs graphs, List<Pair> all, MethodOptions o,
            PrintStream log, Trained trained) throws Exception {
        HyperDasConfig config = graphs.config();
        // A fixed monitor batch, held out of training when there are enough pairs: up to
        // MONITOR_PER_KIND cause and as many isolate pairs, so both accuracies it reports mean something.
        int[] shuffled = permutation(all.size(), new SplittableRandom(o.seed() ^ 0x6A09E667F3BCC909L));
        int perKind = Math.min(MONITOR_PER_KIND, all.size() / 10);
        boolean heldOut = perKind >= 1;
        List<Pair> monitor = new ArrayList<>();
        List<Pair> pool = new ArrayList<>();
        int[] taken = new int[2];
        for (int i = 0; i < shuffled.length; i++) {
            Pair p = all.get(shuffled[i]);
            int kind = p.kind() == PairKind.CAUSE ? 0 : 1;
            if (heldOut && taken[kind] < perKind) {
                taken[kind]++;
                monitor.add(p);
            } else {
                pool.add(p);
            }
        }
        if (!heldOut) {
            monitor.addAll(pool.subList(0, Math.min(2 * MONITOR_PER_KIND, pool.size())));
        }
        int bs = o.batchSize();
        long perEpoch = (pool.size() + bs - 1) / bs;
        long total = perEpoch * config.epochs();
        long warmup = settings.warmupSteps() != null ? Math.min(settings.warmupSteps(), total) : total / 10;
        LrSchedule schedule = LrSchedule.cosine(warmup, total);
        Map<String, float[]> init = HyperDasParameters.initialFloats(target.config(), config,
                HyperDasParameters.reader(target.weightStore()));
        long cause = pool.stream().filter(p -> p.kind() == PairKind.CAUSE).count();
        log.printf("hyperdas: %d training pairs (%d cause, %d isolate), %d %s monitor pairs; %d steps (%d epochs x %d),"
                + " batch %d, layer %d, k %d, hypernetwork %d layers, %d parameters%n", pool.size(), cause,
                pool.size() - cause, monitor.size(), heldOut ? "held-out" : "training", total, config.epochs(),
                perEpoch, bs, config.layer(), config.subspaceDim(), config.hypernetLayers(),
                shapes(graphs).values().stream().mapToLong(HyperDasMethod::count).sum());
        TrainingGraph training = graphs.training();
        Batcher batcher = target.batcher(bs);
        PairBatch monitorBatch = batcher.batch(monitor);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("total_steps", Long.toString(total));
        meta.put("seed", Long.toString(o.seed()));
        meta.put("layer", Integer.toString(config.layer()));
        meta.put("k", Integer.toString(config.subspaceDim()));
        meta.put("hypernet_layers", Integer.toString(config.hypernetLayers()));
        meta.put("batch_size", Integer.toString(bs));
        meta.put("train_pairs", Integer.toString(pool.size()));
        FloatBuffer lrScale = Tensors.floats(1);
        FloatBuffer sparsity = Tensors.floats(1);
        double firstLoss = Double.NaN;
        StepResult last = null;
        long resumedAt = 0;
        int[] order = null;
        long orderEpoch = -1;
        long t0 = System.nanoTime();
        TrainingProgress progress = null;
        try (OrtSession session = target.session(training.model());
                TrainStep step = new TrainStep(session, training.stepSpec(init));
                OnnxTensor lrTensor = Tensors.tensor(lrScale);
                OnnxTensor sparsityTensor = Tensors.tensor(sparsity)) {
            Path ckpt = settings.checkpoint();
            if (settings.resume() && ckpt != null && Files.isRegularFile(ckpt)) {
                Map<String, String> saved = step.load(ckpt);
                for (Map.Entry<String, String> e : meta.entrySet()) {
                    if (!e.getValue().equals(saved.get(e.getKey()))) {
                        throw new BadInputException(ckpt + ": checkpoint of a different run: " + e.getKey() + " is "
                                + saved.get(e.getKey()) + ", this run has " + e.getValue()
                                + " (start afresh without --resume, or use another --out)");
                    }
                }
                resumedAt = step.steps();
                log.printf("hyperdas: resumed from %s at step %d/%d%n", ckpt, resumedAt, total);
            } else if (settings.resume()) {
                log.printf("hyperdas: --resume: no checkpoint at %s, starting at step 0%n", ckpt);
            }
            progress = TrainingProgress.start(NAME, total, resumedAt, log);
            double lossSum = 0;
            double ceSum = 0;
            double spSum = 0;
            int sums = 0;
            while (step.steps() < total && (settings.stopAfter() == 0 || step.steps() < settings.stopAfter())) {
                long s = step.steps();
                long epoch = s / perEpoch;
                if (epoch != orderEpoch) {
                    order = permutation(pool.size(), new SplittableRandom(o.seed() * 0x9E3779B97F4A7C15L + epoch));
                    orderEpoch = epoch;
                }
                int from = (int) ((s % perEpoch) * bs);
                int to = Math.min(pool.size(), from + bs);
                List<Pair> pairs = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    pairs.add(pool.get(order[i]));
                }
                PairBatch batch = batcher.batch(pairs);
                lrScale.put(0, (float) schedule.factor(s));
                sparsity.put(0, (float) config.sparsityWeight(s, total));
                List<OnnxTensor> created = new ArrayList<>();
                try {
                    Map<String, OnnxTensor> feeds = feeds(batch, true, created);
                    feeds.put(training.lrScaleInput(), lrTensor);
                    feeds.put(HyperDasGraphs.SPARSITY_WEIGHT, sparsityTensor);
                    last = step.step(feeds);
                } finally {
                    created.forEach(OnnxTensor::close);
                }
                double loss = last.get(TrainingGraph.LOSS);
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("hyperdas: loss is " + loss + " at step " + (s + 1));
                }
                if (s == 0) {
                    firstLoss = loss;
                }
                lossSum += loss;
                ceSum += last.get(HyperDasGraphs.CE_LOSS);
                spSum += last.get(HyperDasGraphs.SPARSITY_PENALTY);
                sums++;
                long done = step.steps();
                boolean end = done == total || done == settings.stopAfter();
                if (settings.progressEvery() > 0 && (done % settings.progressEvery() == 0 || end)) {
                    double[] acc = trained.monitor(monitorBatch, step);
                    progress.report(done, String.format("loss %.2f cause %s iso %s", lossSum / sums, pct(acc[0]),
                            pct(acc[1])), String.format("epoch %d/%d, loss %.4f, ce %.4f, sparsity %.4f (weight %.2f),"
                            + " %s cause %s isolate %s", epoch + 1, config.epochs(), lossSum / sums, ceSum / sums,
                            spSum / sums, sparsity.get(0), heldOut ? "held-out" : "train-batch", pct(acc[0]),
                            pct(acc[1])));
                    lossSum = 0;
                    ceSum = 0;
                    spSum = 0;
                    sums = 0;
                }
                if (ckpt != null && (end || (settings.checkpointEvery() > 0 && done % settings.checkpointEvery() == 0))) {
                    Files.createDirectories(ckpt.toAbsolutePath().getParent());
                    step.save(ckpt, meta);
                }
            }
            Map<String, float[]> params = new LinkedHashMap<>();
            for (String name : training.parameterNames()) {
                params.put(name, step.floats(name));
            }
            trained.setParameters(params);
            double[] acc = trained.monitor(monitorBatch, step);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("trained", true);
            d.put("total_steps", total);
            d.put("steps_done", step.steps());
            d.put("resumed_at", resumedAt);
            d.put("epochs", config.epochs());
            d.put("warmup_steps", warmup);
            d.put("train_pairs", pool.size());
            d.put("monitor_pairs", monitor.size());
            d.put("monitor_held_out", heldOut);
            d.put("first_loss", finite(firstLoss));
            d.put("last_loss", last == null ? null : finite(last.get(TrainingGraph.LOSS)));
            d.put("monitor_cause_accuracy", finite(acc[0]));
            d.put("monitor_isolate_accuracy", finite(acc[1]));
            d.put("steps_per_second", finite((step.steps() - resumedAt) / ((System.nanoTime() - t0) / 1e9)));
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("layer", config.layer());
            h.put("k", config.subspaceDim());
            h.put("hypernet_layers", config.hypernetLayers());
            h.put("selection_heads", config.selectionHeads());
            h.put("loss_weights", List.of(config.causalWeight(), config.isolateWeight()));
            h.put("sparsity", List.of(config.sparsityWarmup(), config.sparsityStart(), config.sparsityEnd()));
            h.put("lr_hypernet", config.hypernetLr());
            h.put("lr_rotation", config.rotationLr());
            h.put("weight_decay_hypernet", config.hypernetWeightDecay());
            h.put("clip_norm", config.clipNorm());
            h.put("batch_size", config.batchSize());
            d.put("hyperdas", h);
            if (ckpt != null) {
                d.put("checkpoint", ckpt.toAbsolutePath().normalize().toString());
            }
            return d;
        } finally {
            if (progress != null) {
                progress.close();
            }
        }
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

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format("%.0f%%", 100 * v) : "-";
    }

    static int[] permutation(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int j = n - 1; j > 0; j--) {
            int r = random.nextInt(j + 1);
            int t = order[j];
            order[j] = order[r];
            order[r] = t;
        }
        return order;
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
        BatchFeeds.put(f, created, HyperDasGraphs.BASE_IDS, b.baseIds());
        BatchFeeds.put(f, created, HyperDasGraphs.BASE_MASK, b.baseMask());
        BatchFeeds.put(f, created, HyperDasGraphs.BASE_INTERVENTION_MASK, b.baseInterventionMask());
        BatchFeeds.put(f, created, HyperDasGraphs.SOURCE_IDS, b.sourceIds());
        BatchFeeds.put(f, created, HyperDasGraphs.SOURCE_MASK, b.sourceMask());
        BatchFeeds.put(f, created, HyperDasGraphs.SOURCE_INTERVENTION_MASK, b.sourceInterventionMask());
        BatchFeeds.put(f, created, HyperDasGraphs.INSTRUCTION_IDS, b.instructionIds());
        BatchFeeds.put(f, created, HyperDasGraphs.INSTRUCTION_MASK, b.instructionMask());
        BatchFeeds.put(f, created, HyperDasGraphs.LABEL_IDS, b.labelIds());
        BatchFeeds.put(f, created, HyperDasGraphs.LABEL_MASK, b.labelMask());
        BatchFeeds.put(f, created, HyperDasGraphs.LABEL_POSITIONS, b.labelPositions());
        if (training) {
            BatchFeeds.put(f, created, HyperDasGraphs.IS_CAUSE, b.isCause());
        }
        return f;
    }

    /** A trained hypernetwork: evaluation sessions per selection mode, opened when first used. */
    public static final class Trained implements TrainedIntervention {
        private final TargetModel target;
        private final HyperDasGraphs graphs;
        private final Map<String, long[]> shapes;
        private final int evalBatchSize;
        private final Map<SelectionMode, OrtSession> sessions = new EnumMap<>(SelectionMode.class);
        private final Map<String, Object> details = new LinkedHashMap<>();
        private Map<String, float[]> parameters;
        private final Map<String, OnnxTensor> parameterTensors = new LinkedHashMap<>();

        Trained(TargetModel target, HyperDasGraphs graphs, Map<String, long[]> shapes, int evalBatchSize) {
            this.target = target;
            this.graphs = graphs;
            this.shapes = shapes;
            this.evalBatchSize = evalBatchSize;
        }

        /** The trained parameters by graph name (copies). */
        public Map<String, float[]> parameters() {
            Map<String, float[]> m = new LinkedHashMap<>();
            parameters.forEach((k, v) -> m.put(k, v.clone()));
            return m;
        }

        public HyperDasConfig config() {
            return graphs.config();
        }

        void setParameters(Map<String, float[]> p) throws OrtException {
            closeParameterTensors();
            parameters = p;
            for (Map.Entry<String, float[]> e : p.entrySet()) {
                parameterTensors.put(e.getKey(), Tensors.tensor(Tensors.floatsOf(e.getValue()), shapes.get(e.getKey())));
            }
        }

        OrtSession session(SelectionMode mode) throws OrtException {
            OrtSession s = sessions.get(mode);
            if (s == null) {
                s = target.session(graphs.evaluation(mode));
                sessions.put(mode, s);
            }
            return s;
        }

        /** Soft-mode accuracy of the monitor batch with the step's current parameters: {cause, isolate}. */
        double[] monitor(PairBatch batch, TrainStep step) throws OrtException {
            List<OnnxTensor> created = new ArrayList<>();
            try {
                Map<String, OnnxTensor> f = feeds(batch, false, created);
                for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                    OnnxTensor t = Tensors.tensor(Tensors.floatsOf(step.floats(e.getKey())), e.getValue());
                    created.add(t);
                    f.put(e.getKey(), t);
                }
                boolean[] correct = run(session(SelectionMode.SOFT), f, batch.size()).correct;
                int[] right = new int[2];
                int[] n = new int[2];
                for (int i = 0; i < batch.size(); i++) {
                    int kind = batch.pairs().get(i).kind() == PairKind.CAUSE ? 0 : 1;
                    n[kind]++;
                    right[kind] += correct[i] ? 1 : 0;
                }
                return new double[] {n[0] == 0 ? Double.NaN : (double) right[0] / n[0],
                        n[1] == 0 ? Double.NaN : (double) right[1] / n[1]};
            } finally {
                created.forEach(OnnxTensor::close);
            }
        }

        private record Out(long[] predictions, int labels, boolean[] correct, float[] selection, long[] selShape) {
        }

        private static Out run(OrtSession session, Map<String, OnnxTensor> feeds, int n) throws OrtException {
            return run(session, feeds, n, false);
        }

        private static Out run(OrtSession session, Map<String, OnnxTensor> feeds, int n, boolean selection)
                throws OrtException {
            Set<String> outputs = selection
                    ? Set.of(HyperDasGraphs.PREDICTIONS, HyperDasGraphs.CORRECT, HyperDasGraphs.SELECTION)
                    : Set.of(HyperDasGraphs.PREDICTIONS, HyperDasGraphs.CORRECT);
            try (OrtSession.Result r = session.run(feeds, outputs)) {
                OnnxTensor pred = (OnnxTensor) r.get(HyperDasGraphs.PREDICTIONS).orElseThrow();
                long[] shape = pred.getInfo().getShape();
                ByteBuffer flags = ((OnnxTensor) r.get(HyperDasGraphs.CORRECT).orElseThrow()).getByteBuffer();
                boolean[] correct = new boolean[n];
                for (int i = 0; i < n; i++) {
                    correct[i] = flags.get(i) != 0;
                }
                float[] sel = null;
                long[] selShape = null;
                if (selection) {
                    OnnxTensor st = (OnnxTensor) r.get(HyperDasGraphs.SELECTION).orElseThrow();
                    sel = Tensors.toFloatArray(st);
                    selShape = st.getInfo().getShape();
                }
                return new Out(Tensors.toLongArray(pred), (int) shape[1], correct, sel, selShape);
            }
        }

        @Override
        public List<String> variants() {
            return List.copyOf(LABELS.values());
        }

        @Override
        public List<Outcome> evaluate(List<Pair> pairs) throws Exception {
            return evaluate(SelectionMode.SOFT, pairs);
        }

        @Override
        public List<Outcome> evaluate(String variant, List<Pair> pairs) throws Exception {
            for (Map.Entry<SelectionMode, String> e : LABELS.entrySet()) {
                if (e.getValue().equals(variant)) {
                    return evaluate(e.getKey(), pairs);
                }
            }
            throw new IllegalArgumentException("unknown HyperDAS variant '" + variant + "': " + LABELS.values());
        }

        /** Outcomes of {@code pairs} in selection mode {@code mode}, in their order. */
        public List<Outcome> evaluate(SelectionMode mode, List<Pair> pairs) throws Exception {
            Outcome[] out = new Outcome[pairs.size()];
            Integer[] order = new Integer[pairs.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingInt((Integer i) -> Batcher.teacherForcedText(pairs.get(i)).length())
                    .thenComparingInt(i -> pairs.get(i).sourcePrompt().length()));
            Batcher batcher = target.batcher(evalBatchSize);
            OrtSession session = session(mode);
            for (int start = 0; start < order.length; start += evalBatchSize) {
                int n = Math.min(evalBatchSize, order.length - start);
                List<Pair> chunk = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    chunk.add(pairs.get(order[start + i]));
                }
                PairBatch batch = batcher.batch(chunk);
                List<OnnxTensor> created = new ArrayList<>();
                Out res;
                try {
                    Map<String, OnnxTensor> f = feeds(batch, false, created);
                    f.putAll(parameterTensors);
                    res = run(session, f, n);
                } finally {
                    created.forEach(OnnxTensor::close);
                }
                for (int i = 0; i < n; i++) {
                    int real = PairBatch.length(batch.labelMask(), i);
                    long[] ids = Arrays.copyOfRange(res.predictions(), i * res.labels(), i * res.labels() + real);
                    out[order[start + i]] = new Outcome(chunk.get(i), target.tokenizer().decode(ids), res.correct()[i]);
                }
            }
            return Arrays.asList(out);
        }

        /** How many test examples get a selection heatmap per mode. */
        static final int FIGURES = 4;

        /**
         * Selection heatmaps (base tokens x source tokens + SELF) of the first cause and isolate
         * pairs, {@code selection-N.png} in the mode's run folder.
         */
        @Override
        public List<String> writeFigures(String variant, List<Pair> pairs, Path folder) throws Exception {
            SelectionMode mode = null;
            for (Map.Entry<SelectionMode, String> e : LABELS.entrySet()) {
                if (e.getValue().equals(variant)) {
                    mode = e.getKey();
                }
            }
            if (mode == null || pairs.isEmpty()) {
                return List.of();
            }
            List<Pair> chosen = new ArrayList<>();
            pairs.stream().filter(p -> p.kind() == PairKind.CAUSE).limit(FIGURES / 2).forEach(chosen::add);
            pairs.stream().filter(p -> p.kind() == PairKind.ISOLATE).limit(FIGURES - chosen.size())
                    .forEach(chosen::add);
            PairBatch batch = target.batcher(chosen.size()).batch(chosen);
            Out res;
            List<OnnxTensor> created = new ArrayList<>();
            try {
                Map<String, OnnxTensor> f = feeds(batch, false, created);
                f.putAll(parameterTensors);
                res = run(session(mode), f, chosen.size(), true);
            } finally {
                created.forEach(OnnxTensor::close);
            }
            int rowsAll = (int) res.selShape()[1];
            int tb = (int) res.selShape()[2];
            List<String> files = new ArrayList<>();
            for (int b = 0; b < chosen.size(); b++) {
                List<Integer> cols = new ArrayList<>();
                List<Integer> rows = new ArrayList<>();
                for (int j = 0; j < tb; j++) {
                    if (batch.baseInterventionMask().get(b, j) != 0) {
                        cols.add(j);
                    }
                }
                for (int i = 0; i < rowsAll - 1; i++) {
                    if (batch.sourceInterventionMask().get(b, i) != 0) {
                        rows.add(i);
                    }
                }
                final int row = b;
                List<String> baseTokens = cols.stream().map(j -> token(batch.baseIds().get(row, j))).toList();
                List<String> sourceTokens = rows.stream().map(i -> token(batch.sourceIds().get(row, i))).toList();
                double[][] w = new double[rows.size() + 1][cols.size()];
                for (int r = 0; r <= rows.size(); r++) {
                    int i = r < rows.size() ? rows.get(r) : rowsAll - 1;
                    for (int c = 0; c < cols.size(); c++) {
                        w[r][c] = res.selection()[(b * rowsAll + i) * tb + cols.get(c)];
                    }
                }
                Pair p = chosen.get(b);
                String name = "selection-" + (b + 1) + ".png";
                SelectionHeatmap.write(variant + ": " + p.kind().name().toLowerCase() + " " + p.entityType() + "/"
                        + p.attribute() + ", \"" + p.instruction() + "\"", baseTokens, sourceTokens, w,
                        folder.resolve(name));
                files.add(name);
            }
            return files;
        }

        private String token(long id) {
            return target.tokenizer().decode(new long[] {id});
        }

        @Override
        public void saveParameters(SafetensorsWriter writer) {
            writer.metadata("method", NAME);
            writer.metadata("layer", Integer.toString(graphs.config().layer()));
            writer.metadata("k", Integer.toString(graphs.config().subspaceDim()));
            writer.metadata("hypernet_layers", Integer.toString(graphs.config().hypernetLayers()));
            for (Map.Entry<String, float[]> e : parameters.entrySet()) {
                writer.addF32(e.getKey(), shapes.get(e.getKey()), e.getValue());
            }
        }

        @Override
        public Map<String, Object> details() {
            return new LinkedHashMap<>(details);
        }

        private void closeParameterTensors() {
            parameterTensors.values().forEach(OnnxTensor::close);
            parameterTensors.clear();
        }

        @Override
        public void close() throws Exception {
            closeParameterTensors();
            for (OrtSession s : sessions.values()) {
                s.close();
            }
            sessions.clear();
        }
    }
}
