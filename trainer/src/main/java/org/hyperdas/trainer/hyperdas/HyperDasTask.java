package org.hyperdas.trainer.hyperdas;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.graphs.hyperdas.Ablations;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.optim.LrSchedule;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.TrainTask;

/**
 * HyperDAS's plug-in for {@link org.hyperdas.trainer.TrainLoop}: the monitor split, the batch order
 * (each epoch a seeded permutation of the training pairs, cut in order, so the batch of step s
 * depends only on the seed and s), the lr schedule (cosine, or constant under the reference protocol), the sparsity weight of each step and the
 * progress text with the monitor batch's accuracy.
 */
final class HyperDasTask implements TrainTask, AutoCloseable {
    /** Held-out monitor pairs per kind (cause, isolate) whose accuracy the progress report shows. */
    static final int MONITOR_PER_KIND = 32;

    private final HyperDasConfig config;
    private final HyperDasTraining training;
    private final long seed;
    private final List<Pair> pool = new ArrayList<>();
    private final List<Pair> monitor = new ArrayList<>();
    private final boolean heldOut;
    private final long perEpoch;
    private final int epochs;
    private final long total;
    private final long warmup;
    private final LrSchedule schedule;
    private final Batcher batcher;
    private final PairBatch monitorBatch;
    private final HyperDasTrained trained;
    private final FloatBuffer sparsity = Tensors.floats(1);
    private final OnnxTensor sparsityTensor;
    /** The ablations' per-step scalars: the mask temperature and the pair-order coin. */
    private final FloatBuffer temperature = Tensors.floats(1);
    private final OnnxTensor temperatureTensor;
    private int[] order;
    private long orderEpoch = -1;

    HyperDasTask(HyperDasConfig config, HyperDasTraining training, long seed, List<Pair> all, Batcher batcher,
            HyperDasTrained trained) throws OrtException {
        this.config = config;
        this.training = training;
        this.seed = seed;
        this.batcher = batcher;
        this.trained = trained;
        this.heldOut = split(all, seed, pool, monitor);
        int bs = training.batchSize();
        this.perEpoch = (pool.size() + bs - 1) / bs;
        this.epochs = training.epochsFor(Math.max(1, perEpoch));
        this.total = perEpoch * epochs;
        long defaultWarmup = training.reference() ? 0 : total / 10;
        this.warmup = training.warmupSteps() != null ? Math.min(training.warmupSteps(), total) : defaultWarmup;
        // The reference script steps AdamW at a constant lr; the small-target protocol decays it.
        this.schedule = training.reference() ? LrSchedule.constant(warmup) : LrSchedule.cosine(warmup, total);
        this.monitorBatch = batcher.batch(monitor);
        this.sparsityTensor = Tensors.tensor(sparsity);
        this.temperatureTensor = Tensors.tensor(temperature);
    }

    /**
     * Splits {@code all} into training pool and a fixed monitor batch, held out of training when
     * there are enough pairs: up to {@value #MONITOR_PER_KIND} cause and as many isolate pairs, so
     * both accuracies it reports mean something. Returns whether the monitor pairs are held out.
     */
    static boolean split(List<Pair> all, long seed, List<Pair> pool, List<Pair> monitor) {
        int[] shuffled = permutation(all.size(), new SplittableRandom(seed ^ 0x6A09E667F3BCC909L));
        int perKind = Math.min(MONITOR_PER_KIND, all.size() / 10);
        boolean heldOut = perKind >= 1;
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
        return heldOut;
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

    List<Pair> pool() {
        return pool;
    }

    List<Pair> monitor() {
        return monitor;
    }

    boolean heldOut() {
        return heldOut;
    }

    /** Passes over the pool: the configured epochs, or more to reach the minimum step count. */
    int epochs() {
        return epochs;
    }

    long perEpoch() {
        return perEpoch;
    }

    long warmup() {
        return warmup;
    }

    PairBatch monitorBatch() {
        return monitorBatch;
    }

    @Override
    public long totalSteps() {
        return total;
    }

    @Override
    public double lrScale(long completed) {
        return schedule.factor(completed);
    }

    @Override
    public void feed(long s, Map<String, OnnxTensor> feeds, List<OnnxTensor> created) throws OrtException {
        long epoch = s / perEpoch;
        if (epoch != orderEpoch) {
            order = permutation(pool.size(), new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch));
            orderEpoch = epoch;
        }
        int bs = training.batchSize();
        int from = (int) ((s % perEpoch) * bs);
        int to = Math.min(pool.size(), from + bs);
        List<Pair> pairs = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            pairs.add(pool.get(order[i]));
        }
        PairBatch batch = batcher.batch(pairs);
        sparsity.put(0, (float) training.sparsityWeight(s, total));
        feeds.putAll(HyperDasMethod.feeds(batch, true, created));
        feeds.put(FeedSchema.SPARSITY_WEIGHT.name(), sparsityTensor);
        feedAblations(s, feeds, created);
    }

    /**
     * The mask subspace's temperature of step s (linear from the start to the end value over the
     * run) and the random order's coin of step s (seeded by the run's seed and s alone, so a
     * resumed run flips the same coins).
     */
    private void feedAblations(long s, Map<String, OnnxTensor> feeds, List<OnnxTensor> created) throws OrtException {
        Ablations a = config.ablations();
        if (a.subspace() == Ablations.Subspace.MASK) {
            temperature.put(0, (float) Ablations.temperature(s, total));
            feeds.put(FeedSchema.SUBSPACE_TEMPERATURE.name(), temperatureTensor);
        }
        if (a.randomOrder()) {
            long coinValue = new SplittableRandom(seed * 0xBF58476D1CE4E5B9L + s).nextInt(2);
            OnnxTensor coin = Tensors.tensor(Tensors.longsOf(coinValue));
            created.add(coin);
            feeds.put(FeedSchema.PAIR_ORDER_SWAPPED.name(), coin);
        }
    }

    @Override
    public List<String> metrics() {
        return List.of(TrainingGraph.LOSS, HyperDasGraphs.CE_LOSS, HyperDasGraphs.SPARSITY_PENALTY);
    }

    @Override
    public Progress progress(long done, double[] means, int count, TrainStep step) throws OrtException {
        double[] acc = trained.monitor(monitorBatch, step);
        long epoch = (done - 1) / perEpoch;
        return new Progress(String.format("loss %.2f cause %s iso %s", means[0], pct(acc[0]), pct(acc[1])),
                String.format("epoch %d/%d, loss %.4f, ce %.4f, sparsity %.4f (weight %.2f), %s cause %s isolate %s",
                        epoch + 1, epochs, means[0], means[1], means[2], sparsity.get(0),
                        heldOut ? "held-out" : "train-batch", pct(acc[0]), pct(acc[1])));
    }

    static String pct(double v) {
        return Double.isFinite(v) ? String.format("%.0f%%", 100 * v) : "-";
    }

    @Override
    public void close() {
        sparsityTensor.close();
        temperatureTensor.close();
    }
}
