package org.hyperdas.graphs.hyperdas;

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

/** s~_j and h'_j of HYPERDAS.md against plain Java. */
class HyperDasInterventionTest {
    private static final int B = 2;
    private static final int TB = 5;
    private static final int S = 4;
    private static final int D = 6;
    private static final int K = 3;

    @Test
    void interventionMatchesTheFormula() throws Exception {
        Graph g = new Graph("intervention");
        Value base = g.input("base", DType.FLOAT64, Shape.of("batch", "base_seq", D));
        Value source = g.input("source", DType.FLOAT64, Shape.of("batch", "source_seq", D));
        Value w = g.input("w", DType.FLOAT64, Shape.of("batch", "source_seq+1", "base_seq"));
        Value r = g.input("r", DType.FLOAT64, Shape.of("batch", D, K));
        g.output("out", HyperDasIntervention.apply(base, source, w, r));

        Random random = new Random(8);
        double[] hb = gaussian(random, B * TB * D);
        double[] hs = gaussian(random, B * S * D);
        double[] weights = new double[B * (S + 1) * TB];
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < TB; j++) {
                double sum = 0;
                for (int i = 0; i <= S; i++) {
                    double x = random.nextDouble();
                    weights[(b * (S + 1) + i) * TB + j] = x;
                    sum += x;
                }
                for (int i = 0; i <= S; i++) {
                    weights[(b * (S + 1) + i) * TB + j] /= sum;
                }
            }
        }
        // Any [d, k] matrix: the formula is checked as written, orthonormal or not.
        double[] sub = gaussian(random, B * D * K);
        Map<String, HostTensor> out;
        try (GraphRunner runner = GraphRunner.open(g)) {
            out = runner.run(Map.of("base", HostTensor.ofDoubles(hb, B, TB, D),
                    "source", HostTensor.ofDoubles(hs, B, S, D),
                    "w", HostTensor.ofDoubles(weights, B, S + 1, TB),
                    "r", HostTensor.ofDoubles(sub, B, D, K)));
        }

        double[] expected = new double[B * TB * D];
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < TB; j++) {
                double[] delta = new double[D];
                for (int x = 0; x < D; x++) {
                    double mix = weights[(b * (S + 1) + S) * TB + j] * hb[(b * TB + j) * D + x];
                    for (int i = 0; i < S; i++) {
                        mix += weights[(b * (S + 1) + i) * TB + j] * hs[(b * S + i) * D + x];
                    }
                    delta[x] = mix - hb[(b * TB + j) * D + x];
                }
                double[] coords = new double[K]; // R'^T (s~ - h_b)
                for (int c = 0; c < K; c++) {
                    for (int x = 0; x < D; x++) {
                        coords[c] += sub[(b * D + x) * K + c] * delta[x];
                    }
                }
                for (int x = 0; x < D; x++) {
                    double update = 0;
                    for (int c = 0; c < K; c++) {
                        update += sub[(b * D + x) * K + c] * coords[c];
                    }
                    expected[(b * TB + j) * D + x] = hb[(b * TB + j) * D + x] + update;
                }
            }
        }
        double diff = HyperDasFixtures.maxAbsDiff(out.get("out").toDoubles(), expected);
        System.out.printf("HyperDAS intervention: h' = h_b + R'R'^T(s~ - h_b) matches plain Java to %.1e%n", diff);
        assertTrue(diff < 1e-12, "differs by " + diff);
    }

    private static double[] gaussian(Random random, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }
}
