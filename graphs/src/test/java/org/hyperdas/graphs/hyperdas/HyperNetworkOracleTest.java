package org.hyperdas.graphs.hyperdas;

import static org.hyperdas.graphs.hyperdas.TinyHyperDas.EPS;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.HEADS;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.HEAD_DIM;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.HIDDEN;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.INTER;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.KV_HEADS;
import static org.hyperdas.graphs.hyperdas.TinyHyperDas.THETA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * {@link HyperNetwork#apply} run by ONNX Runtime against a plain-Java forward of its layer
 * assembly: embeddings, then per copied decoder layer causal self-attention over the instruction,
 * cross-attention to the SOURCE memory, cross-attention to the BASE memory and the SwiGLU MLP (each
 * pre-norm, added into the residual in that order), the final norm, and the last-token state.
 */
class HyperNetworkOracleTest {
    private static final int B = 2;
    private static final int TI = 5;
    private static final int MS = 6;
    private static final int MB = 4;
    private static final int LAYERS = 2;
    /** Row 0 right-padded; row 1 left-padded, so its first queries see no key at all. */
    private static final long[] IDS = {1, 5, 9, 3, 0, 0, 0, 1, 7, 11};
    private static final long[] MASK = {1, 1, 1, 1, 0, 0, 0, 1, 1, 1};
    private static final long[] SOURCE_MASK = {1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0};
    private static final long[] BASE_MASK = {1, 1, 1, 0, 0, 1, 1, 0};

    @Test
    void layerAssemblyMatchesThePlainJavaForward() throws Exception {
        LlamaConfig target = TinyHyperDas.target();
        HyperDasConfig config = TinyHyperDas.config(target);
        Graph g = new Graph("hypernet");
        Value ids = g.input("ids", DType.INT64, Shape.of(B, TI));
        Value mask = g.input("mask", DType.INT64, Shape.of(B, TI));
        HiddenStateMemory source = memory(g, "source", MS);
        HiddenStateMemory base = memory(g, "base", MB);
        HyperNetwork net = new HyperNetwork(g, target, config, LlamaWeights.inputs(DType.FLOAT64), DType.FLOAT64);
        HyperNetwork.Output out = net.apply(ids, mask, source, base);
        g.output("states", out.states());
        g.output("last", out.last());
        g.output("last_position", out.lastPosition());

        Random random = new Random(23);
        Map<String, HostTensor> data = new LinkedHashMap<>();
        data.put("ids", HostTensor.ofLongs(IDS, B, TI));
        data.put("mask", HostTensor.ofLongs(MASK, B, TI));
        putMemory(data, "source", MS, SOURCE_MASK, random);
        putMemory(data, "base", MB, BASE_MASK, random);
        Map<String, HostTensor> feeds = PlainHyperDas.randomWeights(g, data, 29);

        Map<String, HostTensor> actual;
        try (GraphRunner r = GraphRunner.open(g)) {
            actual = r.run(feeds);
        }
        Expected expected = oracle(feeds);
        double statesDiff = HyperDasFixtures.maxAbsDiff(expected.states(), actual.get("states").toDoubles());
        double lastDiff = HyperDasFixtures.maxAbsDiff(expected.last(), actual.get("last").toDoubles());
        System.out.printf("HyperDAS hypernetwork (%d layers): ONNX vs plain Java max abs diff %.2e (states), %.2e"
                + " (last-token state)%n", LAYERS, statesDiff, lastDiff);
        assertTrue(statesDiff < 1e-5, "states: max abs diff " + statesDiff);
        assertTrue(lastDiff < 1e-5, "last-token state: max abs diff " + lastDiff);
        assertArrayEquals(expected.lastPosition(), actual.get("last_position").toLongs());
    }

    /** A memory fed as graph inputs: states, mask, and positions = cumsum(mask) * mask. */
    private static HiddenStateMemory memory(Graph g, String name, int length) {
        return new HiddenStateMemory(g.input(name + "_states", DType.FLOAT64, Shape.of(B, length, HIDDEN)),
                g.input(name + "_mask", DType.INT64, Shape.of(B, length)),
                g.input(name + "_positions", DType.INT64, Shape.of(B, length)));
    }

    private static void putMemory(Map<String, HostTensor> data, String name, int length, long[] mask, Random random) {
        data.put(name + "_states", HostTensor.ofDoubles(PlainHyperDas.gaussian(random, B * length * HIDDEN), B, length,
                HIDDEN));
        data.put(name + "_mask", HostTensor.ofLongs(mask, B, length));
        data.put(name + "_positions", HostTensor.ofLongs(PlainHyperDas.cumsumPositions(mask, length), B, length));
    }

    private record Expected(double[] states, double[] last, long[] lastPosition) {
    }

    private static Expected oracle(Map<String, HostTensor> feeds) {
        double[] embed = feeds.get("model.embed_tokens.weight").toDoubles();
        long[] positions = new long[B * TI];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = positionOf(i); // cumsum(mask) at every token, pads included
        }
        double[] x = new double[B * TI * HIDDEN];
        for (int r = 0; r < B * TI; r++) {
            System.arraycopy(embed, (int) IDS[r] * HIDDEN, x, r * HIDDEN, HIDDEN);
        }
        for (int layer = 0; layer < LAYERS; layer++) {
            String p = "model.layers." + layer + ".";
            double[] h = NaiveLayers.rmsNorm(x, feeds.get(p + "input_layernorm.weight").toDoubles(), HIDDEN, EPS);
            x = PlainHyperDas.add(x, attention(feeds, p + "self_attn", h, positions, h, positions, TI,
                    (b, i, j) -> j <= i && MASK[b * TI + j] == 1));
            x = PlainHyperDas.add(x, crossAttention(feeds, p + HyperNetwork.SOURCE_CROSS, x, positions, "source", MS,
                    SOURCE_MASK));
            x = PlainHyperDas.add(x, crossAttention(feeds, p + HyperNetwork.BASE_CROSS, x, positions, "base", MB,
                    BASE_MASK));
            double[] m = NaiveLayers.rmsNorm(x, feeds.get(p + "post_attention_layernorm.weight").toDoubles(), HIDDEN,
                    EPS);
            x = PlainHyperDas.add(x, NaiveLayers.swiGlu(m, feeds.get(p + "mlp.gate_proj.weight").toDoubles(),
                    feeds.get(p + "mlp.up_proj.weight").toDoubles(), feeds.get(p + "mlp.down_proj.weight").toDoubles(),
                    HIDDEN, INTER));
        }
        double[] states = NaiveLayers.rmsNorm(x, feeds.get("model.norm.weight").toDoubles(), HIDDEN, EPS);
        double[] last = new double[B * HIDDEN];
        long[] lastPosition = new long[B];
        for (int b = 0; b < B; b++) {
            int t = 0;
            for (int i = 0; i < TI; i++) {
                t = MASK[b * TI + i] == 1 ? i : t;
            }
            System.arraycopy(states, (b * TI + t) * HIDDEN, last, b * HIDDEN, HIDDEN);
            lastPosition[b] = positions[b * TI + t];
        }
        return new Expected(states, last, lastPosition);
    }

    /** 1-based count of real tokens up to and including flat index {@code at} of its row. */
    private static long positionOf(int at) {
        int row = at / TI;
        long count = 0;
        for (int t = row * TI; t <= at; t++) {
            count += MASK[t];
        }
        return count;
    }

    /** {@code o_proj(attention(q_proj(norm(x)), k_proj(memory), v_proj(memory)))}, every visible entry seen. */
    private static double[] crossAttention(Map<String, HostTensor> feeds, String module, double[] x, long[] positions,
            String memory, int length, long[] mask) {
        double[] h = NaiveLayers.rmsNorm(x, feeds.get(module + "_layernorm.weight").toDoubles(), HIDDEN, EPS);
        double[] states = feeds.get(memory + "_states").toDoubles();
        long[] keyPositions = feeds.get(memory + "_positions").toLongs();
        return attention(feeds, module, h, positions, states, keyPositions, length,
                (b, i, j) -> mask[b * length + j] == 1);
    }

    /** Projections (with biases), RoPE on queries and keys, attention, o_proj; [B, TI, hidden]. */
    private static double[] attention(Map<String, HostTensor> feeds, String module, double[] queries,
            long[] queryPositions, double[] keys, long[] keyPositions, int nk, PlainHyperDas.Sees sees) {
        int qWidth = HEADS * HEAD_DIM;
        int kvWidth = KV_HEADS * HEAD_DIM;
        double[] q = PlainHyperDas.rope(project(feeds, module + ".q_proj", queries, HIDDEN, qWidth), queryPositions,
                HEADS, HEAD_DIM, THETA);
        double[] k = PlainHyperDas.rope(project(feeds, module + ".k_proj", keys, HIDDEN, kvWidth), keyPositions,
                KV_HEADS, HEAD_DIM, THETA);
        double[] v = project(feeds, module + ".v_proj", keys, HIDDEN, kvWidth);
        double[] attended = PlainHyperDas.attention(q, k, v, B, TI, nk, HEADS, KV_HEADS, HEAD_DIM, sees);
        return project(feeds, module + ".o_proj", attended, qWidth, HIDDEN);
    }

    private static double[] project(Map<String, HostTensor> feeds, String name, double[] x, int in, int out) {
        HostTensor bias = feeds.get(name + ".bias");
        return NaiveLayers.linear(x, feeds.get(name + ".weight").toDoubles(), bias == null ? null : bias.toDoubles(),
                in, out);
    }
}
