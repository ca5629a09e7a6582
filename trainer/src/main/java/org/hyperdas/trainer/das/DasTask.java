package org.hyperdas.trainer.das;

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
import org.hyperdas.graphs.optim.LrSchedule;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.InterventionRunner;
import org.hyperdas.trainer.TrainTask;

/**
 * One attribute's DAS / MDAS training for {@link org.hyperdas.trainer.TrainLoop}: batches drawn
 * from the attribute's cause pairs (MDAS: half cause, half isolate), each pool reshuffled after
 * every pass by its own seeded random; linear warm-up and decay. A resumed run replays the draws of
 * the steps already done, so it sees the batches an uninterrupted run would.
 */
final class DasTask implements TrainTask {
    private final DasTrainer.Options options;
    private final Sampler causes;
    private final Sampler isolates;
    private final LrSchedule schedule;
    private final Batcher batcher;
    private double lastAccuracy = Double.NaN;

    DasTask(DasTrainer.Options options, List<Pair> cause, List<Pair> iso, long seed, Batcher batcher) {
        this.options = options;
        this.causes = new Sampler(cause, new SplittableRandom(seed ^ 0x5DEECE66DL));
        this.isolates = new Sampler(iso, new SplittableRandom(seed ^ 0xB5AD4ECEDA1CE2A9L));
        this.schedule = LrSchedule.linear(Math.min(options.warmupSteps(), options.steps()), options.steps());
        this.batcher = batcher;
    }

    @Override
    public long totalSteps() {
        return options.steps();
    }

    @Override
    public double lrScale(long completed) {
        return schedule.factor(completed);
    }

    /** The pairs of the next step, drawn from the samplers. */
    private List<Pair> draw() {
        List<Pair> batch = new ArrayList<>(options.batchSize());
        int wantIsolate = isolates.isEmpty() ? 0 : causes.isEmpty() ? options.batchSize() : options.batchSize() / 2;
        causes.take(options.batchSize() - wantIsolate, batch);
        isolates.take(wantIsolate, batch);
        return batch;
    }

    @Override
    public void resumeAt(long completed) {
        for (long s = 0; s < completed; s++) {
            draw();
        }
    }

    @Override
    public void feed(long completed, Map<String, OnnxTensor> feeds, List<OnnxTensor> created) throws OrtException {
        List<Pair> batch = draw();
        PairBatch pb = batcher.batch(batch);
        FloatBuffer weights = Tensors.floats(pb.size());
        for (int i = 0; i < pb.size(); i++) {
            weights.put(i, (float) (batch.get(i).kind() == PairKind.CAUSE ? options.causeWeight()
                    : options.isolateWeight()));
        }
        feeds.putAll(InterventionRunner.feeds(pb, true, created));
        OnnxTensor w = Tensors.tensor(weights, pb.size());
        created.add(w);
        feeds.put(FeedSchema.EXAMPLE_WEIGHTS.name(), w);
    }

    @Override
    public void afterStep(long done, StepResult result) {
        lastAccuracy = result.get(DasTrainer.ACCURACY);
    }

    @Override
    public Progress progress(long done, double[] means, int count, TrainStep step) {
        return new Progress(String.format("loss %.3f acc %.2f", means[0], lastAccuracy),
                String.format("loss %.4f (mean of last %d), batch accuracy %.2f", means[0], count, lastAccuracy));
    }

    /** Draws pairs without replacement, reshuffling after each pass. */
    static final class Sampler {
        private final List<Pair> pool;
        private final SplittableRandom random;
        private final int[] order;
        private int next;

        Sampler(List<Pair> pool, SplittableRandom random) {
            this.pool = pool;
            this.random = random;
            this.order = new int[pool.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            next = order.length;
        }

        boolean isEmpty() {
            return pool.isEmpty();
        }

        void take(int n, List<Pair> into) {
            for (int i = 0; i < n && !pool.isEmpty(); i++) {
                if (next == order.length) {
                    for (int j = order.length - 1; j > 0; j--) {
                        int r = random.nextInt(j + 1);
                        int t = order[j];
                        order[j] = order[r];
                        order[r] = t;
                    }
                    next = 0;
                }
                into.add(pool.get(order[next++]));
            }
        }
    }
}
