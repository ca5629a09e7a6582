package org.hyperdas.tests.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Makes {@link ReferenceLlama} trustworthy on its own: a real model's published output plus invariants. */
class ReferenceLlamaTest {
    static final long[] README_IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};
    static final String README_TEXT =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";

    // ------------------------------------------------------------------ 1, 2: a real pretrained model

    @Test
    void stories260kGreedyFromBosReproducesTheReadme() {
        Path folder = SharedData.require("models/stories260K");
        ReferenceLlama ref = ReferenceLlama.load(folder);
        // 30 new tokens end at "park"; 36 include the final period.
        long[] ids = ref.greedy(new long[] {1}, 36);
        assertEquals(37, ids.length);
        assertArrayEquals(README_IDS, Arrays.copyOf(ids, 16), "first 16 greedy ids: " + Arrays.toString(ids));
        try (HfModel model = HfModel.open(folder)) {
            String text = model.tokenizer().decode(ids, true);
            assertTrue(text.startsWith(README_TEXT), "decoded: " + text);
        }
    }

    @Test
    void stories260kBf16ShardedGivesTheSameFirst40GreedyTokens() {
        Path f32 = SharedData.require("models/stories260K");
        Path bf16 = SharedData.require("models/stories260K-bf16-sharded");
        long[] a = ReferenceLlama.load(f32).greedy(new long[] {1}, 39);
        long[] b = ReferenceLlama.load(bf16).greedy(new long[] {1}, 39);
        assertEquals(40, a.length);
        assertArrayEquals(a, b);
    }

    // ------------------------------------------------------------------ 3: padding

    @Test
    void leftAndRightPaddingInABatchDoNotChangeRealPositions() {
        for (ReferenceLlama ref : new ReferenceLlama[] {
                ReferenceLlama.randomTiny(11, true, true, true).reference(),
                ReferenceLlama.randomTiny(12, false, false, false).reference()}) {
            checkPaddingInvariance(ref);
        }
    }

    @Test
    void paddingInvarianceOnStories260k() {
        checkPaddingInvariance(ReferenceLlama.load(SharedData.require("models/stories260K")));
    }

    private static void checkPaddingInvariance(ReferenceLlama ref) {
        long[] shortP = {1, 17, 42, 5, 9};
        long[] longP = {1, 33, 8, 21, 60, 3, 44, 12, 7};
        int n = shortP.length;
        int s = longP.length;
        ReferenceLlama.Output alone = ref.forward(new long[][] {shortP});

        long[] left = new long[s];
        long[] leftMask = new long[s];
        long[] right = new long[s];
        long[] rightMask = new long[s];
        Arrays.fill(left, 0); // pad id 0 (its embedding must not matter)
        Arrays.fill(right, 2);
        for (int i = 0; i < n; i++) {
            left[s - n + i] = shortP[i];
            leftMask[s - n + i] = 1;
            right[i] = shortP[i];
            rightMask[i] = 1;
        }
        long[] full = new long[s];
        Arrays.fill(full, 1);
        ReferenceLlama.Output lp = ref.forward(new long[][] {longP, left}, new long[][] {full, leftMask});
        ReferenceLlama.Output rp = ref.forward(new long[][] {right, longP}, new long[][] {rightMask, full});
        assertArrayEquals(new long[] {1, 1, 1, 1, 0, 1, 2, 3, 4}, lp.positionIds()[1]);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 1, 1, 1, 1}, rp.positionIds()[0]);

        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, maxAbsDiff(alone.logits()[0][i], lp.logits()[1][s - n + i]));
            worst = Math.max(worst, maxAbsDiff(alone.logits()[0][i], rp.logits()[0][i]));
            for (int h = 0; h < alone.hiddenStates().length; h++) {
                worst = Math.max(worst, maxAbsDiff(alone.hiddenStates()[h][0][i], lp.hiddenStates()[h][1][s - n + i]));
                worst = Math.max(worst, maxAbsDiff(alone.hiddenStates()[h][0][i], rp.hiddenStates()[h][0][i]));
            }
        }
        assertTrue(worst < 1e-5, "padding changed real positions by " + worst);
        // The long prompt, unpadded in both batches, is identical to itself alone too.
        ReferenceLlama.Output longAlone = ref.forward(new long[][] {longP});
        for (int i = 0; i < s; i++) {
            assertTrue(maxAbsDiff(longAlone.logits()[0][i], lp.logits()[0][i]) < 1e-5);
            assertTrue(maxAbsDiff(longAlone.logits()[0][i], rp.logits()[1][i]) < 1e-5);
        }
        // Fully masked query rows (left padding) stay finite.
        for (float[] row : lp.logits()[1]) {
            for (float v : row) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void positionIdsFollowHfGenerate() {
        long[][] pos = ReferenceLlama.positionIds(new long[][] {{0, 0, 1, 1, 1}, {1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}});
        assertArrayEquals(new long[] {1, 1, 0, 1, 2}, pos[0]);
        assertArrayEquals(new long[] {0, 1, 2, 1, 1}, pos[1]);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4}, pos[2]);
    }

    // ------------------------------------------------------------------ 4: grouped-query attention

    @Test
    void gqaEqualsExplicitlyDuplicatedKvHeads() {
        ReferenceLlama.Model gqa = ReferenceLlama.randomTiny(21, true, false, false);
        LlamaConfig c = gqa.config();
        assertEquals(8, c.numAttentionHeads());
        assertEquals(2, c.numKeyValueHeads());
        int group = c.numAttentionHeads() / c.numKeyValueHeads();
        int hd = c.headDim();
        int hidden = c.hiddenSize();
        LlamaConfig mhaConfig = c.toBuilder().numKeyValueHeads(c.numAttentionHeads()).build();
        Map<String, float[]> mha = new LinkedHashMap<>(gqa.weights());
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (String proj : new String[] {"k_proj", "v_proj"}) {
                String name = "model.layers." + l + ".self_attn." + proj + ".weight";
                float[] src = gqa.weights().get(name); // [kv*hd, hidden]
                float[] dst = new float[c.numAttentionHeads() * hd * hidden];
                for (int h = 0; h < c.numAttentionHeads(); h++) {
                    // query head h uses kv head h / group: copy that head's hd rows.
                    System.arraycopy(src, (h / group) * hd * hidden, dst, h * hd * hidden, hd * hidden);
                }
                mha.put(name, dst);
            }
        }
        long[][] ids = {{1, 5, 9, 40, 77, 3, 12}, {1, 90, 2, 2, 8, 61, 33}};
        float[][][] a = gqa.reference().forward(ids).logits();
        float[][][] b = new ReferenceLlama(mhaConfig, mha).forward(ids).logits();
        double worst = 0;
        for (int bi = 0; bi < ids.length; bi++) {
            for (int t = 0; t < ids[0].length; t++) {
                worst = Math.max(worst, maxAbsDiff(a[bi][t], b[bi][t]));
            }
        }
        assertTrue(worst < 1e-6, "GQA vs duplicated heads: " + worst);

        // And the grouping matters: pairing query heads with the wrong kv head changes the output.
        Map<String, float[]> wrong = new LinkedHashMap<>(mha);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String name = "model.layers." + l + ".self_attn.k_proj.weight";
            float[] src = gqa.weights().get(name);
            float[] dst = new float[c.numAttentionHeads() * hd * hidden];
            for (int h = 0; h < c.numAttentionHeads(); h++) {
                System.arraycopy(src, (h % c.numKeyValueHeads()) * hd * hidden, dst, h * hd * hidden, hd * hidden);
            }
            wrong.put(name, dst);
        }
        float[][][] bad = new ReferenceLlama(mhaConfig, wrong).forward(ids).logits();
        assertTrue(maxAbsDiff(a[0][6], bad[0][6]) > 1e-3);
    }

    // ------------------------------------------------------------------ 5: RoPE frequencies

    @Test
    void llama3RopeScalingMatchesHandComputedValues() {
        // head_dim 8, theta 500000, factor 8, low 1, high 4, original 8192.
        LlamaConfig c = LlamaConfig.builder().hiddenSize(8).intermediateSize(8).numHiddenLayers(1)
                .numAttentionHeads(1).headDim(8).vocabSize(4).ropeTheta(500000)
                .ropeScaling(new LlamaConfig.RopeScaling("llama3", 8, 1, 4, 8192)).build();
        // Unscaled: 500000^(-2i/8) = 1, 500000^-0.25, 500000^-0.5, 500000^-0.75
        //   = 1, 0.03760603093086393, 0.001414213562373095, 5.318295896944988e-05.
        // Wavelengths 2 pi / f: 6.283, 167.08, 4442.88, 118142.8.
        // Bands: high-freq if wavelen < 8192/4 = 2048 (kept), low-freq if > 8192/1 = 8192 (divided by 8).
        // i=0, i=1: kept.  i=3: 5.318295896944988e-05 / 8 = 6.647869871181235e-06.
        // i=2: medium: smooth = (8192 / 4442.882938158366 - 1) / (4 - 1) = 0.28128260516325104,
        //      f = (1 - smooth) * f / 8 + smooth * f = 0.001414213562373095 * 0.3441222795178446
        //        = 0.0005248461609929546.
        double[] expected = {1.0, 0.03760603093086393, 0.0005248461609929546, 6.647869871181235e-06};
        double[] got = ReferenceLlama.invFreq(c);
        assertEquals(4, got.length);
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], got[i], Math.abs(expected[i]) * 1e-12, "inv_freq[" + i + "]");
        }

        double[] plain = {1.0, 0.03760603093086393, 0.001414213562373095, 5.318295896944988e-05};
        assertArrayEquals(plain, ReferenceLlama.invFreq(c.toBuilder().ropeScaling(null).build()), 1e-17);
        // factor 1: every band leaves inv_freq unchanged (f/1 and (1-s) f + s f = f).
        assertArrayEquals(plain, ReferenceLlama.invFreq(c.toBuilder()
                .ropeScaling(new LlamaConfig.RopeScaling("llama3", 1, 1, 4, 8192)).build()), 1e-17);
        // A huge original context puts every wavelength in the high-frequency band: unchanged even with factor 8.
        assertArrayEquals(plain, ReferenceLlama.invFreq(c.toBuilder()
                .ropeScaling(new LlamaConfig.RopeScaling("llama3", 8, 1, 4, 1 << 30)).build()), 1e-17);
    }

    @Test
    void tinyLlama3ConfigHitsAllThreeBandsAndChangesLogits() {
        ReferenceLlama.Model scaled = ReferenceLlama.randomTiny(5, true, true, true);
        // theta 10000, head_dim 8: 1, 0.1, 0.01, 0.001; original 256, low 1, high 8 (bands 32 .. 256):
        // wavelen 6.28 kept; 62.83 medium, smooth = (256/62.83185307179586 - 1)/7 = 0.4391952204503601;
        // 628 and 6283 divided by 8.
        double s = 0.4391952204503601;
        double[] expected = {1.0, 0.1 * ((1 - s) / 8 + s), 0.01 / 8, 0.001 / 8};
        assertArrayEquals(expected, ReferenceLlama.invFreq(scaled.config()), 1e-15);
        LlamaConfig unscaledConfig = scaled.config().toBuilder().ropeScaling(null).build();
        long[][] ids = {{1, 4, 8, 15, 16, 23, 42}};
        float[] a = scaled.reference().forward(ids).logits()[0][6];
        float[] b = new ReferenceLlama(unscaledConfig, scaled.weights()).forward(ids).logits()[0][6];
        assertTrue(maxAbsDiff(a, b) > 1e-3, "rope scaling should be visible in a tiny model");
    }

    @Test
    void ropeOnlySeesRelativePositions() {
        // Shifting every position id by a constant must not change anything (q.k depends on pos_q - pos_k).
        ReferenceLlama ref = ReferenceLlama.randomTiny(7, true, false, true).reference();
        long[][] ids = {{1, 10, 20, 30, 40, 50}};
        long[][] mask = {{1, 1, 1, 1, 1, 1}};
        float[][] a = ref.forward(ids, mask, new long[][] {{0, 1, 2, 3, 4, 5}}).logits()[0];
        float[][] b = ref.forward(ids, mask, new long[][] {{37, 38, 39, 40, 41, 42}}).logits()[0];
        float[][] c = ref.forward(ids, mask, new long[][] {{0, 2, 4, 6, 8, 10}}).logits()[0];
        for (int t = 0; t < 6; t++) {
            assertTrue(maxAbsDiff(a[t], b[t]) < 1e-5);
        }
        assertTrue(maxAbsDiff(a[5], c[5]) > 1e-3, "positions must matter");
    }

    // ------------------------------------------------------------------ outputs, factory, folder

    @Test
    void hiddenStatesConvention() {
        ReferenceLlama.Model m = ReferenceLlama.randomTiny(3, true, true, false);
        long[][] ids = {{1, 7, 9}};
        ReferenceLlama.Output out = m.reference().forward(ids);
        int layers = m.config().numHiddenLayers();
        int hidden = m.config().hiddenSize();
        assertEquals(layers + 1, out.hiddenStates().length);
        float[] embed = m.weights().get("model.embed_tokens.weight");
        assertArrayEquals(Arrays.copyOfRange(embed, 7 * hidden, 8 * hidden), out.hiddenStates()[0][0][1]);
        // finalNormed = RMSNorm(last hidden) with model.norm.weight; logits = lm_head . finalNormed.
        float[] last = out.hiddenStates()[layers][0][2];
        double ss = 0;
        for (float v : last) {
            ss += (double) v * v;
        }
        double inv = 1 / Math.sqrt(ss / hidden + m.config().rmsNormEps());
        float[] normW = m.weights().get("model.norm.weight");
        float[] head = m.weights().get("lm_head.weight");
        for (int i = 0; i < hidden; i++) {
            assertEquals(last[i] * inv * normW[i], out.finalNormed()[0][2][i], 1e-5);
        }
        double logit5 = 0;
        for (int i = 0; i < hidden; i++) {
            logit5 += head[5 * hidden + i] * out.finalNormed()[0][2][i];
        }
        assertEquals(logit5, out.logits()[0][2][5], 1e-4);
        assertEquals(layers + 1, out.hfHiddenStates().size());
        assertTrue(out.hfHiddenStates().get(layers) == out.finalNormed());
        assertTrue(out.hidden(layers, false) == out.hiddenStates()[layers]);
    }

    @Test
    void randomFactoryIsDeterministicAndHonoursOptions() {
        ReferenceLlama.Model a = ReferenceLlama.randomTiny(42, true, true, true);
        ReferenceLlama.Model b = ReferenceLlama.randomTiny(42, true, true, true);
        assertEquals(a.weights().keySet(), b.weights().keySet());
        for (String k : a.weights().keySet()) {
            assertArrayEquals(a.weights().get(k), b.weights().get(k), k);
        }
        assertEquals(a.config(), b.config());
        assertTrue(a.weights().containsKey("lm_head.weight"));
        assertEquals(2, a.config().numKeyValueHeads());
        assertEquals("llama3", a.config().ropeScaling().ropeType());
        ReferenceLlama.Model t = ReferenceLlama.randomTiny(42, false, false, false);
        assertFalse(t.weights().containsKey("lm_head.weight"));
        assertTrue(t.config().tieWordEmbeddings());
        assertEquals(8, t.config().numKeyValueHeads());
        assertEquals(null, t.config().ropeScaling());
        assertNotEquals(a.weights().get("model.norm.weight")[0],
                ReferenceLlama.randomTiny(43, true, true, true).weights().get("model.norm.weight")[0]);
    }

    @Test
    void writtenFolderLoadsBackWithIdenticalLogits(@TempDir Path dir) throws Exception {
        ReferenceLlama.Model m = ReferenceLlama.randomTiny(9, true, true, true);
        Path folder = m.writeTo(dir.resolve("tiny"));
        try (HfModel model = HfModel.open(folder)) {
            assertEquals(m.config(), model.config());
            assertEquals(m.config().vocabSize(), model.tokenizer().vocabSize());
            assertTrue(model.unexpectedTensors().isEmpty());
        }
        long[][] ids = {{1, 3, 50, 95, 2}};
        float[][][] a = m.reference().forward(ids).logits();
        float[][][] b = ReferenceLlama.load(folder).forward(ids).logits();
        for (int t = 0; t < 5; t++) {
            assertArrayEquals(a[0][t], b[0][t]);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}
