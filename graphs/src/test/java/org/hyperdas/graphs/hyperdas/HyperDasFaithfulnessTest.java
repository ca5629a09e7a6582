package org.hyperdas.graphs.hyperdas;

import static org.hyperdas.graphs.hyperdas.HyperDasFixtures.BATCH;
import static org.hyperdas.graphs.hyperdas.HyperDasFixtures.TB;
import static org.hyperdas.graphs.hyperdas.HyperDasFixtures.TS;
import static org.hyperdas.graphs.hyperdas.HyperDasFixtures.inputsOf;
import static org.hyperdas.graphs.hyperdas.HyperDasFixtures.maxAbsDiff;
import static org.hyperdas.graphs.hyperdas.HyperDasFixtures.merged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.hyperdas.graphs.Autodiff;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.llama.LlamaGraphs;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The properties that keep HyperDAS from "injecting information" (HYPERDAS.md and RAVEL.md, last
 * sections), on a tiny random target with hypernetwork weights moved far from their init.
 */
class HyperDasFaithfulnessTest {
    private static final LlamaConfig TARGET = HyperDasFixtures.target();
    private static final HyperDasConfig CONFIG = HyperDasFixtures.config(TARGET);
    private static Map<String, HostTensor> params64;
    private static double[] targetLogits;

    @BeforeAll
    static void setUp() throws Exception {
        params64 = HyperDasFixtures.parameters(TARGET, CONFIG, DType.FLOAT64, 0.3, 11);
        Graph plain = LlamaGraphs.forward(TARGET, inlineTarget(DType.FLOAT64), DType.FLOAT64);
        Map<String, HostTensor> batch = HyperDasFixtures.batch();
        try (GraphRunner r = GraphRunner.open(plain)) {
            targetLogits = r.run(Map.of(LlamaHooks.INPUT_IDS, batch.get(FeedSchema.BASE_IDS.name()),
                    LlamaHooks.ATTENTION_MASK, batch.get(FeedSchema.BASE_MASK.name()))).get(LlamaHooks.LOGITS).toDoubles();
        }
    }

    private static LlamaWeights inlineTarget(DType dtype) {
        return LlamaWeights.inline(HyperDasFixtures.targetWeights(TARGET, dtype));
    }

    private static HyperDasGraphs graphs(DType dtype) {
        return graphs(dtype, CONFIG);
    }

    private static HyperDasGraphs graphs(DType dtype, HyperDasConfig config) {
        return new HyperDasGraphs(TARGET, inlineTarget(dtype), config, dtype);
    }

    private static Map<String, HostTensor> run(Graph g, Map<String, HostTensor> feeds) throws Exception {
        try (GraphRunner r = GraphRunner.open(g)) {
            return r.run(inputsOf(g, feeds));
        }
    }

    /** W with row S = 1 everywhere: no base position takes anything from the source. */
    @Test
    void allSelfSelectionLeavesTheLogitsUnchanged() throws Exception {
        double[] w = new double[BATCH * (TS + 1) * TB];
        for (int b = 0; b < BATCH; b++) {
            for (int j = 0; j < TB; j++) {
                w[(b * (TS + 1) + TS) * TB + j] = 1;
            }
        }
        Map<String, HostTensor> feeds = merged(HyperDasFixtures.batch(), params64);
        feeds.put(FeedSchema.SELECTION_INPUT.name(), HostTensor.ofDoubles(w, BATCH, TS + 1, TB));
        double[] logits = run(graphs(DType.FLOAT64).evaluation(SelectionMode.GIVEN, true), feeds)
                .get(HyperDasGraphs.LOGITS).toDoubles();
        double diff = maxAbsDiff(logits, targetLogits);
        System.out.printf("HyperDAS all-SELF selection: max |logits - target logits| = %.2e%n", diff);
        assertTrue(diff < 1e-5, "all-SELF changed the logits by " + diff);
    }

