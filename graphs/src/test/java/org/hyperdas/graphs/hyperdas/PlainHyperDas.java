package org.hyperdas.graphs.hyperdas;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.nn.NaiveLayers;

/**
 * Plain-Java building blocks for the HyperDAS forward oracles, written from HYPERDAS.md and the
 * Llama math with loops over flat row-major double arrays; nothing here calls the graph builders.
 * Norm, linear, SwiGLU and the attention softmax come from {@link NaiveLayers}, the layer oracle.
 */
final class PlainHyperDas {
    private PlainHyperDas() {
    }

    /** Which keys query {@code i} of example {@code b} sees. */
    @FunctionalInterface
    interface Sees {
        boolean test(int b, int i, int j);
    }

    /** Each row x / |x| (rows of zeros stay zero). */
    static double[] unitRows(double[] x, int d) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / d; r++) {
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += x[r * d + i] * x[r * d + i];
            }
            double norm = Math.max(Math.sqrt(ss), 1e-12);
            for (int i = 0; i < d; i++) {
                y[r * d + i] = x[r * d + i] / norm;
            }
        }
        return y;
    }

    /**
     * RoPE on x [rows, heads * hd], row r at position {@code positions[r]}: in each head the pair
     * (e, e + hd/2) turns by {@code position * theta^(-2e/hd)}.
     */
    static double[] rope(double[] x, long[] positions, int heads, int hd, double theta) {
        double[] y = x.clone();
        int half = hd / 2;
        for (int r = 0; r < positions.length; r++) {
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * hd;
                for (int e = 0; e < half; e++) {
                    double angle = positions[r] / Math.pow(theta, 2.0 * e / hd);
                    double x1 = x[base + e];
                    double x2 = x[base + e + half];
                    y[base + e] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                    y[base + e + half] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
                }
            }
        }
        return y;
    }

    /**
     * Scaled dot-product attention with grouped key/value heads. q [batch, nq, heads * hd]; k, v
     * [batch, nk, kvHeads * hd]; returns [batch, nq, heads * hd]. A query that sees no key attends
     * to all keys equally (every score is the same fill value).
     */
    static double[] attention(double[] q, double[] k, double[] v, int batch, int nq, int nk, int heads, int kvHeads,
            int hd, Sees sees) {
        double[] out = new double[batch * nq * heads * hd];
        int group = heads / kvHeads;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int kh = h / group;
                for (int i = 0; i < nq; i++) {
                    double[] p = new double[nk];
                    for (int j = 0; j < nk; j++) {
                        if (!sees.test(b, i, j)) {
                            p[j] = Double.NaN;
                            continue;
                        }
                        double s = 0;
                        for (int e = 0; e < hd; e++) {
                            s += q[((b * nq + i) * heads + h) * hd + e] * k[((b * nk + j) * kvHeads + kh) * hd + e];
                        }
                        p[j] = s / Math.sqrt(hd);
                    }
                    double[] weights = NaiveLayers.attentionWeights(p);
                    for (int e = 0; e < hd; e++) {
                        double s = 0;
                        for (int j = 0; j < nk; j++) {
                            s += weights[j] * v[((b * nk + j) * kvHeads + kh) * hd + e];
                        }
                        out[((b * nq + i) * heads + h) * hd + e] = s;
                    }
                }
            }
        }
        return out;
    }

    static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    /** Rows {@code from..from+count-1} of x [rows, d]. */
    static double[] rows(double[] x, int d, int from, int count) {
        double[] y = new double[count * d];
        System.arraycopy(x, from * d, y, 0, count * d);
        return y;
    }

    /** Running sum of mask times mask, per row of [batch, n]. */
    static long[] cumsumPositions(long[] mask, int n) {
        long[] out = new long[mask.length];
        for (int b = 0; b < mask.length / n; b++) {
            long run = 0;
            for (int t = 0; t < n; t++) {
                run += mask[b * n + t];
                out[b * n + t] = run * mask[b * n + t];
            }
        }
        return out;
    }

    /**
     * Random float64 values for every graph input not in {@code data}: norm weights (names ending
     * in "norm.weight") 1 + N(0, 0.1), other tensors N(0, 0.4).
     */
    static Map<String, HostTensor> randomWeights(Graph g, Map<String, HostTensor> data, long seed) {
        Random random = new Random(seed);
        Map<String, HostTensor> feeds = new LinkedHashMap<>(data);
        for (Value in : g.inputs()) {
            if (data.containsKey(in.name())) {
                continue;
            }
            long[] shape = in.shape().staticDims();
            int n = 1;
            for (long s : shape) {
                n *= (int) s;
            }
            boolean norm = in.name().endsWith("norm.weight");
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = (norm ? 1 : 0) + (norm ? 0.1 : 0.4) * random.nextGaussian();
            }
            feeds.put(in.name(), HostTensor.ofDoubles(v, shape));
        }
        return feeds;
    }

    static double[] gaussian(Random random, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }
}
