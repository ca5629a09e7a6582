package org.hyperdas.graphs.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Each layer's forward pass against {@link NaiveLayers}, in float64 (tight) and float32. */
class LayerForwardTest {
    private static final Random RANDOM = new Random(7);

    enum Precision {
        FLOAT64(DType.FLOAT64, 1e-12), FLOAT32(DType.FLOAT32, 2e-5);

        final DType dtype;
        final double tolerance;

        Precision(DType dtype, double tolerance) {
            this.dtype = dtype;
            this.tolerance = tolerance;
        }
    }

    private static double[] random(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = RANDOM.nextGaussian();
        }
        return v;
    }

    private static HostTensor tensor(double[] v, DType dtype, long... shape) {
        if (dtype == DType.FLOAT64) {
            return HostTensor.ofDoubles(v, shape);
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return HostTensor.ofFloats(f, shape);
    }

    /** A graph with one output "y"; inputs declared by the caller. */
    private static Map<String, HostTensor> run(Graph g, Value y, Map<String, HostTensor> feeds) throws Exception {
        g.output("y", y);
        try (GraphRunner r = GraphRunner.open(g)) {
            return r.run(feeds);
        }
    }

    private static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / Math.max(1, Math.abs(expected[i])));
        }
        assertTrue(worst < tolerance, what + ": worst deviation " + worst);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void rmsNorm(Precision p) throws Exception {
        double[] x = random(2 * 3 * 5);
        double[] w = random(5);
        Graph g = new Graph("rms");
        Value xv = g.input("x", p.dtype, Shape.of("batch", "seq", 5));
        Value wv = g.input("w", p.dtype, Shape.of(5));
        var out = run(g, RmsNorm.apply(xv, wv, 1e-5),
                Map.of("x", tensor(x, p.dtype, 2, 3, 5), "w", tensor(w, p.dtype, 5)));
        assertClose(NaiveLayers.rmsNorm(x, w, 5, 1e-5), out.get("y").toDoubles(), p.tolerance, "rmsNorm");
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void swiGluWithHfLayoutWeights(Precision p) throws Exception {
        int hidden = 4;
        int inter = 6;
        double[] x = random(2 * 3 * hidden);
        double[] gate = random(inter * hidden);
        double[] up = random(inter * hidden);
        double[] down = random(hidden * inter);
        Graph g = new Graph("swiglu");
        Value xv = g.input("x", p.dtype, Shape.of("batch", "seq", hidden));
        SwiGlu mlp = SwiGlu.fromHf(g.input("gate", p.dtype, Shape.of(inter, hidden)),
                g.input("up", p.dtype, Shape.of(inter, hidden)), g.input("down", p.dtype, Shape.of(hidden, inter)));
        var out = run(g, mlp.apply(xv), Map.of("x", tensor(x, p.dtype, 2, 3, hidden),
                "gate", tensor(gate, p.dtype, inter, hidden), "up", tensor(up, p.dtype, inter, hidden),
                "down", tensor(down, p.dtype, hidden, inter)));
        assertClose(NaiveLayers.swiGlu(x, gate, up, down, hidden, inter), out.get("y").toDoubles(), p.tolerance,
                "swiGlu");
        assertArrayEquals(new long[] {2, 3, hidden}, out.get("y").shape());
    }

    @Test
    void siluIsXTimesSigmoid() throws Exception {
        double[] x = {-3, -0.5, 0, 0.5, 3};
        Graph g = new Graph("silu");
        var out = run(g, Silu.apply(g.input("x", DType.FLOAT64, Shape.of(5))),
                Map.of("x", HostTensor.ofDoubles(x, 5)));
        double[] y = out.get("y").toDoubles();
        for (int i = 0; i < x.length; i++) {
            assertEquals(NaiveLayers.silu(x[i]), y[i], 1e-15);
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void rotaryRotatesHalvesByPositionTimesFrequency(Precision p) throws Exception {
        int d = 8;
        double[] inv = Rotary.llama3Scaled(Rotary.inverseFrequencies(d, 10000), 8, 1, 8, 256);
        double[] x = random(2 * 3 * 4 * d);
        long[] positions = {0, 1, 2, 3, 7, 1, 0, 300};
        Graph g = new Graph("rope");
        Value xv = g.input("x", p.dtype, Shape.of("batch", 3, "seq", d));
        Value pos = g.input("pos", DType.INT64, Shape.of("batch", "seq"));
        var out = run(g, Rotary.apply(xv, Rotary.tables(pos, inv, p.dtype)),
                Map.of("x", tensor(x, p.dtype, 2, 3, 4, d), "pos", HostTensor.ofLongs(positions, 2, 4)));
        // float32 angles up to 300 rad carry ~1e-5 absolute rounding, as in HF.
        assertClose(NaiveLayers.rotary(x, positions, inv, 2, 3, 4, d), out.get("y").toDoubles(),
                p == Precision.FLOAT64 ? 1e-12 : 1e-4, "rotary");
    }

    @Test
    void llama3ScalingKeepsBlendsAndDividesFrequencies() {
        // head_dim 8, theta 1e4: wavelengths 6.3, 62.8, 628, 6283 against low 256 / high 32.
        double[] inv = Rotary.llama3Scaled(Rotary.inverseFrequencies(8, 10000), 8, 1, 8, 256);
        double smooth = (256 / (2 * Math.PI / 0.1) - 1) / 7;
        assertEquals(1.0, inv[0], 1e-15);
        assertEquals((1 - smooth) * 0.1 / 8 + smooth * 0.1, inv[1], 1e-15);
        assertEquals(0.01 / 8, inv[2], 1e-15);
        assertEquals(0.001 / 8, inv[3], 1e-15);
    }

    @ParameterizedTest(name = "{0} queries over 5 keys")
    @ValueSource(ints = {5, 2, 1})
    void groupedQueryAttentionWithCausalAndPaddingMask(int queries) throws Exception {
        int batch = 3;
        int heads = 4;
        int kvHeads = 2;
        int keys = 5;
        int d = 3;
        double[] q = random(batch * heads * queries * d);
        double[] k = random(batch * kvHeads * keys * d);
        double[] v = random(batch * kvHeads * keys * d);
        // Left padding (fully masked early rows), right padding, none.
        long[] mask = {0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1};
        Graph g = new Graph("attn");
        Value qv = g.input("q", DType.FLOAT64, Shape.of("batch", heads, queries == keys ? "t" : "q", d));
        Value kv = g.input("k", DType.FLOAT64, Shape.of("batch", kvHeads, "t", d));
        Value vv = g.input("v", DType.FLOAT64, Shape.of("batch", kvHeads, "t", d));
        Value m = g.input("mask", DType.INT64, Shape.of("batch", "t"));
        Value ids = g.input("ids", DType.INT64, Shape.of("batch", "q"));
        Value y = Attention.apply(qv, kv, vv, Attention.causalPaddingMask(m, queries == keys ? m : ids));
        Map<String, HostTensor> feeds = new LinkedHashMap<>(Map.of("q", HostTensor.ofDoubles(q, batch, heads, queries, d),
                "k", HostTensor.ofDoubles(k, batch, kvHeads, keys, d), "v", HostTensor.ofDoubles(v, batch, kvHeads, keys, d),
                "mask", HostTensor.ofLongs(mask, batch, keys)));
        if (queries != keys) {
            feeds.put("ids", HostTensor.ofLongs(new long[batch * queries], batch, queries));
        }
        var out = run(g, y, feeds);
        assertClose(NaiveLayers.attention(q, k, v, mask, batch, heads, kvHeads, queries, keys, d),
                out.get("y").toDoubles(), 1e-12, "attention");
    }

    /** Cross-attention: more queries than keys, one [batch, 1, 1, t] mask shared by every query. */
    @Test
    void groupedCrossAttentionWithABroadcastKeyMask() throws Exception {
        int batch = 3;
        int heads = 4;
        int kvHeads = 2;
        int queries = 6;
        int keys = 5;
        int d = 3;
        double[] q = random(batch * heads * queries * d);
        double[] k = random(batch * kvHeads * keys * d);
        double[] v = random(batch * kvHeads * keys * d);
        long[] mask = {1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1};
        Graph g = new Graph("cross_attn");
        Value qv = g.input("q", DType.FLOAT64, Shape.of("batch", heads, "q", d));
        Value kv = g.input("k", DType.FLOAT64, Shape.of("batch", kvHeads, "t", d));
        Value vv = g.input("v", DType.FLOAT64, Shape.of("batch", kvHeads, "t", d));
        Value m = g.input("mask", DType.INT64, Shape.of("batch", "t"));
        Value y = Attention.apply(qv, kv, vv, m.equal(g.scalar(1, DType.INT64)).unsqueeze(1, 2));
        var out = run(g, y, Map.of("q", HostTensor.ofDoubles(q, batch, heads, queries, d),
                "k", HostTensor.ofDoubles(k, batch, kvHeads, keys, d), "v", HostTensor.ofDoubles(v, batch, kvHeads, keys, d),
                "mask", HostTensor.ofLongs(mask, batch, keys)));
        assertClose(NaiveLayers.attention(q, k, v, mask, batch, heads, kvHeads, queries, keys, d, false),
                out.get("y").toDoubles(), 1e-12, "cross-attention");
    }

    @Test
    void crossEntropyWeightedMeanOverLabelTokensAndFirstKFlags() throws Exception {
        // Example 1's third label token (outside k = 2) is wrong: with k = 2 it still counts as right.
        checkCrossEntropy(2, 2, new boolean[] {true, true, false});
    }

    /** k at least the label length (how "all label tokens" is baked into a graph) checks every token. */
    @Test
    void crossEntropyWithKPastTheLabelsChecksEveryLabelToken() throws Exception {
        checkCrossEntropy(Integer.MAX_VALUE, 3, new boolean[] {true, false, false});
    }

    /**
     * CrossEntropy.atPositions with {@code graphK} against the naive one with {@code naiveK} on one
     * fixture: example 0's two unmasked labels are the argmax, example 1's first two are and its
     * third is not, example 2's only label is wrong.
     */
    private static void checkCrossEntropy(int graphK, int naiveK, boolean[] expectedCorrect) throws Exception {
        int batch = 3;
        int seq = 5;
        int vocab = 7;
        int labelCount = 3;
        double[] logits = random(batch * seq * vocab);
        long[] labels = {3, 4, 0, 1, 6, 2, 5, 5, 5};
        long[] positions = {1, 2, 3, 0, 1, 4, 2, 3, 4};
        double[] mask = {1, 1, 0, 1, 1, 1, 1, 0, 0};
        double[] weights = {3.5, 0.5, 1.0};
        logits[(0 * seq + 1) * vocab + 3] = 10;
        logits[(0 * seq + 2) * vocab + 4] = 10;
        logits[(1 * seq + 0) * vocab + 1] = 10;
        logits[(1 * seq + 1) * vocab + 6] = 10;
        logits[(1 * seq + 4) * vocab + 0] = 10;
        logits[(2 * seq + 2) * vocab + 0] = 10;

        Graph g = new Graph("ce");
        Value lg = g.input("logits", DType.FLOAT64, Shape.of("batch", "seq", vocab));
        Value lb = g.input("labels", DType.INT64, Shape.of("batch", "L"));
        Value ps = g.input("positions", DType.INT64, Shape.of("batch", "L"));
        Value mk = g.input("mask", DType.FLOAT64, Shape.of("batch", "L"));
        Value wt = g.input("weights", DType.FLOAT64, Shape.of("batch"));
        CrossEntropy ce = CrossEntropy.atPositions(lg, lb, ps, mk, wt, graphK);
        g.output("correct", ce.firstKCorrect());
        g.output("predictions", ce.predictions());
        var out = run(g, ce.loss(), Map.of("logits", HostTensor.ofDoubles(logits, batch, seq, vocab),
                "labels", HostTensor.ofLongs(labels, batch, labelCount),
                "positions", HostTensor.ofLongs(positions, batch, labelCount),
                "mask", HostTensor.ofDoubles(mask, batch, labelCount), "weights", HostTensor.ofDoubles(weights, batch)));
        NaiveLayers.Ce expected = NaiveLayers.crossEntropy(logits, labels, positions, mask, weights, batch, seq, vocab,
                labelCount, naiveK);
        assertEquals(expected.loss(), out.get("y").toDoubles()[0], 1e-12);
        long[] correct = out.get("correct").toLongs();
        assertArrayEquals(expectedCorrect, expected.firstKCorrect());
        for (int b = 0; b < batch; b++) {
            assertEquals(expected.firstKCorrect()[b], correct[b] == 1, "example " + b);
        }
        assertEquals(3, out.get("predictions").toLongs()[0]);
    }
}
