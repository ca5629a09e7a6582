package org.hyperdas.trainer.knowledge;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.optim.LrSchedule;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.train.StepResult;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.TrainTask;
import org.hyperdas.trainer.tokenizer.WordLevelTokenizerBuilder;

/**
 * Knowledge-model pretraining for {@link org.hyperdas.trainer.TrainLoop}: epochs of shuffled,
 * length-grouped batches (the batches of an epoch depend only on the seed and the epoch, so a
 * resumed run sees the same ones), warm-up then cosine or linear decay, and the loss of each epoch.
 */
final class KnowledgeTask implements TrainTask {
    private final PretrainOptions options;
    private final KnowledgeCorpus corpus;
    private final HfTokenizer tokenizer;
    private final TokenBatch batch;
    private final int stepsPerEpoch;
    private final long totalSteps;
    private final long stopAt;
    private final LrSchedule schedule;
    private final List<Double> epochLosses = new ArrayList<>();
    private final long started = System.nanoTime();
    private List<List<LabeledExample>> batches;
    private int batchesEpoch;
    private long tokens;
    private double epochLoss;
    private int epochSteps;

    KnowledgeTask(PretrainOptions options, KnowledgeCorpus corpus, HfTokenizer tokenizer, TokenBatch batch,
            List<List<LabeledExample>> firstEpoch, long stopAfterSteps) {
        this.options = options;
        this.corpus = corpus;
        this.tokenizer = tokenizer;
        this.batch = batch;
        int perEpoch = corpus.sentencesPerEpoch(options.templatesPerFact());
        this.stepsPerEpoch = (perEpoch + options.batchSize() - 1) / options.batchSize();
        this.totalSteps = (long) stepsPerEpoch * options.epochs();
        this.stopAt = stopAfterSteps > 0 ? Math.min(stopAfterSteps, totalSteps) : totalSteps;
        long warmup = Math.round(options.warmupFraction() * totalSteps);
        this.schedule = options.schedule().equals("linear") ? LrSchedule.linear(warmup, totalSteps)
                : LrSchedule.cosine(warmup, totalSteps);
        this.batches = firstEpoch;
        this.batchesEpoch = 0;
    }

    int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** Mean loss of each epoch over the steps run in this process. */
    List<Double> epochLosses() {
        return epochLosses;
    }

    @Override
    public long totalSteps() {
        return totalSteps;
    }

    @Override
    public double lrScale(long completed) {
        return schedule.factor(completed);
    }

    @Override
    public void feed(long completed, Map<String, OnnxTensor> feeds, List<OnnxTensor> created) throws OrtException {
        int epoch = (int) (completed / stepsPerEpoch);
        if (epoch != batchesEpoch) {
            batches = epochBatches(options, corpus, tokenizer, epoch);
            batchesEpoch = epoch;
        }
        feeds.putAll(batch.fill(batches.get((int) (completed % stepsPerEpoch))));
    }

    @Override
    public List<String> metrics() {
        return List.of(TrainingGraph.LOSS, KnowledgeGraphs.ACCURACY);
    }

    @Override
    public void afterStep(long done, StepResult result) {
        tokens += batch.tokens();
        epochLoss += result.get(TrainingGraph.LOSS);
        epochSteps++;
        if (done % stepsPerEpoch == 0 || done == stopAt) {
            epochLosses.add(epochLoss / epochSteps);
            epochLoss = 0;
            epochSteps = 0;
        }
    }

    @Override
    public Progress progress(long done, double[] means, int count, TrainStep step) {
        double seconds = (System.nanoTime() - started) / 1e9;
        double lr = schedule.factor(done - 1) * options.lr();
        long epoch = (done - 1) / stepsPerEpoch;
        return new Progress(String.format(Locale.ROOT, "loss %.3f acc %.3f", means[0], means[1]),
                String.format(Locale.ROOT, "epoch %d/%d, loss %.4f, acc %.3f, lr %.2e, %,.0f tok/s", epoch + 1,
                        options.epochs(), means[0], means[1], lr, tokens / Math.max(1e-9, seconds)));
    }

    /**
     * Batches of one epoch: its sentences shuffled (seed, epoch), grouped by length within windows of
     * 32 batches (less padding), and the batches shuffled again.
     */
    static List<List<LabeledExample>> epochBatches(PretrainOptions options, KnowledgeCorpus corpus,
            HfTokenizer tokenizer, int epoch) {
        List<KnowledgeCorpus.Sentence> sentences = new ArrayList<>(corpus.epoch(options.seed(), epoch,
                options.templatesPerFact()));
        Random random = new Random(options.seed() * 0x9E3779B97F4A7C15L + epoch);
        Collections.shuffle(sentences, random);
        List<LabeledExample> examples = LabeledExample.tokenize(tokenizer,
                sentences.stream().map(KnowledgeCorpus.Sentence::prompt).toList(),
                sentences.stream().map(KnowledgeCorpus.Sentence::value).toList(), 0, true);
        long unk = WordLevelTokenizerBuilder.UNK_ID;
        for (LabeledExample e : examples) {
            for (long id : e.ids()) {
                if (id == unk) {
                    throw new IllegalStateException("pretrain: a training sentence has an unknown token: "
                            + tokenizer.decode(e.ids()));
                }
            }
        }
        int b = options.batchSize();
        int window = b * 32;
        List<List<LabeledExample>> batches = new ArrayList<>();
        for (int start = 0; start < examples.size(); start += window) {
            List<LabeledExample> w = new ArrayList<>(examples.subList(start, Math.min(examples.size(), start + window)));
            w.sort(Comparator.comparingInt(LabeledExample::length));
            for (int i = 0; i < w.size(); i += b) {
                batches.add(List.copyOf(w.subList(i, Math.min(w.size(), i + b))));
            }
        }
        Collections.shuffle(batches, random);
        return batches;
    }
}
