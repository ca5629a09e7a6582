package org.hyperdas.trainer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.intervention.DasRotation;
import org.hyperdas.graphs.intervention.Interchange;
import org.hyperdas.graphs.intervention.Intervention;
import org.hyperdas.graphs.intervention.InterventionGraph;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.ort.Tensors;

/**
 * Runs the target model with one kind of intervention over batches of pairs: one graph and one
 * session per runner, reused for every batch; inputs are the batcher's direct buffers, wrapped
 * without copying. Sites are the default ones, the last entity token of base and source.
 */
public final class InterventionRunner implements AutoCloseable {
    /** The graph kinds. */
    public enum Kind {
        /** No intervention, no source (knowledge checks, references). */
        PLAIN,
        /** Full-vector interchange at the sites. */
        PATCHING,
        /** DAS interchange inside the span of a fed R [hidden, k]. */
        ROTATION
    }

    /** Raw outputs of one batch. */
    public record BatchResult(int batch, int labels, long[] predictions, boolean[] correct, float[] labelLogits) {
    }

    private final TargetModel target;
    private final Kind kind;
    private final int layer;
    private final boolean withLogits;
    private final OrtSession session;
    private final Set<String> outputs;

    private InterventionRunner(TargetModel target, Kind kind, int layer, boolean withLogits, OrtSession session) {
        this.target = target;
        this.kind = kind;
        this.layer = layer;
        this.withLogits = withLogits;
        this.session = session;
        Set<String> o = new LinkedHashSet<>(List.of(InterventionGraph.PREDICTIONS, InterventionGraph.CORRECT));
        if (withLogits) {
            o.add(InterventionGraph.LABEL_LOGITS);
        }
        this.outputs = o;
    }

    /**
     * Builds the graph of {@code kind} at {@code layer} (ignored for PLAIN) and opens its session.
     *
     * @param withLogits also fetch the label-position logits (tests and controls)
     */
    public static InterventionRunner open(TargetModel target, Kind kind, int layer, boolean withLogits)
            throws OrtException {
        Graph g = new Graph("intervention_" + kind.name().toLowerCase() + "_" + layer);
        if (kind == Kind.PLAIN) {
            InterventionGraph.plain(g, target.config(), target.weights()).finish(Intervention.NONE, false, withLogits);
        } else {
            InterventionGraph ig = InterventionGraph.create(g, target.config(), target.weights(), layer);
            Intervention iv = kind == Kind.PATCHING ? Interchange.FULL
                    : DasRotation.of(DasRotation.input(g, target.hiddenSize(), DType.FLOAT32));
            ig.finish(iv, false, withLogits);
        }
        return new InterventionRunner(target, kind, layer, withLogits, target.session(g));
    }

    public Kind kind() {
        return kind;
    }

    public int layer() {
        return layer;
    }

    /**
     * The token, site and label feeds of a batch (sites: the last entity token of base and
     * source), as tensors over the batch's direct buffers; each created tensor is added to
     * {@code created} for the caller to close after the run.
     *
     * @param withSource also the source and site inputs (every kind but PLAIN)
     */
    public static Map<String, OnnxTensor> feeds(PairBatch b, boolean withSource, List<OnnxTensor> created)
            throws OrtException {
        Map<String, OnnxTensor> f = new HashMap<>();
        BatchFeeds.put(f, created, FeedSchema.BASE_IDS.name(), b.baseIds());
        BatchFeeds.put(f, created, FeedSchema.BASE_MASK.name(), b.baseMask());
        BatchFeeds.put(f, created, FeedSchema.LABEL_IDS.name(), b.labelIds());
        BatchFeeds.put(f, created, FeedSchema.LABEL_POSITIONS.name(), b.labelPositions());
        BatchFeeds.put(f, created, FeedSchema.LABEL_MASK.name(), b.labelMask());
        if (withSource) {
            BatchFeeds.put(f, created, FeedSchema.SOURCE_IDS.name(), b.sourceIds());
            BatchFeeds.put(f, created, FeedSchema.SOURCE_MASK.name(), b.sourceMask());
            long n = b.size();
            f.put(FeedSchema.BASE_POSITIONS.name(), BatchFeeds.track(created, Tensors.tensor(b.baseEntityLast().data(), n, 1)));
            f.put(FeedSchema.SOURCE_POSITIONS.name(),
                    BatchFeeds.track(created, Tensors.tensor(b.sourceEntityLast().data(), n, 1)));
            LongBuffer ones = Tensors.longs(n);
            for (int i = 0; i < n; i++) {
                ones.put(i, 1);
            }
            f.put(FeedSchema.SITE_MASK.name(), BatchFeeds.track(created, Tensors.tensor(ones, n, 1)));
        }
        return f;
    }

    /**
     * Runs one batch.
     *
     * @param rotation R row-major [hidden, k] as a direct buffer (ROTATION only, else null)
     */
    public BatchResult run(PairBatch batch, FloatBuffer rotation, int k) throws OrtException {
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> f = feeds(batch, kind != Kind.PLAIN, created);
            if (kind == Kind.ROTATION) {
                if (rotation == null) {
                    throw new IllegalArgumentException("a ROTATION runner needs R");
                }
                f.put(DasRotation.ROTATION, BatchFeeds.track(created,
                        Tensors.tensor(rotation.duplicate().rewind(), target.hiddenSize(), k)));
            }
            try (OrtSession.Result r = session.run(f, outputs)) {
                OnnxTensor pred = (OnnxTensor) r.get(InterventionGraph.PREDICTIONS).orElseThrow();
                long[] shape = pred.getInfo().getShape();
                long[] predictions = Tensors.toLongArray(pred);
                ByteBuffer flags = ((OnnxTensor) r.get(InterventionGraph.CORRECT).orElseThrow()).getByteBuffer();
                boolean[] correct = new boolean[batch.size()];
                for (int i = 0; i < correct.length; i++) {
                    correct[i] = flags.get(i) != 0;
                }
                float[] logits = withLogits
                        ? Tensors.toFloatArray((OnnxTensor) r.get(InterventionGraph.LABEL_LOGITS).orElseThrow()) : null;
                return new BatchResult(batch.size(), (int) shape[1], predictions, correct, logits);
            }
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    /**
     * Outcomes for {@code pairs}, in their order. Pairs are run in batches of similar prompt length
     * (less padding); {@code rotation} is R [hidden, k] for ROTATION, else null.
     */
    public List<Outcome> evaluate(List<Pair> pairs, float[] rotation, int k, int batchSize) throws OrtException {
        FloatBuffer r = rotation == null ? null : Tensors.floatsOf(rotation);
        return LengthSortedEvaluation.evaluate(target, pairs, batchSize, batch -> {
            BatchResult res = run(batch, r, k);
            return new LengthSortedEvaluation.Predictions(res.predictions(), res.labels(), res.correct());
        });
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
