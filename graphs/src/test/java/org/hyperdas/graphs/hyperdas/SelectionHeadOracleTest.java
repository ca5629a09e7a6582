package org.hyperdas.graphs.hyperdas;

import static org.hyperdas.graphs.hyperdas.TinyHyperDas.HEAD_DIM;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.HIDDEN;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.KV_HEADS;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.THETA;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.NaiveLayers;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

/**
 * {@link SelectionHead#weights} run by ONNX Runtime against a plain-Java forward of HYPERDAS.md's
 * "Token-position selection head" (pair features, SELF row, RoPE over the flattened visible pairs,
 * head-mean scores, masked column softmax), on random states, masks with hidden pairs, and weights.
 */
class SelectionHeadOracleTest {
    private static final int B = 2;
    private static final int TB = 5;
    private static final int S = 4;
    private static final int HEADS = 2;
    /** Row 1 hides two base columns and a source row, so columns with only SELF visible occur. */
    private static final long[] BASE_MASK = {1, 1, 1, 0, 1, 0, 1, 1, 0, 1};
    private static final long[] SOURCE_MASK = {1, 1, 1, 1, 1, 0, 1, 0};
    private static final long[] LAST_POSITION = {7, 3};

    @Test
    void softWeightsMatchThePlainJavaForward() throws Exception {
        LlamaConfig target = TinyHyperDas.target();
        HyperDasConfig config = TinyHyperDas.config(target);
        Graph g = new Graph("selection");
        Value baseStates = g.input("base_states", DType.FLOAT64, Shape.of(B, TB, HIDDEN));
        Value baseMask = g.input("base_mask", DType.INT64, Shape.of(B, TB));
        Value sourceStates = g.input("source_states", DType.FLOAT64, Shape.of(B, S, HIDDEN));
        Value sourceMask = g.input("source_mask", DType.INT64, Shape.of(B, S));
        Value last = g.input("last", DType.FLOAT64, Shape.of(B, HIDDEN));
        Value lastPosition = g.input("last_position", DType.INT64, Shape.of(B, 1));
        HyperNetwork.Output query = new HyperNetwork.Output(last.unsqueeze(1), last, lastPosition);
        g.output("w", SelectionHead.weights(target, config, LlamaWeights.inputs(DType.FLOAT64), baseStates, baseMask,
                sourceStates, sourceMask, query));

        Random random = new Random(17);
        Map<String, HostTensor> data = new LinkedHashMap<>();
        data.put("base_states", HostTensor.ofDoubles(PlainHyperDas.gaussian(random, B * TB * HIDDEN), B, TB, HIDDEN));
        data.put("base_mask", HostTensor.ofLongs(BASE_MASK, B, TB));
        data.put("source_states", HostTensor.ofDoubles(PlainHyperDas.gaussian(random, B * S * HIDDEN), B, S, HIDDEN));
        data.put("source_mask", HostTensor.ofLongs(SOURCE_MASK, B, S));
        data.put("last", HostTensor.ofDoubles(PlainHyperDas.gaussian(random, B * HIDDEN), B, HIDDEN));
        data.put("last_position", HostTensor.ofLongs(LAST_POSITION, B, 1));
        Map<String, HostTensor> feeds = PlainHyperDas.randomWeights(g, data, 5);

        double[] actual;
        try (GraphRunner r = GraphRunner.open(g)) {
            actual = r.run(feeds).get("w").toDoubles();
        }
        double[] expected = oracle(feeds);
        double diff = HyperDasFixtures.maxAbsDiff(expected, actual);
        System.out.printf("HyperDAS selection head: ONNX vs plain Java max abs diff %.2e%n", diff);
        assertTrue(diff < 1e-5, "max abs diff " + diff);
        assertTrue(spread(expected) > 0.05, "the weights are too uniform to tell anything apart");
    }

