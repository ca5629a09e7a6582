package org.hyperdas.graphs.hyperdas;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.TinyLlamas;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.Tensors;

/** A tiny random target, a HyperDAS config for it, and a small padded batch. */
final class HyperDasFixtures {
    static final int BATCH = 2;
    /** Base rows: 7 and 5 real tokens (right padding); intervention masks over the first 4 and 3. */
    static final long[] BASE_IDS_V = {1, 5, 9, 3, 7, 11, 12, 1, 6, 10, 4, 8, 0, 0};
    static final long[] BASE_MASK_V = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    static final long[] BASE_IV_V = {1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0};
    /** Source rows: 6 and 4 real tokens; intervention masks over the first 4 and 2. */
    static final long[] SOURCE_IDS_V = {1, 13, 14, 3, 7, 15, 1, 16, 4, 8, 0, 0};
    static final long[] SOURCE_MASK_V = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    static final long[] SOURCE_IV_V = {1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0};
    static final long[] INSTRUCTION_IDS_V = {1, 17, 18, 19, 20, 1, 21, 22, 0, 0};
    static final long[] INSTRUCTION_MASK_V = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    /** Labels: row 0 predicts tokens 5 and 6 from positions 4 and 5; row 1 one token from position 4. */
    static final long[] LABEL_IDS_V = {11, 12, 8, 0};
    static final long[] LABEL_MASK_V = {1, 1, 1, 0};
    static final long[] LABEL_POSITIONS_V = {4, 5, 3, 0};
    static final int TB = 7;
    static final int TS = 6;
    static final int TI = 5;
    static final int TL = 2;

    private HyperDasFixtures() {
    }

    /** 3 blocks, hidden 16, GQA 4/2 heads of 8, vocab 32, llama3 rope scaling, untied. */
    static LlamaConfig target() {
        return TinyLlamas.config(3, false, false);
    }

    static Map<String, HostTensor> targetWeights(LlamaConfig target, DType dtype) {
        return TinyLlamas.weights(target, 7, dtype);
    }

    /** L = 1, k = 4, N = 2, 2 selection heads, Householder MLP 12 wide. */
    static HyperDasConfig config(LlamaConfig target) {
        return HyperDasConfig.reference(target).withLearningRates(1e-3, 3e-2).withLossWeights(3.5, 2.5).withLayer(1).withSubspaceDim(4).withHypernetLayers(2)
                .withSelectionHeads(2).withHouseholderIntermediate(12).withSeed(3);
    }

    /** The batch inputs of the evaluation graphs. */
    static Map<String, HostTensor> batch() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put(FeedSchema.BASE_IDS.name(), HostTensor.ofLongs(BASE_IDS_V, BATCH, TB));
        m.put(FeedSchema.BASE_MASK.name(), HostTensor.ofLongs(BASE_MASK_V, BATCH, TB));
        m.put(FeedSchema.BASE_INTERVENTION_MASK.name(), HostTensor.ofLongs(BASE_IV_V, BATCH, TB));
        m.put(FeedSchema.SOURCE_IDS.name(), HostTensor.ofLongs(SOURCE_IDS_V, BATCH, TS));
        m.put(FeedSchema.SOURCE_MASK.name(), HostTensor.ofLongs(SOURCE_MASK_V, BATCH, TS));
        m.put(FeedSchema.SOURCE_INTERVENTION_MASK.name(), HostTensor.ofLongs(SOURCE_IV_V, BATCH, TS));
        m.put(FeedSchema.INSTRUCTION_IDS.name(), HostTensor.ofLongs(INSTRUCTION_IDS_V, BATCH, TI));
        m.put(FeedSchema.INSTRUCTION_MASK.name(), HostTensor.ofLongs(INSTRUCTION_MASK_V, BATCH, TI));
        m.put(FeedSchema.LABEL_IDS.name(), HostTensor.ofLongs(LABEL_IDS_V, BATCH, TL));
        m.put(FeedSchema.LABEL_MASK.name(), HostTensor.ofLongs(LABEL_MASK_V, BATCH, TL));
        m.put(FeedSchema.LABEL_POSITIONS.name(), HostTensor.ofLongs(LABEL_POSITIONS_V, BATCH, TL));
        return m;
    }

    /** The batch with the training inputs too. */
    static Map<String, HostTensor> trainingBatch(double sparsityWeight, DType dtype) {
        Map<String, HostTensor> m = batch();
        m.put(FeedSchema.IS_CAUSE.name(), HostTensor.ofLongs(new long[] {1, 0}, BATCH));
        m.put(FeedSchema.SPARSITY_WEIGHT.name(), HostTensor.scalar(sparsityWeight, dtype));
        return m;
    }

    /** The training batch's int64 feeds as ONNX Runtime tensors, each also added to {@code owned} to close. */
    static Map<String, OnnxTensor> int64Feeds(List<OnnxTensor> owned) throws OrtException {
        Map<String, OnnxTensor> batch = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : trainingBatch(0, DType.FLOAT32).entrySet()) {
            if (e.getValue().dtype() == DType.INT64) {
                OnnxTensor t = Tensors.tensor(Tensors.longsOf(e.getValue().toLongs()), e.getValue().shape());
                owned.add(t);
                batch.put(e.getKey(), t);
            }
        }
        return batch;
    }

    /** The batch with the source replaced by the base (ids, mask and intervention mask). */
    static Map<String, HostTensor> baseAsSource() {
        Map<String, HostTensor> m = batch();
        m.put(FeedSchema.SOURCE_IDS.name(), m.get(FeedSchema.BASE_IDS.name()));
        m.put(FeedSchema.SOURCE_MASK.name(), m.get(FeedSchema.BASE_MASK.name()));
        m.put(FeedSchema.SOURCE_INTERVENTION_MASK.name(), m.get(FeedSchema.BASE_INTERVENTION_MASK.name()));
        return m;
    }

    /**
     * Parameter values: the HyperDAS init (copies of the target) with every tensor then moved by
     * N(0, noise), so properties are checked for weights far from the init.
     */
    static Map<String, HostTensor> parameters(LlamaConfig target, HyperDasConfig config, DType dtype, double noise,
            long seed) {
        Map<String, HostTensor> targetTensors = targetWeights(target, DType.FLOAT64);
        Map<String, double[]> init = HyperDasParameters.initial(target, config, HyperDasParameters.reader(targetTensors));
        Map<String, long[]> shapes = HyperDasParameters.shapes(target, config);
        Random random = new Random(seed);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        init.forEach((name, values) -> {
            double[] v = values.clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += noise * random.nextGaussian();
            }
            out.put(name, tensor(v, shapes.get(name), dtype));
        });
        return out;
    }

    static HostTensor tensor(double[] values, long[] shape, DType dtype) {
        return dtype == DType.FLOAT64 ? HostTensor.ofDoubles(values, shape)
                : HostTensor.ofFloats(TinyLlamas.toFloats(values), shape);
    }

    /** The entries of {@code feeds} that are inputs of {@code g}. */
    static Map<String, HostTensor> inputsOf(Graph g, Map<String, HostTensor> feeds) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Value in : g.inputs()) {
            HostTensor t = feeds.get(in.name());
            if (t == null) {
                throw new IllegalArgumentException("no value for graph input '" + in.name() + "'");
            }
            out.put(in.name(), t);
        }
        return out;
    }

    static Map<String, HostTensor> merged(Map<String, HostTensor> a, Map<String, HostTensor> b) {
        Map<String, HostTensor> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
