package org.hyperdas.trainer.knowledge;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.ort.Tensors;

/**
 * The batch inputs of the knowledge graphs, over direct buffers allocated once (grown only when a
 * batch is larger than any before) and wrapped in zero-copy tensors cached per batch shape: after
 * the first batches of each shape, filling a batch allocates nothing.
 *
 * <p>Layout: right padding; {@code input_ids}/{@code attention_mask} [b, seq];
 * {@code labels}/{@code label_positions}/{@code label_mask} [b, L] (position of label l = the token
 * before it); {@code example_weights} [b], all 1.
 */
final class TokenBatch implements AutoCloseable {
    static final String LABELS = FeedSchema.TOKEN_LABELS.name();
    static final String LABEL_POSITIONS = FeedSchema.LABEL_POSITIONS.name();
    static final String LABEL_MASK = FeedSchema.TOKEN_LABEL_MASK.name();
    static final String EXAMPLE_WEIGHTS = FeedSchema.EXAMPLE_WEIGHTS.name();

    /** Shapes whose tensors are kept; a training run has a few dozen. */
    private static final int MAX_SHAPES = 256;

    private record Shape(int batch, int seq, int labels) {
    }

    private final long padId;
    private int tokenCapacity;
    private int labelCapacity;
    private int batchCapacity;
    private LongBuffer ids;
    private LongBuffer mask;
    private LongBuffer labels;
    private LongBuffer positions;
    private FloatBuffer labelMask;
    private FloatBuffer weights;
    private final Map<Shape, Map<String, OnnxTensor>> tensors = new HashMap<>();
    private int lastTokens;

    TokenBatch(long padId) {
        this.padId = padId;
    }

    /** Real (non-padding) tokens of the last filled batch. */
    int tokens() {
        return lastTokens;
    }

    /**
     * Writes {@code batch} into the buffers and returns the input tensors for its shape (owned by
     * this object, valid until the next fill that grows the buffers, or close).
     */
    Map<String, OnnxTensor> fill(List<LabeledExample> batch) throws OrtException {
        int b = batch.size();
        int seq = 0;
        int l = 0;
        for (LabeledExample e : batch) {
            seq = Math.max(seq, e.length());
            l = Math.max(l, e.labelCount());
        }
        ensureCapacity(b, b * seq, b * l);
        int tokens = 0;
        for (int i = 0; i < b; i++) {
            LabeledExample e = batch.get(i);
            long[] x = e.ids();
            for (int t = 0; t < seq; t++) {
                boolean real = t < x.length;
                ids.put(i * seq + t, real ? x[t] : padId);
                mask.put(i * seq + t, real ? 1 : 0);
            }
            tokens += x.length;
            int n = e.labelCount();
            for (int j = 0; j < l; j++) {
                boolean real = j < n;
                labels.put(i * l + j, real ? x[e.labelStart() + j] : padId);
                positions.put(i * l + j, real ? e.labelStart() + j - 1 : 0);
                labelMask.put(i * l + j, real ? 1f : 0f);
            }
            weights.put(i, 1f);
        }
        lastTokens = tokens;
        Shape shape = new Shape(b, seq, l);
        Map<String, OnnxTensor> m = tensors.get(shape);
        if (m == null && tensors.size() >= MAX_SHAPES) {
            closeTensors(); // many distinct shapes (a probe's batches): keep the cache bounded
        }
        if (m == null) {
            m = new HashMap<>();
            m.put(FeedSchema.INPUT_IDS.name(), Tensors.tensor(slice(ids, b * seq), b, seq));
            m.put(FeedSchema.ATTENTION_MASK.name(), Tensors.tensor(slice(mask, b * seq), b, seq));
            m.put(LABELS, Tensors.tensor(slice(labels, b * l), b, l));
            m.put(LABEL_POSITIONS, Tensors.tensor(slice(positions, b * l), b, l));
            m.put(LABEL_MASK, Tensors.tensor(slice(labelMask, b * l), b, l));
            m.put(EXAMPLE_WEIGHTS, Tensors.tensor(slice(weights, b), b));
            tensors.put(shape, m);
        }
        return m;
    }

    private static LongBuffer slice(LongBuffer b, int n) {
        return b.duplicate().position(0).limit(n).slice();
    }

    private static FloatBuffer slice(FloatBuffer b, int n) {
        return b.duplicate().position(0).limit(n).slice();
    }

    private void ensureCapacity(int b, int tokens, int labelTokens) {
        if (tokens <= tokenCapacity && labelTokens <= labelCapacity && b <= batchCapacity) {
            return;
        }
        closeTensors();
        tokenCapacity = Math.max(tokens, tokenCapacity * 5 / 4);
        labelCapacity = Math.max(labelTokens, labelCapacity * 5 / 4);
        batchCapacity = Math.max(b, batchCapacity);
        ids = Tensors.longs(tokenCapacity);
        mask = Tensors.longs(tokenCapacity);
        labels = Tensors.longs(labelCapacity);
        positions = Tensors.longs(labelCapacity);
        labelMask = Tensors.floats(labelCapacity);
        weights = Tensors.floats(batchCapacity);
    }

    private void closeTensors() {
        List<OnnxTensor> all = new ArrayList<>();
        tensors.values().forEach(m -> all.addAll(m.values()));
        all.forEach(OnnxTensor::close);
        tensors.clear();
    }

    @Override
    public void close() {
        closeTensors();
    }
}