    /** W [B, S + 1, TB] by the formulas of HYPERDAS.md, loop by loop. */
    private static double[] oracle(Map<String, HostTensor> feeds) {
        double[] pair = feeds.get(SelectionHead.PAIR_PROJ).toDoubles(); // [d, 2d]
        double[] qProj = feeds.get(SelectionHead.Q_PROJ).toDoubles(); // [H * hd, d]
        double[] kProj = feeds.get(SelectionHead.K_PROJ).toDoubles();
        double[] lastStates = feeds.get("last").toDoubles();
        double[] out = new double[B * (S + 1) * TB];
        int pairs = (S + 1) * TB;
        int inner = HEADS * HEAD_DIM;
        int kvInner = KV_HEADS * HEAD_DIM;
        int groups = HEADS / KV_HEADS;
        for (int b = 0; b < B; b++) {
            double[] base = PlainHyperDas.unitRows(PlainHyperDas.rows(feeds.get("base_states").toDoubles(), HIDDEN,
                    b * TB, TB), HIDDEN);
            double[] source = PlainHyperDas.unitRows(PlainHyperDas.rows(feeds.get("source_states").toDoubles(), HIDDEN,
                    b * S, S), HIDDEN);
            double[] features = new double[pairs * HIDDEN];
            long[] visible = new long[pairs];
            for (int i = 0; i <= S; i++) {
                for (int j = 0; j < TB; j++) {
                    int p = i * TB + j;
                    visible[p] = i == S ? 1 : SOURCE_MASK[b * S + i] * BASE_MASK[b * TB + j];
                    for (int o = 0; o < HIDDEN; o++) {
                        double e = i == S ? base[j * HIDDEN + o] : 0;
                        for (int c = 0; i < S && c < HIDDEN; c++) {
                            e += pair[o * 2 * HIDDEN + c] * base[j * HIDDEN + c]
                                    + pair[o * 2 * HIDDEN + HIDDEN + c] * source[i * HIDDEN + c];
                        }
                        features[p * HIDDEN + o] = e;
                    }
                }
            }
            long[] keyPositions = PlainHyperDas.cumsumPositions(visible, pairs);
            double[] keys = PlainHyperDas.rope(NaiveLayers.linear(features, kProj, null, HIDDEN, kvInner),
                    keyPositions, KV_HEADS, HEAD_DIM, THETA);
            double[] q = PlainHyperDas.rope(NaiveLayers.linear(PlainHyperDas.rows(lastStates, HIDDEN, b, 1), qProj,
                    null, HIDDEN, inner), new long[] {LAST_POSITION[b]}, HEADS, HEAD_DIM, THETA);
            double[] scores = new double[pairs];
            for (int p = 0; p < pairs; p++) {
                double s = 0;
                for (int h = 0; h < HEADS; h++) { // query head h reads key head h / G (repeat_kv)
                    for (int e = 0; e < HEAD_DIM; e++) {
                        s += q[h * HEAD_DIM + e] * keys[p * kvInner + (h / groups) * HEAD_DIM + e];
                    }
                }
                scores[p] = s / Math.sqrt(HEAD_DIM) / HEADS; // per-head dot products summed, then the head mean
            }
            for (int j = 0; j < TB; j++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i <= S; i++) {
                    if (visible[i * TB + j] == 1) {
                        max = Math.max(max, scores[i * TB + j]);
                    }
                }
                double total = 0;
                for (int i = 0; i <= S; i++) {
                    total += visible[i * TB + j] == 1 ? Math.exp(scores[i * TB + j] - max) : 0;
                }
                for (int i = 0; i <= S; i++) {
                    double w = visible[i * TB + j] == 1 ? Math.exp(scores[i * TB + j] - max) / total : 0;
                    out[(b * (S + 1) + i) * TB + j] = w;
                }
            }
        }
        return out;
    }

    private static double spread(double[] w) {
        double min = 1;
        double max = 0;
        for (double v : w) {
            if (v > 0) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        return max - min;
    }
}