    /**
     * base == source: with the position-aligned selection (source position j into base position
     * j on the intervention mask, SELF elsewhere) the logits are the target's whatever R' is.
     */
    @Test
    void baseEqualToSourceWithAlignedSelectionLeavesTheLogitsUnchanged() throws Exception {
        Map<String, HostTensor> batch = HyperDasFixtures.baseAsSource();
        long[] iv = batch.get(FeedSchema.BASE_INTERVENTION_MASK.name()).toLongs();
        double[] w = new double[BATCH * (TB + 1) * TB];
        for (int b = 0; b < BATCH; b++) {
            for (int j = 0; j < TB; j++) {
                int row = iv[b * TB + j] == 1 ? j : TB;
                w[(b * (TB + 1) + row) * TB + j] = 1;
            }
        }
        double worst = 0;
        for (long seed : new long[] {11, 12, 13}) {
            Map<String, HostTensor> feeds = merged(batch, HyperDasFixtures.parameters(TARGET, CONFIG, DType.FLOAT64,
                    0.5, seed));
            feeds.put(FeedSchema.SELECTION_INPUT.name(), HostTensor.ofDoubles(w, BATCH, TB + 1, TB));
            double[] logits = run(graphs(DType.FLOAT64).evaluation(SelectionMode.GIVEN, true), feeds)
                    .get(HyperDasGraphs.LOGITS).toDoubles();
            worst = Math.max(worst, maxAbsDiff(logits, targetLogits));
        }
        System.out.printf("HyperDAS base == source, aligned selection, 3 random hypernetworks:"
                + " max |logits - target logits| = %.2e%n", worst);
        assertTrue(worst < 1e-5, "base == source changed the logits by " + worst);

        // For the record: the learned soft selection mixes other positions too, so it moves them.
        Map<String, HostTensor> soft = run(graphs(DType.FLOAT64).evaluation(SelectionMode.SOFT, true),
                merged(batch, params64));
        System.out.printf("HyperDAS base == source, soft selection of a random hypernetwork:"
                + " max |logits - target logits| = %.2e (not an identity: W mixes positions)%n",
                maxAbsDiff(soft.get(HyperDasGraphs.LOGITS).toDoubles(), targetLogits));
    }

    @Test
    void subspaceIsOrthonormalForEveryExample() throws Exception {
        double worst64 = orthonormalityError(DType.FLOAT64);
        double worst32 = orthonormalityError(DType.FLOAT32);
        System.out.printf("HyperDAS R' = H R: max |R'^T R' - I| float64 %.2e, float32 %.2e%n", worst64, worst32);
        assertTrue(worst64 < 1e-12, "float64: " + worst64);
        assertTrue(worst32 < 1e-5, "float32: " + worst32);
    }

    private static double orthonormalityError(DType dtype) throws Exception {
        Map<String, HostTensor> feeds = merged(HyperDasFixtures.batch(),
                HyperDasFixtures.parameters(TARGET, CONFIG, dtype, 0.3, 21));
        HostTensor subspace = run(graphs(dtype).evaluation(SelectionMode.SOFT), feeds).get(HyperDasGraphs.SUBSPACE);
        long[] shape = subspace.shape();
        assertEquals(List.of((long) BATCH, (long) TARGET.hiddenSize(), (long) CONFIG.subspaceDim()),
                List.of(shape[0], shape[1], shape[2]));
        return HouseholderSubspaceTest.orthonormalityError(subspace.toDoubles(), BATCH, TARGET.hiddenSize(),
                CONFIG.subspaceDim());
    }

    /** Hidden pairs get exactly 0; each column is a distribution; a hidden base column is all SELF. */
    @Test
    void maskedPositionsNeverReceiveWeight() throws Exception {
        Map<String, HostTensor> feeds = merged(HyperDasFixtures.batch(), params64);
        long[] baseIv = HyperDasFixtures.BASE_IV_V;
        long[] srcIv = HyperDasFixtures.SOURCE_IV_V;
        for (SelectionMode mode : new SelectionMode[] {SelectionMode.SOFT, SelectionMode.ONE_TO_MANY,
                SelectionMode.ONE_TO_ONE}) {
            double[] w = run(graphs(DType.FLOAT64).evaluation(mode), feeds).get(HyperDasGraphs.SELECTION).toDoubles();
            int visibleNonzero = 0;
            for (int b = 0; b < BATCH; b++) {
                for (int j = 0; j < TB; j++) {
                    double column = 0;
                    for (int i = 0; i <= TS; i++) {
                        double v = w[(b * (TS + 1) + i) * TB + j];
                        column += v;
                        boolean shown = i == TS || (srcIv[b * TS + i] == 1 && baseIv[b * TB + j] == 1);
                        if (!shown) {
                            assertEquals(0.0, v, 0.0, mode + ": hidden pair (b " + b + ", i " + i + ", j " + j + ")");
                        } else if (i < TS && v > 0) {
                            visibleNonzero++;
                        }
                        if (mode != SelectionMode.SOFT) {
                            assertTrue(v == 0.0 || v == 1.0, mode + ": weight " + v + " is not 0/1");
                        }
                    }
                    assertEquals(1.0, column, 1e-12, mode + ": column " + j + " of example " + b);
                    if (baseIv[b * TB + j] == 0) {
                        assertEquals(1.0, w[(b * (TS + 1) + TS) * TB + j], 0.0, mode + ": hidden base column " + j);
                    }
                }
            }
            if (mode == SelectionMode.SOFT) {
                assertTrue(visibleNonzero > 0, "the soft selection gives no visible pair any weight");
            }
        }
        System.out.println("HyperDAS selection: hidden pairs exactly 0 in soft, one-to-many and one-to-one modes");
    }

