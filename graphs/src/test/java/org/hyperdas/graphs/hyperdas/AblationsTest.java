package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.FiniteDifference;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.NaiveLayers;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

/**
 * Each ablation removes exactly what it names: its weights are gone (or, for the switches that
 * keep every weight, start or are used differently), and the model's output changes against the
 * full model with the same values for the shared weights; the mask subspace against a plain-Java
 * forward and finite differences.
 */
class AblationsTest {
    private static final LlamaConfig TARGET = HyperDasFixtures.target();
    private static final HyperDasConfig FULL = HyperDasFixtures.config(TARGET);
    private static final Map<String, HostTensor> TARGET_WEIGHTS = HyperDasFixtures.targetWeights(TARGET, DType.FLOAT64);

    private static HyperDasConfig ablated(String switches, String subspace) {
        return FULL.withAblations(Ablations.parse(switches == null ? null : List.of(switches.split(",")), subspace));
    }

    private static HyperDasGraphs graphs(HyperDasConfig config) {
        return new HyperDasGraphs(TARGET, LlamaWeights.inline(TARGET_WEIGHTS), config, DType.FLOAT64);
    }

    /** The full model's noisy parameters, restricted to (and completed for) {@code config}'s names. */
    private static Map<String, HostTensor> parameters(HyperDasConfig config) {
        Map<String, HostTensor> full = HyperDasFixtures.parameters(TARGET, FULL, DType.FLOAT64, 0.05, 5);
        Map<String, HostTensor> own = HyperDasFixtures.parameters(TARGET, config, DType.FLOAT64, 0.05, 5);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        HyperDasParameters.shapes(TARGET, config).keySet().forEach(n -> out.put(n, full.getOrDefault(n, own.get(n))));
        return out;
    }

    private static double[] labelLogits(HyperDasConfig config, Map<String, HostTensor> params) throws Exception {
        Graph g = graphs(config).evaluation(SelectionMode.SOFT);
        try (GraphRunner r = GraphRunner.open(g)) {
            return r.run(HyperDasFixtures.inputsOf(g, HyperDasFixtures.merged(HyperDasFixtures.batch(), params)))
                    .get(HyperDasGraphs.LABEL_LOGITS).toDoubles();
        }
    }

    private static Set<String> names(HyperDasConfig config) {
        return new TreeSet<>(HyperDasParameters.shapes(TARGET, config).keySet());
    }

    private static Set<String> fullNamesWithout(Predicate<String> removed) {
        Set<String> s = names(FULL);
        s.removeIf(removed);
        return s;
    }

    /** The ablated names are exactly those expected, the training graph trains exactly them, the output moves. */
    private static void assertRemoves(HyperDasConfig config, Set<String> expectedNames) throws Exception {
        assertEquals(expectedNames, names(config));
        assertEquals(expectedNames, new TreeSet<>(graphs(config).training().parameterNames()));
        double diff = HyperDasFixtures.maxAbsDiff(labelLogits(FULL, parameters(FULL)),
                labelLogits(config, parameters(config)));
        System.out.printf("HyperDAS ablation %s: %d parameters, max |label logits - full model's| %.3e%n",
                config.ablations().names(), expectedNames.size(), diff);
        assertTrue(diff > 1e-6, config.ablations() + " does not change the output");
    }

    @Test
    void crossAttentionAblationsRemoveExactlyTheirModule() throws Exception {
        assertRemoves(ablated("no-source-cross", null), fullNamesWithout(n -> n.contains(".source_cross_attn")));
        assertRemoves(ablated("no-base-cross", null), fullNamesWithout(n -> n.contains(".base_cross_attn")));
        assertTrue(names(FULL).stream().anyMatch(n -> n.contains(".source_cross_attn_layernorm.")));
    }

