package org.hyperdas.graphs.intervention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
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
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The intervention fragments against plain Java, and the controls on a random tiny Llama: base ==
 * source, k = 0 and an empty site set leave the logits exactly as the model without intervention
 * computes them.
 */
class InterventionGraphTest {
    private static final int HIDDEN = 16;
    private static LlamaConfig config;
    private static LlamaWeights weights;

    @BeforeAll
    static void model() {
        config = LlamaConfig.builder().hiddenSize(HIDDEN).intermediateSize(24).numHiddenLayers(3)
                .numAttentionHeads(4).numKeyValueHeads(2).headDim(4).vocabSize(40).maxPositionEmbeddings(64)
                .rmsNormEps(1e-5).ropeTheta(10000).tieWordEmbeddings(true).bosTokenId(1).eosTokenId(2).build();
        Random random = new Random(5);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        config.expectedTensors().forEach((name, shape) -> {
            int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
            float[] v = new float[n];
            boolean norm = name.endsWith("norm.weight");
            double std = norm ? 0.1 : name.contains("embed") ? 1 : 1 / Math.sqrt(shape[1]);
            for (int i = 0; i < n; i++) {
                v[i] = (float) ((norm ? 1 : 0) + std * random.nextGaussian());
            }
            w.put(name, HostTensor.ofFloats(v, shape));
        });
        weights = LlamaWeights.inline(w);
    }

    // ------------------------------------------------------------------ fragments vs Java

