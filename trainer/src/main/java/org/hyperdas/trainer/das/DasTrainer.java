package org.hyperdas.trainer.das;

import org.hyperdas.runtime.feeds.FeedSchema;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.intervention.DasRotation;
import org.hyperdas.graphs.intervention.InterventionGraph;
import org.hyperdas.graphs.intervention.OrthogonalSubspace;
import org.hyperdas.graphs.optim.AdamWConfig;
import org.hyperdas.graphs.optim.ParamGroup;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.RunControl;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.TrainLoop;

/**
 * Trains DAS subspaces: for one target attribute at a time, the Householder vectors of R (the only
 * parameters; the target's weights are frozen external-data initializers) by AdamW on the
 * cross-entropy of the teacher-forced label tokens after the interchange
 * {@code h' = h + R R^T (h_s - h)} at the last entity token of layer L.
 *
 * <p>One training model and one session serve every attribute: each attribute gets a fresh
 * {@link TrainStep} over that session, starting from seeded vectors. Batches: DAS draws them from
 * the attribute's cause pairs; multi-task DAS draws half of each batch from its cause pairs and
 * half from its isolate pairs (pools reshuffled each pass, seeded). R stays orthonormal by
 * construction ({@link OrthogonalSubspace}); the result reports |R^T R - I|.
 */
public final class DasTrainer implements AutoCloseable {
    /** Name of the training accuracy metric (first {@value org.hyperdas.graphs.intervention.FeedSchema#SCORED_LABEL_TOKENS} label tokens right). */
    public static final String ACCURACY = "accuracy";

    /**
     * @param multiTask also train on isolate pairs (MDAS)
     * @param causeWeight loss weight of a cause example
     * @param isolateWeight loss weight of an isolate example
     */
    public record Options(int layer, int k, int steps, int batchSize, double lr, int warmupSteps, long seed,
            boolean multiTask, double causeWeight, double isolateWeight) {
        public static Options from(MethodOptions o, boolean multiTask) {
            return new Options(o.layer(), o.k(), o.steps(), o.batchSize(), o.lr(), o.warmupSteps(), o.seed(),
                    multiTask, 1.0, 1.0);
        }
    }

    /**
     * One attribute's trained subspace and how training went.
     *
     * @param resumedAt the steps a checkpoint had already done (0 for a fresh run)
     * @param firstLoss the loss of step 1 (NaN when a resumed run did not run it)
     */
    public record Result(String entityType, String attribute, int k, float[] vectors, float[] rotation,
            int causePairs, int isolatePairs, int steps, long resumedAt, double firstLoss, double lastLoss,
            double lastAccuracy, double orthonormalityError) {
        /** No training (k = 0 or no pairs): an empty R. */
        public static Result empty(String entityType, String attribute) {
            return new Result(entityType, attribute, 0, new float[0], new float[0], 0, 0, 0, 0, Double.NaN,
                    Double.NaN, Double.NaN, 0);
        }

        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("k", k);
            m.put("cause_pairs", causePairs);
            m.put("isolate_pairs", isolatePairs);
            m.put("steps", steps);
            m.put("resumed_at", resumedAt);
            m.put("first_loss", finite(firstLoss));
            m.put("last_loss", finite(lastLoss));
            m.put("last_batch_accuracy", finite(lastAccuracy));
            m.put("orthonormality_error", orthonormalityError);
            return m;
        }