    @Test
    void plainSubspaceHasNoHouseholderStepAndUsesRForEveryExample() throws Exception {
        HyperDasConfig plain = ablated(null, "plain");
        assertRemoves(plain, fullNamesWithout(n -> n.startsWith(HyperDasParameters.HYPERNET + "householder.")));
        // R' is R itself: the subspace output equals R built from the same vectors.
        Map<String, HostTensor> params = parameters(plain);
        Graph eval = graphs(plain).evaluation(SelectionMode.SOFT);
        Graph r = new Graph("rotation");
        r.output("r", HouseholderSubspace.rotation(r.input(HouseholderSubspace.ROTATION, DType.FLOAT64,
                Shape.of(FULL.subspaceDim(), TARGET.hiddenSize()))));
        try (GraphRunner a = GraphRunner.open(eval); GraphRunner b = GraphRunner.open(r)) {
            double[] subspace = a.run(HyperDasFixtures.inputsOf(eval, HyperDasFixtures.merged(HyperDasFixtures.batch(),
                    params))).get(HyperDasGraphs.SUBSPACE).toDoubles();
            double[] rotation = b.run(Map.of(HouseholderSubspace.ROTATION, params.get(HouseholderSubspace.ROTATION)))
                    .get("r").toDoubles();
            assertArrayEquals(rotation, subspace, 0.0);
        }
    }

    @Test
    void scratchInitKeepsTheNamesButNotTheTargetsLayers() throws Exception {
        HyperDasConfig scratch = ablated("scratch-init", null);
        assertEquals(names(FULL), names(scratch));
        Map<String, double[]> copied = HyperDasParameters.initial(TARGET, FULL, HyperDasParameters.reader(TARGET_WEIGHTS));
        Map<String, double[]> fresh = HyperDasParameters.initial(TARGET, scratch,
                HyperDasParameters.reader(TARGET_WEIGHTS));
        int layerTensors = 0;
        for (String name : fresh.keySet()) {
            double[] v = fresh.get(name);
            if (!name.startsWith(HyperDasParameters.HYPERNET + "model.layers.")) {
                if (name.contains("model.")) { // embeddings and final norm stay the target's
                    assertArrayEquals(copied.get(name), v, 0.0, name);
                }
                continue;
            }
            layerTensors++;
            if (name.endsWith("norm.weight")) {
                assertTrue(java.util.Arrays.stream(v).allMatch(x -> x == 1.0), name);
            } else {
                assertFalse(java.util.Arrays.equals(copied.get(name), v), name + " is still a copy");
                double rms = Math.sqrt(java.util.Arrays.stream(v).map(x -> x * x).sum() / v.length);
                assertEquals(FULL.initStd(), rms, 0.35 * FULL.initStd(), name);
            }
        }
        assertTrue(layerTensors > 10);
        Map<String, HostTensor> init = new LinkedHashMap<>();
        Map<String, HostTensor> initFull = new LinkedHashMap<>();
        Map<String, long[]> shapes = HyperDasParameters.shapes(TARGET, FULL);
        fresh.forEach((n, v) -> init.put(n, HostTensor.ofDoubles(v, shapes.get(n))));
        copied.forEach((n, v) -> initFull.put(n, HostTensor.ofDoubles(v, shapes.get(n))));
        double diff = HyperDasFixtures.maxAbsDiff(labelLogits(FULL, initFull), labelLogits(scratch, init));
        System.out.printf("HyperDAS ablation scratch-init: max |label logits - full model's| at init %.3e%n", diff);
        assertTrue(diff > 1e-6);
    }

