package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.junit.jupiter.api.Test;

/** The flattened, unit-normalised memory against plain Java. */
class HiddenStateMemoryTest {
    private static final int B = 2;
    private static final int T = 5;
    private static final int LAYERS = 4;
    private static final int D = 6;
    private static final long[] MASK = {1, 1, 1, 0, 0, 1, 1, 0, 0, 0};

    @Test
    void memoryIsTokenMajorUnitNormWithCumulativePositions() throws Exception {
        Graph g = new Graph("memory");
        List<Value> hidden = new ArrayList<>();
        for (int l = 0; l < LAYERS; l++) {
            hidden.add(g.input("h" + l, DType.FLOAT64, Shape.of("batch", "seq", D)));
        }
        Value maskIn = g.input("mask", DType.INT64, Shape.of("batch", "seq"));
        HiddenStateMemory memory = HiddenStateMemory.of(hidden, maskIn);
        g.output("states", memory.states());
        g.output("mask_out", memory.mask());
        g.output("positions", memory.positions());
        g.output("visible", memory.visibility());

        Random random = new Random(4);
        double[][] h = new double[LAYERS][B * T * D];
        Map<String, HostTensor> feeds = new LinkedHashMap<>();
        for (int l = 0; l < LAYERS; l++) {
            for (int i = 0; i < h[l].length; i++) {
                h[l][i] = random.nextGaussian() * (l + 1);
            }
            feeds.put("h" + l, HostTensor.ofDoubles(h[l], B, T, D));
        }
        feeds.put("mask", HostTensor.ofLongs(MASK, B, T));
        Map<String, HostTensor> out;
        try (GraphRunner r = GraphRunner.open(g)) {
            out = r.run(feeds);
        }

        int m = T * LAYERS;
        double[] states = new double[B * m * D];
        long[] mask = new long[B * m];
        long[] positions = new long[B * m];
        for (int b = 0; b < B; b++) {
            long count = 0;
            for (int t = 0; t < T; t++) {
                for (int l = 0; l < LAYERS; l++) {
                    int row = t * LAYERS + l;
                    double norm = 0;
                    for (int k = 0; k < D; k++) {
                        double x = h[l][(b * T + t) * D + k];
                        norm += x * x;
                    }
                    norm = Math.sqrt(norm);
                    for (int k = 0; k < D; k++) {
                        states[(b * m + row) * D + k] = h[l][(b * T + t) * D + k] / norm;
                    }
                    long visible = MASK[b * T + t];
                    count += visible;
                    mask[b * m + row] = visible;
                    positions[b * m + row] = count * visible;
                }
            }
        }
        assertArrayEquals(new long[] {B, m, D}, out.get("states").shape());
        double diff = HyperDasFixtures.maxAbsDiff(out.get("states").toDoubles(), states);
        assertTrue(diff < 1e-14, "states differ by " + diff);
        assertArrayEquals(mask, out.get("mask_out").toLongs());
        assertArrayEquals(positions, out.get("positions").toLongs());
        assertArrayEquals(new long[] {B, 1, 1, m}, out.get("visible").shape());
        long[] visible = out.get("visible").toLongs();
        for (int i = 0; i < visible.length; i++) {
            assertEquals(mask[i], visible[i]);
        }
        System.out.printf("HyperDAS memory: token-major unit-norm states (max diff %.1e), mask and"
                + " cumsum(mask)*mask positions match plain Java%n", diff);
    }
}