    /**
     * d(loss)/d(parameters) against central differences at sampled elements of every tensor, with the
     * hypernetwork's own embedding and with the target's, frozen.
     */
    @ParameterizedTest
    @EnumSource(HypernetEmbedding.class)
    void lossGradientMatchesFiniteDifferences(HypernetEmbedding embedding) throws Exception {
        Graph g = new Graph("hyperdas_fd");
        HyperDasGraphs.Model m = graphs(DType.FLOAT64, CONFIG.withHypernetEmbedding(embedding))
                .build(g, SelectionMode.SOFT, true, false);
        List<Value> params = g.parameters();
        List<Value> grads = Autodiff.gradients(m.loss(), params);
        g.output("loss", m.loss());
        g.output("penalty", m.sparsityPenalty());
        for (int i = 0; i < params.size(); i++) {
            g.output("grad." + params.get(i).name(), grads.get(i));
        }
        Map<String, HostTensor> feeds = new HashMap<>(inputsOf(g,
                merged(HyperDasFixtures.trainingBatch(1.0, DType.FLOAT64), params64)));
        double h = 1e-6;
        Random random = new Random(5);
        double worst = 0;
        String worstAt = "";
        int checked = 0;
        try (GraphRunner r = GraphRunner.open(g)) {
            Map<String, HostTensor> analytic = r.run(feeds);
            double penalty = analytic.get("penalty").toDoubles()[0];
            System.out.printf("HyperDAS FD check: loss %.6f, sparsity penalty %.6f (weight 1)%n",
                    analytic.get("loss").toDoubles()[0], penalty);
            assertTrue(penalty > 0, "the sparsity penalty is 0, so its gradient goes unchecked");
            for (Value p : params) {
                HostTensor original = feeds.get(p.name());
                double[] base = original.toDoubles();
                double[] grad = analytic.get("grad." + p.name()).toDoubles();
                for (int sample = 0; sample < 2; sample++) {
                    int k = random.nextInt(base.length);
                    double[] plus = base.clone();
                    plus[k] += h;
                    double[] minus = base.clone();
                    minus[k] -= h;
                    feeds.put(p.name(), HostTensor.ofDoubles(plus, original.shape()));
                    double lossPlus = r.run(feeds, Set.of("loss")).get("loss").toDoubles()[0];
                    feeds.put(p.name(), HostTensor.ofDoubles(minus, original.shape()));
                    double lossMinus = r.run(feeds, Set.of("loss")).get("loss").toDoubles()[0];
                    feeds.put(p.name(), original);
                    double numeric = (lossPlus - lossMinus) / (2 * h);
                    double scale = Math.max(1e-3, Math.max(Math.abs(numeric), Math.abs(grad[k])));
                    double error = Math.abs(numeric - grad[k]) / scale;
                    checked++;
                    if (error > worst) {
                        worst = error;
                        worstAt = p.name() + "[" + k + "]";
                    }
                }
            }
        }
        System.out.printf("HyperDAS d(loss)/d(parameters), %s embedding: %d elements of %d tensors, worst relative"
                + " error %.2e (%s)%n", embedding.optionName(), checked, params.size(), worst, worstAt);
        assertTrue(worst < 1e-5, "worst relative error " + worst + " at " + worstAt);
    }
}