    @Test
    void dasInterventionMatchesPlainJava() throws Exception {
        int b = 2;
        int t = 5;
        int s = 4;
        int d = 6;
        int k = 3;
        Random random = new Random(11);
        float[] base = gaussian(random, b * t * d);
        float[] source = gaussian(random, b * s * d);
        float[] r = OrthogonalSubspace.rotationFloats(gaussian(random, k * d), k, d);
        long[] basePos = {1, 3, 4, 0};
        long[] sourcePos = {2, 0, 3, 3};
        long[] mask = {1, 1, 1, 0};

        Graph g = new Graph("das_fragment");
        Value hb = g.input("base", DType.FLOAT32, Shape.of("batch", "t", d));
        Value hs = g.input("source", DType.FLOAT32, Shape.of("batch", "s", d));
        Value rot = DasRotation.input(g, d, DType.FLOAT32);
        Shape sites = Shape.of("batch", "sites");
        Sites where = new Sites(g.input("bp", DType.INT64, sites), g.input("sp", DType.INT64, sites),
                g.input("m", DType.INT64, sites));
        g.output("out", DasRotation.of(rot).apply(hb, hs, where));
        g.output("full", Interchange.FULL.apply(hb, hs, where));
        Map<String, HostTensor> feeds = new HashMap<>();
        feeds.put("base", HostTensor.ofFloats(base, b, t, d));
        feeds.put("source", HostTensor.ofFloats(source, b, s, d));
        feeds.put(DasRotation.ROTATION, HostTensor.ofFloats(r, d, k));
        feeds.put("bp", HostTensor.ofLongs(basePos, b, 2));
        feeds.put("sp", HostTensor.ofLongs(sourcePos, b, 2));
        feeds.put("m", HostTensor.ofLongs(mask, b, 2));
        Map<String, HostTensor> out;
        try (GraphRunner runner = GraphRunner.open(g)) {
            out = runner.run(feeds);
        }
        double[] got = out.get("out").toDoubles();
        double[] full = out.get("full").toDoubles();

        double[] expected = new double[b * t * d];
        double[] expectedFull = new double[b * t * d];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = base[i];
            expectedFull[i] = base[i];
        }
        for (int e = 0; e < b; e++) {
            for (int p = 0; p < 2; p++) {
                if (mask[e * 2 + p] == 0) {
                    continue;
                }
                int bp = (int) basePos[e * 2 + p];
                int sp = (int) sourcePos[e * 2 + p];
                double[] diff = new double[d];
                for (int j = 0; j < d; j++) {
                    diff[j] = source[(e * s + sp) * d + j] - base[(e * t + bp) * d + j];
                }
                double[] coef = new double[k]; // R^T diff
                for (int c = 0; c < k; c++) {
                    for (int j = 0; j < d; j++) {
                        coef[c] += r[j * k + c] * diff[j];
                    }
                }
                for (int j = 0; j < d; j++) {
                    double change = 0;
                    for (int c = 0; c < k; c++) {
                        change += r[j * k + c] * coef[c];
                    }
                    expected[(e * t + bp) * d + j] += change;
                    expectedFull[(e * t + bp) * d + j] = source[(e * s + sp) * d + j];
                }
            }
        }
        assertArrayEquals(expected, got, 1e-5, "h + R R^T (h_s - h)");
        assertArrayEquals(expectedFull, full, 1e-6, "full interchange");
    }

    @Test
    void householderGraphMatchesJavaAndIsOrthonormal() throws Exception {
        int k = 7;
        int d = 20;
        float[] v = OrthogonalSubspace.initialVectors(3, k, d);
        Graph g = new Graph("householder");
        Value vectors = g.input("v", DType.FLOAT32, Shape.of(k, d));
        g.output("r", OrthogonalSubspace.rotation(vectors, DType.FLOAT32));
        float[] graphR;
        try (GraphRunner runner = GraphRunner.open(g)) {
            graphR = runner.run(Map.of("v", HostTensor.ofFloats(v, k, d))).get("r").toFloats();
        }
        float[] javaR = OrthogonalSubspace.rotationFloats(v, k, d);
        assertArrayEquals(javaR, graphR, 1e-6f);
        assertTrue(OrthogonalSubspace.orthonormalityError(graphR, d, k) < 1e-6);
        // Same seed, same vectors; another seed, others.
        assertArrayEquals(v, OrthogonalSubspace.initialVectors(3, k, d));
        assertTrue(!java.util.Arrays.equals(v, OrthogonalSubspace.initialVectors(4, k, d)));
    }

    // ------------------------------------------------------------------ controls on a model

    private static final long[] BASE_IDS = {1, 5, 9, 13, 7, 21, 22, 1, 30, 8, 17, 3, 2, 2};
    private static final long[] BASE_MASK = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    private static final long[] LABEL_IDS = {21, 22, 3, 0};
    private static final long[] LABEL_POS = {4, 5, 4, 0};
    private static final long[] LABEL_MASK = {1, 1, 1, 0};

    private static Map<String, HostTensor> baseFeeds() {
        Map<String, HostTensor> f = new HashMap<>();
        f.put(FeedSchema.BASE_IDS.name(), HostTensor.ofLongs(BASE_IDS, 2, 7));
        f.put(FeedSchema.BASE_MASK.name(), HostTensor.ofLongs(BASE_MASK, 2, 7));
        f.put(FeedSchema.LABEL_IDS.name(), HostTensor.ofLongs(LABEL_IDS, 2, 2));
        f.put(FeedSchema.LABEL_POSITIONS.name(), HostTensor.ofLongs(LABEL_POS, 2, 2));
        f.put(FeedSchema.LABEL_MASK.name(), HostTensor.ofLongs(LABEL_MASK, 2, 2));
        return f;
    }

    private static Map<String, HostTensor> withSource(long[] sourceIds, long[] sourceMask, int sourceLen,
            long[] siteMask) {
        Map<String, HostTensor> f = baseFeeds();
        f.put(FeedSchema.SOURCE_IDS.name(), HostTensor.ofLongs(sourceIds, 2, sourceLen));
        f.put(FeedSchema.SOURCE_MASK.name(), HostTensor.ofLongs(sourceMask, 2, sourceLen));
        f.put(FeedSchema.BASE_POSITIONS.name(), HostTensor.ofLongs(new long[] {2, 3}, 2, 1));
        f.put(FeedSchema.SOURCE_POSITIONS.name(), HostTensor.ofLongs(new long[] {2, 1}, 2, 1));
        f.put(FeedSchema.SITE_MASK.name(), HostTensor.ofLongs(siteMask, 2, 1));
        return f;
    }

    private static float[] logits(Graph g, Map<String, HostTensor> feeds) throws Exception {
        try (GraphRunner runner = GraphRunner.open(g)) {
            return runner.run(feeds, java.util.Set.of(InterventionGraph.LABEL_LOGITS))
                    .get(InterventionGraph.LABEL_LOGITS).toFloats();
        }
    }

    private static Graph plainGraph() {
        Graph g = new Graph("plain");
        InterventionGraph.plain(g, config, weights).finish(Intervention.NONE, false, true);
        return g;
    }

    private static Graph patchingGraph(int layer) {
        Graph g = new Graph("patching");
        InterventionGraph.create(g, config, weights, layer).finish(Interchange.FULL, false, true);
        return g;
    }

    private static Graph dasGraph(int layer) {
        Graph g = new Graph("das");
        InterventionGraph ig = InterventionGraph.create(g, config, weights, layer);
        ig.finish(DasRotation.of(DasRotation.input(g, HIDDEN, DType.FLOAT32)), false, true);
        return g;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    @Test
    void baseEqualsSourceEmptySitesAndKZeroChangeNothing() throws Exception {
        float[] reference = logits(plainGraph(), baseFeeds());
        float[] r = OrthogonalSubspace.rotationFloats(OrthogonalSubspace.initialVectors(9, 5, HIDDEN), 5, HIDDEN);
        long[] otherIds = {1, 11, 12, 14, 1, 25, 26, 27};
        long[] otherMask = {1, 1, 1, 1, 1, 1, 1, 1};
        for (int layer = 0; layer <= config.numHiddenLayers(); layer++) {
            Graph patching = patchingGraph(layer);
            Graph das = dasGraph(layer);
            // base == source, every site active
            Map<String, HostTensor> same = withSource(BASE_IDS, BASE_MASK, 7, new long[] {1, 1});
            same.put(FeedSchema.SOURCE_POSITIONS.name(), same.get(FeedSchema.BASE_POSITIONS.name()));
            assertTrue(maxAbsDiff(reference, logits(patching, same)) < 1e-6, "patching, base == source, L" + layer);
            same.put(DasRotation.ROTATION, HostTensor.ofFloats(r, HIDDEN, 5));
            assertTrue(maxAbsDiff(reference, logits(das, same)) < 1e-6, "das, base == source, L" + layer);

            // another source, no active site
            Map<String, HostTensor> empty = withSource(otherIds, otherMask, 4, new long[] {0, 0});
            assertTrue(maxAbsDiff(reference, logits(patching, empty)) < 1e-6, "patching, empty sites, L" + layer);
            empty.put(DasRotation.ROTATION, HostTensor.ofFloats(r, HIDDEN, 5));
            assertTrue(maxAbsDiff(reference, logits(das, empty)) < 1e-6, "das, empty sites, L" + layer);

            // another source, active sites, k = 0
            Map<String, HostTensor> k0 = withSource(otherIds, otherMask, 4, new long[] {1, 1});
            k0.put(DasRotation.ROTATION, HostTensor.ofFloats(new float[0], HIDDEN, 0));
            assertTrue(maxAbsDiff(reference, logits(das, k0)) < 1e-6, "das, k = 0, L" + layer);

            // and the same source with k > 0 does change something (after the last block, position 2/3
            // no longer reaches the label positions 4/5)
            if (layer == config.numHiddenLayers()) {
                continue;
            }
            Map<String, HostTensor> moved = withSource(otherIds, otherMask, 4, new long[] {1, 1});
            moved.put(DasRotation.ROTATION, HostTensor.ofFloats(r, HIDDEN, 5));
            assertTrue(maxAbsDiff(reference, logits(das, moved)) > 1e-3, "das moves something, L" + layer);
        }
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