        private static Object finite(double v) {
            return Double.isFinite(v) ? v : null;
        }
    }

    private final TargetModel target;
    private final Options options;
    private final TrainingGraph training;
    private final OrtSession session;

    public DasTrainer(TargetModel target, Options options) throws OrtException {
        this.target = target;
        this.options = options;
        this.training = trainingGraph(target, options);
        this.session = target.session(training.model());
    }

    /** The one-step training model: intervention graph + loss + AdamW on the Householder vectors. */
    static TrainingGraph trainingGraph(TargetModel target, Options o) {
        Graph g = new Graph("das_train_" + o.layer() + "_" + o.k());
        InterventionGraph ig = InterventionGraph.create(g, target.config(), target.weights(), o.layer());
        DasRotation.Trainable r = DasRotation.trainable(g, target.hiddenSize(), o.k(), DType.FLOAT32);
        InterventionGraph.Outputs out = ig.finish(DasRotation.of(r.rotation()), true, false);
        return TrainingGraph.builder(out.loss())
                .group(new ParamGroup("rotation", o.lr(), 0.0))
                .params("rotation", r.vectors())
                .optimizer(AdamWConfig.defaults())
                .scheduledLr(true)
                .metric(ACCURACY, out.correct().cast(DType.FLOAT32).reduceMean(false))
                .build();
    }

    /** The seed of one attribute's initial vectors and batch order. */
    static long seedFor(long seed, String entityType, String attribute) {
        long h = 1125899906842597L;
        for (byte b : (entityType + "\u0000" + attribute).getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        return new SplittableRandom(seed ^ h).nextLong();
    }

    /** Trains R for one attribute without checkpoints; see {@link #train(String, String, List, List, RunControl, PrintStream)}. */
    public Result train(String entityType, String attribute, List<Pair> cause, List<Pair> isolate, PrintStream log)
            throws IOException, OrtException {
        return train(entityType, attribute, cause, isolate, RunControl.none(), log);
    }

    /**
     * Trains R for one attribute.
     *
     * @param cause the attribute's cause pairs (training split, known to the model)
     * @param isolate its isolate pairs (used only when multi-task)
     * @param control checkpoints ({@code checkpoints/{type}.{attribute}.safetensors} in the run
     *     folder) and resume
     */
    public Result train(String entityType, String attribute, List<Pair> cause, List<Pair> isolate, RunControl control,
            PrintStream log) throws IOException, OrtException {
        int d = target.hiddenSize();
        int k = options.k();
        List<Pair> iso = options.multiTask() ? isolate : List.of();
        if (cause.isEmpty() && iso.isEmpty()) {
            log.printf("%s/%s: no training pairs the model knows; R stays empty (k = 0)%n", entityType, attribute);
            return Result.empty(entityType, attribute);
        }
        long seed = seedFor(options.seed(), entityType, attribute);
        float[] init = OrthogonalSubspace.initialVectors(seed, k, d);
        DasTask task = new DasTask(options, cause, iso, seed, target.batcher(options.batchSize()));
        String name = (options.multiTask() ? "mdas " : "das ") + entityType + "/" + attribute;
        TrainLoop.Settings loop = new TrainLoop.Settings(name, control.stopAfter(),
                control.progressEvery(PROGRESS_EVERY), 0, checkpoint(entityType, attribute, cause, iso, control));
        try (TrainStep step = new TrainStep(session, training.stepSpec(Map.of(DasRotation.HOUSEHOLDER, init)))) {
            TrainLoop.Result r = new TrainLoop(loop, log).run(step, training.lrScaleInput(), task);
            float[] vectors = step.floats(DasRotation.HOUSEHOLDER);
            float[] rotation = OrthogonalSubspace.rotationFloats(vectors, k, d);
            return new Result(entityType, attribute, k, vectors, rotation, cause.size(), iso.size(), options.steps(),
                    r.resumedAt(), r.firstLoss(), r.last(TrainingGraph.LOSS), r.last(ACCURACY),
                    OrthogonalSubspace.orthonormalityError(rotation, d, k));
        }
    }

    /** Steps between progress lines unless the run control says otherwise. */
    public static final int PROGRESS_EVERY = 50;

    /** The checkpoint of one attribute's R, or null when the run keeps none. */
    private TrainLoop.Checkpoint checkpoint(String entityType, String attribute, List<Pair> cause, List<Pair> iso,
            RunControl control) {
        java.nio.file.Path file = control.checkpoint("checkpoints/" + DasMethod.key(entityType, attribute)
                + ".safetensors");
        if (file == null) {
            return null;
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("method", options.multiTask() ? "mdas" : "das");
        meta.put("entity_type", entityType);
        meta.put("attribute", attribute);
        meta.put("total_steps", Integer.toString(options.steps()));
        meta.put("seed", Long.toString(options.seed()));
        meta.put("layer", Integer.toString(options.layer()));
        meta.put("k", Integer.toString(options.k()));
        meta.put("batch_size", Integer.toString(options.batchSize()));
        meta.put("lr", Double.toString(options.lr()));
        meta.put("cause_pairs", Integer.toString(cause.size()));
        meta.put("isolate_pairs", Integer.toString(iso.size()));
        return new TrainLoop.Checkpoint(file, control.checkpointEvery(), control.resume(), meta);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
