package org.hyperdas.graphs.nn;

/**
 * Plain-Java references for the layers, written from the math with loops over flat row-major
 * double arrays, independent of the graph code (no shared helpers); the HyperDAS oracles reuse them.
 */
public final class NaiveLayers {
    private NaiveLayers() {
    }

    /** x [rows, d] scaled by 1 / sqrt(mean(x^2) + eps) and w [d]. */
    public static double[] rmsNorm(double[] x, double[] w, int d, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / d; r++) {
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += x[r * d + i] * x[r * d + i];
            }
            double inv = 1 / Math.sqrt(ss / d + eps);
            for (int i = 0; i < d; i++) {
                y[r * d + i] = x[r * d + i] * inv * w[i];
            }
        }
        return y;
    }

    static double silu(double z) {
        return z / (1 + Math.exp(-z));
    }

    /** y = x W^T with W [out, in] (torch Linear), x [rows, in]. */
    public static double[] linear(double[] x, double[] w, int in, int out) {
        return linear(x, w, null, in, out);
    }

    /** As above, plus bias [out] when not null (the bias starts each sum). */
    public static double[] linear(double[] x, double[] w, double[] bias, int in, int out) {
        int rows = x.length / in;
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) {
                    s += w[o * in + i] * x[r * in + i];
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    /** silu(x W_gate^T) * (x W_up^T), then W_down. */
    public static double[] swiGlu(double[] x, double[] gate, double[] up, double[] down, int hidden, int inter) {
        double[] a = linear(x, gate, hidden, inter);
        double[] b = linear(x, up, hidden, inter);
        for (int i = 0; i < a.length; i++) {
            a[i] = silu(a[i]) * b[i];
        }
        return linear(a, down, inter, hidden);
    }

    /** x [batch, heads, seq, d], positions [batch, seq]; pairs (i, i + d/2) rotate by pos * inv[i]. */
    static double[] rotary(double[] x, long[] positions, double[] inv, int batch, int heads, int seq, int d) {
        double[] y = new double[x.length];
        int half = d / 2;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int s = 0; s < seq; s++) {
                    int base = ((b * heads + h) * seq + s) * d;
                    for (int i = 0; i < half; i++) {
                        double angle = positions[b * seq + s] * inv[i];
                        double c = Math.cos(angle);
                        double sn = Math.sin(angle);
                        double x1 = x[base + i];
                        double x2 = x[base + i + half];
                        y[base + i] = x1 * c - x2 * sn;
                        y[base + i + half] = x2 * c + x1 * sn;
                    }
                }
            }
        }
        return y;
    }

    /**
     * q [batch, heads, nq, d]; k, v [batch, kvHeads, nk, d]; mask [batch, nk]. Query i sits at key
     * index nk - nq + i; it sees key j when j <= that index and mask[j] == 1; a query that sees no
     * key attends uniformly to all keys.
     */
    static double[] attention(double[] q, double[] k, double[] v, long[] mask, int batch, int heads, int kvHeads,
            int nq, int nk, int d) {
        return attention(q, k, v, mask, batch, heads, kvHeads, nq, nk, d, true);
    }

    /** As above; without {@code causal} every query sees every key with mask 1 (cross-attention). */
    static double[] attention(double[] q, double[] k, double[] v, long[] mask, int batch, int heads, int kvHeads,
            int nq, int nk, int d, boolean causal) {
        double[] out = new double[batch * heads * nq * d];
        int group = heads / kvHeads;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int kh = h / group;
                for (int i = 0; i < nq; i++) {
                    int at = nk - nq + i;
                    double[] p = new double[nk];
                    for (int j = 0; j < nk; j++) {
                        if ((!causal || j <= at) && mask[b * nk + j] == 1) {
                            double s = 0;
                            for (int e = 0; e < d; e++) {
                                s += q[((b * heads + h) * nq + i) * d + e] * k[((b * kvHeads + kh) * nk + j) * d + e];
                            }
                            p[j] = s / Math.sqrt(d);
                        } else {
                            p[j] = Double.NaN;
                        }
                    }
                    double[] weights = attentionWeights(p);
                    for (int e = 0; e < d; e++) {
                        double s = 0;
                        for (int j = 0; j < nk; j++) {
                            s += weights[j] * v[((b * kvHeads + kh) * nk + j) * d + e];
                        }
                        out[((b * heads + h) * nq + i) * d + e] = s;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Softmax over one query's scores, where NaN marks a key the query does not see (weight 0); a
     * query that sees no key weighs every key equally.
     */
    public static double[] attentionWeights(double[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        boolean any = false;
        for (double score : scores) {
            if (!Double.isNaN(score)) {
                max = Math.max(max, score);
                any = true;
            }
        }
        double[] p = new double[scores.length];
        double total = 0;
        for (int j = 0; j < scores.length; j++) {
            p[j] = !any ? 1 : Double.isNaN(scores[j]) ? 0 : Math.exp(scores[j] - max);
            total += p[j];
        }
        for (int j = 0; j < p.length; j++) {
            p[j] /= total;
        }
        return p;
    }

    /** Result of {@link #crossEntropy}. */
    record Ce(double loss, boolean[] firstKCorrect) {
    }

    /** logits [batch, seq, vocab]; labels, positions, mask [batch, L]; weights [batch]. */
    static Ce crossEntropy(double[] logits, long[] labels, long[] positions, double[] mask, double[] weights,
            int batch, int seq, int vocab, int labelCount, int k) {
        double total = 0;
        double tokens = 0;
        boolean[] ok = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            ok[b] = true;
            for (int l = 0; l < labelCount; l++) {
                int row = (b * seq + (int) positions[b * labelCount + l]) * vocab;
                double max = Double.NEGATIVE_INFINITY;
                int arg = 0;
                for (int c = 0; c < vocab; c++) {
                    if (logits[row + c] > max) {
                        max = logits[row + c];
                        arg = c;
                    }
                }
                double sum = 0;
                for (int c = 0; c < vocab; c++) {
                    sum += Math.exp(logits[row + c] - max);
                }
                int label = (int) labels[b * labelCount + l];
                double nll = -(logits[row + label] - max - Math.log(sum));
                double m = mask[b * labelCount + l];
                total += weights[b] * m * nll;
                tokens += m;
                if (m > 0 && l < k && arg != label) {
                    ok[b] = false;
                }
            }
        }
        return new Ce(total / Math.max(1, tokens), ok);
    }
}
