package org.hyperdas.trainer.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOverrides;
import org.hyperdas.trainer.PairSource;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.hyperdas.trainer.plan.StepShape;

/**
 * Times HyperDAS training steps on a model folder, as {@code train} runs them (one training graph,
 * one {@link TrainStep}), on one batch of the embedded RAVEL pairs (city, every attribute) fed again
 * each step, so the shapes are those of a real run. Reports graph building, session creation and
 * the steps, and the achieved rate against the analytical FLOP count of {@link StepShape}.
 */
public final class HyperDasStepBenchmark {
    /** What to run; {@code hypernetEmbedding} null: trainable, the reference's. */
    public record Settings(Path model, Integer hypernetLayers, Integer batchSize, int steps, int warmup, int threads,
            HypernetEmbedding hypernetEmbedding) {
        public Settings {
            if (steps < 1 || warmup < 0 || threads < 1 || (batchSize != null && batchSize < 1)
                    || (hypernetLayers != null && hypernetLayers < 1)) {
                throw new BadInputException("bench hyperdas-step: expected --steps >= 1, --warmup >= 0, --threads >= 1,"
                        + " --batch-size >= 1, --hypernet-layers >= 1");
            }
        }
    }

    /** What was measured. */
    public record Result(StepShape shape, long trainableParameters, double buildSeconds, double sessionSeconds,
            double stepSeconds, int steps, double firstLoss, double lastLoss) {
        public double stepsPerSecond() {
            return steps / stepSeconds;
        }

        public double gflopsPerSecond() {
            return shape.flopsPerStep() * stepsPerSecond() / 1e9;
        }
    }

    private HyperDasStepBenchmark() {
    }

    public static Result run(Settings s, PrintStream log) throws Exception {
        OrtEngine engine = OrtEngine.cpu().withIntraOpThreads(s.threads());
        try (TargetModel target = TargetModel.open(s.model(), engine)) {
            MethodOverrides o = new MethodOverrides(null, null, null, s.batchSize(), null, null, null, 0L,
                    s.hypernetLayers(), null, null, null, null);
            InterventionMethod.Configured c = new HyperDasMethod(HyperDasMethod.Settings.defaults())
                    .withHypernetEmbedding(s.hypernetEmbedding()).configure(target, o);
            HyperDasConfig config = ((HyperDasMethod) c.method()).config(target, c.options());
            int batch = c.options().batchSize();
            PairBatch pairs = target.batcher(batch).batch(pairs(batch, log));
            StepShape shape = new StepShape(target.config(), config, batch, (int) pairs.baseIds().shape()[1],
                    (int) pairs.sourceIds().shape()[1], (int) pairs.instructionIds().shape()[1],
                    (int) pairs.labelIds().shape()[1]);
            long t0 = System.nanoTime();
            TrainingGraph training = new HyperDasGraphs(target.config(), target.weights(), config, DType.FLOAT32).training();
            byte[] model = training.model();
            long t1 = System.nanoTime();
            List<OnnxTensor> created = new ArrayList<>();
            FloatBuffer sparsity = Tensors.floatsOf(0f);
            FloatBuffer lr = Tensors.floatsOf(1f);
            // As train does: in place on large targets, initial values straight into the step's
            // off-heap buffers (a billion floats do not fit the heap).
            try (OrtSession session = target.session(model);
                    TrainStep step = HyperDasMethod.trainStep(target, config, session, training);
                    OnnxTensor sparsityTensor = Tensors.tensor(sparsity);
                    OnnxTensor lrTensor = Tensors.tensor(lr)) {
                long t2 = System.nanoTime();
                HyperDasParameters.initialInto(target.config(), config, target.weightStore(), step::writableFloats);
                Map<String, OnnxTensor> feeds = new java.util.HashMap<>(HyperDasMethod.feeds(pairs, true, created));
                feeds.put(FeedSchema.SPARSITY_WEIGHT.name(), sparsityTensor);
                feeds.put(training.lrScaleInput(), lrTensor);
                double first = Double.NaN;
                for (int i = 0; i < s.warmup(); i++) {
                    first = step.step(feeds).get(TrainingGraph.LOSS);
                }
                long t3 = System.nanoTime();
                double last = Double.NaN;
                for (int i = 0; i < s.steps(); i++) {
                    last = step.step(feeds).get(TrainingGraph.LOSS);
                    if (Double.isNaN(first)) {
                        first = last;
                    }
                }
                long t4 = System.nanoTime();
                return new Result(shape, shape.trainableParameters(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t4 - t3) / 1e9,
                        s.steps(), first, last);
            } finally {
                created.forEach(OnnxTensor::close);
            }
        }
    }

    /** The first {@code batch} city training pairs of the embedded dataset, cause and isolate interleaved. */
    private static List<Pair> pairs(int batch, PrintStream log) {
        List<Pair> all = new PairSource(null, null, List.of("city"), List.of(),
                PairSource.embedded(0).pairOptions()).load(List.of(PairSplit.TRAIN), log).pairs();
        List<Pair> out = new ArrayList<>();
        for (int i = 0; out.size() < batch; i++) {
            out.add(all.get(i % all.size()));
        }
        return out;
    }
}