    @Test
    void randomOrderSwapsTheHalvesOfThePairProjectionWhenTheCoinSaysSo() throws Exception {
        HyperDasConfig random = ablated("random-order", null);
        assertEquals(names(FULL), names(random));
        assertTrue(graphs(random).training().batchInputs().contains(FeedSchema.PAIR_ORDER_SWAPPED.name()));
        assertFalse(graphs(FULL).training().batchInputs().contains(FeedSchema.PAIR_ORDER_SWAPPED.name()));
        // The training graph's forward with the coin fed: 0 is the full model; 1 is the full model
        // whose pair projection has its two d-column halves exchanged.
        Map<String, HostTensor> params = parameters(random);
        Map<String, HostTensor> exchanged = new LinkedHashMap<>(params);
        String pairName = HyperDasParameters.HYPERNET + SelectionHead.PAIR_PROJ;
        exchanged.put(pairName, swapHalves(params.get(pairName), TARGET.hiddenSize()));
        Graph g = new Graph("random_order");
        Value w = graphs(random).build(g, SelectionMode.SOFT, true, false).selection();
        g.output("w", w);
        double[] fullSoft = selection(FULL, params);
        double[] swappedFull = selection(FULL, exchanged);
        try (GraphRunner r = GraphRunner.open(g)) {
            Map<String, HostTensor> feeds = HyperDasFixtures.merged(HyperDasFixtures.trainingBatch(0, DType.FLOAT64),
                    params);
            feeds.put(FeedSchema.PAIR_ORDER_SWAPPED.name(), HostTensor.scalar(0, DType.INT64));
            assertArrayEquals(fullSoft, r.run(HyperDasFixtures.inputsOf(g, feeds)).get("w").toDoubles(), 1e-12);
            feeds.put(FeedSchema.PAIR_ORDER_SWAPPED.name(), HostTensor.scalar(1, DType.INT64));
            double[] swapped = r.run(HyperDasFixtures.inputsOf(g, feeds)).get("w").toDoubles();
            assertArrayEquals(swappedFull, swapped, 1e-12);
            assertTrue(HyperDasFixtures.maxAbsDiff(fullSoft, swapped) > 1e-6, "the order changes nothing");
        }
    }

    private static double[] selection(HyperDasConfig config, Map<String, HostTensor> params) throws Exception {
        Graph g = graphs(config).evaluation(SelectionMode.SOFT);
        try (GraphRunner r = GraphRunner.open(g)) {
            return r.run(HyperDasFixtures.inputsOf(g, HyperDasFixtures.merged(HyperDasFixtures.batch(), params)))
                    .get(HyperDasGraphs.SELECTION).toDoubles();
        }
    }

    /** [d, 2d] with columns 0..d-1 and d..2d-1 exchanged. */
    private static HostTensor swapHalves(HostTensor w, int d) {
        double[] v = w.toDoubles();
        double[] out = new double[v.length];
        for (int o = 0; o < d; o++) {
            for (int c = 0; c < 2 * d; c++) {
                out[o * 2 * d + (c + d) % (2 * d)] = v[o * 2 * d + c];
            }
        }
        return HostTensor.ofDoubles(out, w.shape());
    }

    @Test
    void maskSubspaceReplacesTheHouseholderMlpAndFeedsItsTemperatureInTraining() throws Exception {
        HyperDasConfig mask = ablated(null, "mask");
        Set<String> expected = fullNamesWithout(n -> n.startsWith(HyperDasParameters.HYPERNET + "householder."));
        MaskSubspace.shapes(TARGET, mask).keySet().forEach(n -> expected.add(HyperDasParameters.HYPERNET + n));
        assertRemoves(mask, expected);
        assertArrayEquals(new long[] {mask.subspaceDim(), mask.householderIntermediate()},
                HyperDasParameters.shapes(TARGET, mask).get(HyperDasParameters.HYPERNET + MaskSubspace.DOWN));
        assertTrue(graphs(mask).training().batchInputs().contains(FeedSchema.SUBSPACE_TEMPERATURE.name()));
        Set<String> evalInputs = new HashSet<>();
        graphs(mask).evaluation(SelectionMode.SOFT).inputs().forEach(v -> evalInputs.add(v.name()));
        assertFalse(evalInputs.contains(FeedSchema.SUBSPACE_TEMPERATURE.name()), "evaluation uses the final T");
        assertEquals(50.0, Ablations.temperature(0, 10));
        assertEquals(0.1, Ablations.temperature(10, 10), 1e-12);
        assertEquals(50.0 + (0.1 - 50.0) * 0.3, Ablations.temperature(3, 10), 1e-12);
    }

