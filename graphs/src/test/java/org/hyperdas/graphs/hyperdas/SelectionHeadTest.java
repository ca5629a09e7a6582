package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.junit.jupiter.api.Test;

/** The hard evaluation modes against a plain-Java statement of their rules, on random selections. */
class SelectionHeadTest {
    private static final int B = 6;
    private static final int S = 7;
    private static final int TB = 9;
    private static final double CLAMP = 0.1;

    @Test
    void hardModesFollowTheirRules() throws Exception {
        Graph g = new Graph("hard_modes");
        Value w = g.input("w", DType.FLOAT64, Shape.of(B, S + 1, TB));
        g.output("one_to_many", SelectionHead.oneToMany(w));
        g.output("one_to_one", SelectionHead.oneToOne(w, null, CLAMP));
        int clampDecided = 0;
        int selfColumns = 0;
        int sourceColumns = 0;
        try (GraphRunner r = GraphRunner.open(g)) {
            for (long seed = 1; seed <= 20; seed++) {
                Random random = new Random(seed);
                double[] weights = randomSelection(random, seed % 2 == 0 ? 3.0 : 0.7);
                Map<String, HostTensor> out = r.run(Map.of("w", HostTensor.ofDoubles(weights, B, S + 1, TB)));
                assertArrayEquals(oneToMany(weights), out.get("one_to_many").toDoubles(), 0.0, "seed " + seed);
                double[] expected = oneToOne(weights, CLAMP);
                assertArrayEquals(expected, out.get("one_to_one").toDoubles(), 0.0, "seed " + seed);
                double[] unclamped = oneToOne(weights, 0.0);
                for (int b = 0; b < B; b++) {
                    for (int j = 0; j < TB; j++) {
                        boolean self = expected[at(b, S, j)] == 1;
                        selfColumns += self ? 1 : 0;
                        sourceColumns += self ? 0 : 1;
                        clampDecided += self && unclamped[at(b, S, j)] == 0 ? 1 : 0;
                    }
                }
            }
        }
        System.out.printf("HyperDAS hard modes: 20 random selections match the rules; one-to-one chose SELF in %d"
                + " columns (%d of them because of the 0.1 clamp) and a source row in %d%n", selfColumns,
                clampDecided, sourceColumns);
        assertTrue(clampDecided > 0 && sourceColumns > 0, "the random cases never exercised the clamp or a bid");
    }

    @Test
    void globalArgmaxKeepsTheLargestSourceCellOnly() throws Exception {
        Graph g = new Graph("global_argmax");
        // Symbolic dims: S comes from the source mask, as in the evaluation graphs.
        Value w = g.input("w", DType.FLOAT64, Shape.of("batch", "rows", "base"));
        Value source = g.input("source", DType.INT64, Shape.of("batch", "source"));
        g.output("global", SelectionHead.globalArgmax(w, source));
        HostTensor sourceMask = HostTensor.ofLongs(new long[B * S], B, S);
        int distinctColumns = 0;
        try (GraphRunner r = GraphRunner.open(g)) {
            for (long seed = 1; seed <= 20; seed++) {
                double[] weights = randomSelection(new Random(seed), seed % 2 == 0 ? 3.0 : 0.7);
                if (seed == 1) { // an exact tie between two cells: the lower flattened index wins
                    weights[at(0, 2, 5)] = 2.0;
                    weights[at(0, 3, 1)] = 2.0;
                }
                Map<String, HostTensor> out = r.run(Map.of("w", HostTensor.ofDoubles(weights, B, S + 1, TB),
                        "source", sourceMask));
                double[] expected = globalArgmax(weights);
                assertArrayEquals(expected, out.get("global").toDoubles(), 0.0, "seed " + seed);
                if (seed == 1) {
                    assertTrue(expected[at(0, 2, 5)] == 1 && expected[at(0, 3, 1)] == 0, "tie rule");
                }
                java.util.Set<Integer> columns = new java.util.HashSet<>();
                for (int b = 0; b < B; b++) {
                    for (int j = 0; j < TB; j++) {
                        if (expected[at(b, S, j)] == 0) {
                            columns.add(j);
                        }
                    }
                }
                distinctColumns = Math.max(distinctColumns, columns.size());
            }
        }
        assertTrue(distinctColumns > 1, "every example chose the same base column");
    }

    /**
     * Per example: the first maximal (i, j) over the source rows in row-major order becomes 1, its
     * column's SELF 0; all other columns SELF.
     */
    static double[] globalArgmax(double[] w) {
        double[] out = new double[w.length];
        for (int b = 0; b < B; b++) {
            int bi = 0;
            int bj = 0;
            for (int i = 0; i < S; i++) {
                for (int j = 0; j < TB; j++) {
                    if (w[at(b, i, j)] > w[at(b, bi, bj)]) {
                        bi = i;
                        bj = j;
                    }
                }
            }
            for (int j = 0; j < TB; j++) {
                out[at(b, S, j)] = j == bj ? 0 : 1;
            }
            out[at(b, bi, bj)] = 1;
        }
        return out;
    }

    /** Masked softmax over the S + 1 rows of random scores (random masks; SELF row never masked). */
    private static double[] randomSelection(Random random, double scale) {
        double[] w = new double[B * (S + 1) * TB];
        for (int b = 0; b < B; b++) {
            boolean[] src = new boolean[S];
            boolean[] base = new boolean[TB];
            for (int i = 0; i < S; i++) {
                src[i] = random.nextDouble() < 0.8;
            }
            for (int j = 0; j < TB; j++) {
                base[j] = random.nextDouble() < 0.8;
            }
            for (int j = 0; j < TB; j++) {
                double[] scores = new double[S + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i <= S; i++) {
                    boolean shown = i == S || (src[i] && base[j]);
                    scores[i] = shown ? scale * random.nextGaussian() : Double.NEGATIVE_INFINITY;
                    max = Math.max(max, scores[i]);
                }
                double sum = 0;
                for (int i = 0; i <= S; i++) {
                    scores[i] = Math.exp(scores[i] - max);
                    sum += scores[i];
                }
                for (int i = 0; i <= S; i++) {
                    w[at(b, i, j)] = scores[i] / sum;
                }
            }
        }
        return w;
    }

    private static int at(int b, int i, int j) {
        return (b * (S + 1) + i) * TB + j;
    }

    /** Each column: 1 at its first maximal row. */
    static double[] oneToMany(double[] w) {
        double[] out = new double[w.length];
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < TB; j++) {
                int best = 0;
                for (int i = 1; i <= S; i++) {
                    if (w[at(b, i, j)] > w[at(b, best, j)]) {
                        best = i;
                    }
                }
                out[at(b, best, j)] = 1;
            }
        }
        return out;
    }

    /**
     * Each source row keeps its weight only at its first maximal column; SELF becomes
     * max(SELF, clamp); then each column takes its first maximal row.
     */
    static double[] oneToOne(double[] w, double clamp) {
        double[] kept = new double[w.length];
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < S; i++) {
                int bid = 0;
                for (int j = 1; j < TB; j++) {
                    if (w[at(b, i, j)] > w[at(b, i, bid)]) {
                        bid = j;
                    }
                }
                kept[at(b, i, bid)] = w[at(b, i, bid)];
            }
            for (int j = 0; j < TB; j++) {
                kept[at(b, S, j)] = Math.max(w[at(b, S, j)], clamp);
            }
        }
        return oneToMany(kept);
    }
}