    // ---- the mask intervention against plain Java, and its gradients ----

    private static final int B = 2;
    private static final int TB = 3;
    private static final int S = 2;
    private static final int D = 6;
    private static final int K = 3;
    private static final int INTER = 5;
    private static final double EPS = 1e-5;

    private static LlamaConfig maskTarget() {
        return org.hyperdas.graphs.llama.TinyLlamas.config(1, false, false).toBuilder().hiddenSize(D).headDim(2)
                .numAttentionHeads(3).numKeyValueHeads(1).rmsNormEps(EPS).build();
    }

    private static Map<String, HostTensor> maskWeights(Random random) {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        double[] norm = PlainHyperDas.gaussian(random, D);
        for (int i = 0; i < D; i++) {
            norm[i] = 1 + 0.3 * norm[i];
        }
        m.put(MaskSubspace.NORM, HostTensor.ofDoubles(norm, D));
        m.put(MaskSubspace.GATE, HostTensor.ofDoubles(PlainHyperDas.gaussian(random, INTER * D), INTER, D));
        m.put(MaskSubspace.UP, HostTensor.ofDoubles(PlainHyperDas.gaussian(random, INTER * D), INTER, D));
        m.put(MaskSubspace.DOWN, HostTensor.ofDoubles(PlainHyperDas.gaussian(random, K * INTER), K, INTER));
        return m;
    }

    private static Value maskIntervention(LlamaConfig target, HyperDasConfig config, Map<String, HostTensor> weights,
            Map<String, Value> in) {
        Value m = MaskSubspace.mask(target, config, LlamaWeights.inline(weights), in.get("z"), in.get("t"));
        return HyperDasIntervention.apply(in.get("base"), in.get("source"), in.get("w"), in.get("r").unsqueeze(0), m);
    }

    @Test
    void maskInterventionMatchesThePlainJavaForwardAndFiniteDifferences() throws Exception {
        LlamaConfig target = maskTarget();
        HyperDasConfig config = HyperDasConfig.reference(target).withSubspaceDim(K).withHouseholderIntermediate(INTER)
                .withLayer(0).withHypernetLayers(1).withSelectionHeads(3)
                .withAblations(Ablations.parse(null, "mask"));
        Random random = new Random(23);
        Map<String, HostTensor> weights = maskWeights(random);
        Map<String, HostTensor> data = new LinkedHashMap<>();
        data.put("z", HostTensor.ofDoubles(PlainHyperDas.gaussian(random, B * D), B, D));
        data.put("t", HostTensor.scalar(0.7, DType.FLOAT64));
        data.put("base", HostTensor.ofDoubles(PlainHyperDas.gaussian(random, B * TB * D), B, TB, D));
        data.put("source", HostTensor.ofDoubles(PlainHyperDas.gaussian(random, B * S * D), B, S, D));
        double[] w = new double[B * (S + 1) * TB];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextDouble();
        }
        data.put("w", HostTensor.ofDoubles(w, B, S + 1, TB));
        data.put("r", HostTensor.ofDoubles(PlainHyperDas.gaussian(random, D * K), D, K));
        Graph g = new Graph("mask_intervention");
        Map<String, Value> in = new LinkedHashMap<>();
        data.forEach((name, t) -> in.put(name, g.input(name, DType.FLOAT64, Shape.of(
                java.util.Arrays.stream(t.shape()).boxed().toArray()))));
        g.output("h", maskIntervention(target, config, weights, in));
        double[] actual;
        try (GraphRunner r = GraphRunner.open(g)) {
            actual = r.run(data).get("h").toDoubles();
        }
        double diff = HyperDasFixtures.maxAbsDiff(plainMaskIntervention(data, weights), actual);
        System.out.printf("HyperDAS mask subspace: ONNX vs plain Java max abs diff %.2e%n", diff);
        assertTrue(diff < 1e-10, "max abs diff " + diff);

        List<FiniteDifference.Input> inputs = List.of(
                FiniteDifference.in("z", Shape.of(B, D), B, D),
                FiniteDifference.in("t", FiniteDifference.Fill.POSITIVE, Shape.of(), new long[0]),
                FiniteDifference.in("base", Shape.of(B, TB, D), B, TB, D),
                FiniteDifference.in("source", Shape.of(B, S, D), B, S, D),
                FiniteDifference.in("w", FiniteDifference.Fill.POSITIVE, Shape.of(B, S + 1, TB), B, S + 1, TB),
                FiniteDifference.in("r", Shape.of(D, K), D, K));
        double worst = FiniteDifference.worstRelativeError(inputs, v -> maskIntervention(target, config, weights, v),
                1e-6, 29);
        System.out.printf("HyperDAS mask subspace: finite differences, worst relative error %.2e%n", worst);
        assertTrue(worst < 1e-5, "worst relative error " + worst);
    }

    /** m = sigmoid(SwiGLU(RMSNorm(z)) / T); h' = h + (((s~ - h) R) * m) R^T, loop by loop. */
    private static double[] plainMaskIntervention(Map<String, HostTensor> data, Map<String, HostTensor> weights) {
        double[] z = data.get("z").toDoubles();
        double t = data.get("t").toDoubles()[0];
        double[] base = data.get("base").toDoubles();
        double[] source = data.get("source").toDoubles();
        double[] w = data.get("w").toDoubles();
        double[] r = data.get("r").toDoubles();
        double[] normed = NaiveLayers.rmsNorm(z, weights.get(MaskSubspace.NORM).toDoubles(), D, EPS);
        double[] gate = NaiveLayers.linear(normed, weights.get(MaskSubspace.GATE).toDoubles(), D, INTER);
        double[] up = NaiveLayers.linear(normed, weights.get(MaskSubspace.UP).toDoubles(), D, INTER);
        for (int i = 0; i < gate.length; i++) {
            gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        double[] m = NaiveLayers.linear(gate, weights.get(MaskSubspace.DOWN).toDoubles(), INTER, K);
        for (int i = 0; i < m.length; i++) {
            m[i] = 1 / (1 + Math.exp(-m[i] / t));
        }
        double[] out = new double[base.length];
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < TB; j++) {
                double[] delta = new double[D];
                for (int e = 0; e < D; e++) {
                    double mixed = w[(b * (S + 1) + S) * TB + j] * base[(b * TB + j) * D + e];
                    for (int i = 0; i < S; i++) {
                        mixed += w[(b * (S + 1) + i) * TB + j] * source[(b * S + i) * D + e];
                    }
                    delta[e] = mixed - base[(b * TB + j) * D + e];
                }
                for (int e = 0; e < D; e++) {
                    double update = 0;
                    for (int c = 0; c < K; c++) {
                        double coordinate = 0;
                        for (int f = 0; f < D; f++) {
                            coordinate += delta[f] * r[f * K + c];
                        }
                        update += coordinate * m[b * K + c] * r[e * K + c];
                    }
                    out[(b * TB + j) * D + e] = base[(b * TB + j) * D + e] + update;
                }
            }
        }
        return out;
    }

    @Test
    void parseRefusesUnknownNamesAndNamesWhatIsOn() {
        assertEquals(Ablations.NONE, Ablations.parse(null, null));
        assertTrue(Ablations.NONE.isNone());
        Ablations a = Ablations.parse(List.of("no-base-cross", "random-order"), "plain");
        assertEquals(List.of("no-base-cross", "random-order", "subspace-plain"), a.names());
        BadInputException e = assertThrows(BadInputException.class, () -> Ablations.parse(List.of("no-mlp"), null));
        assertTrue(e.getMessage().contains("--ablate") && e.getMessage().contains("no-source-cross"), e.getMessage());
        assertThrows(BadInputException.class, () -> Ablations.parse(null, "boundless"));
    }
}
