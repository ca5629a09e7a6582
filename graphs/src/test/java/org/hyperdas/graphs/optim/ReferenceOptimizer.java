package org.hyperdas.graphs.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plain-Java AdamW and SGD written straight from torch's single-tensor code paths
 * (torch.optim.AdamW, torch.optim.SGD, torch.nn.utils.clip_grad_norm_), in double precision:
 * the reference the emitted graphs are compared with.
 */
final class ReferenceOptimizer {
    private final OptimizerConfig config;
    private final double clipNorm;
    private final Map<String, ParamGroup> groups = new LinkedHashMap<>();
    final Map<String, double[]> params = new LinkedHashMap<>();
    final Map<String, double[]> state = new LinkedHashMap<>();
    /** Whether the last step scaled the gradients down. */
    boolean clipped;

    ReferenceOptimizer(OptimizerConfig config, double clipNorm) {
        this.config = config;
        this.clipNorm = clipNorm;
    }

    void add(String name, ParamGroup group, double[] initial) {
        groups.put(name, group);
        params.put(name, initial.clone());
        if (config instanceof AdamWConfig) {
            state.put(name + ".adam_m", new double[initial.length]);
            state.put(name + ".adam_v", new double[initial.length]);
        } else if (((SgdConfig) config).momentum() > 0) {
            state.put(name + ".momentum", new double[initial.length]);
        }
    }

    /**
     * One step with 1-based counter {@code t}; {@code grads} are not modified.
     *
     * @return the global gradient norm before clipping
     */
    double step(long t, double lrScale, Map<String, double[]> grads) {
        double sumSq = 0;
        for (double[] g : grads.values()) {
            for (double x : g) {
                sumSq += x * x;
            }
        }
        double norm = Math.sqrt(sumSq);
        double coef = 1;
        if (clipNorm > 0) {
            coef = Math.min(1.0, clipNorm / (norm + 1e-6));
        }
        clipped = coef < 1;
        for (Map.Entry<String, double[]> e : params.entrySet()) {
            String name = e.getKey();
            double[] p = e.getValue();
            double[] g = grads.get(name).clone();
            for (int i = 0; i < g.length; i++) {
                g[i] *= coef;
            }
            ParamGroup group = groups.get(name);
            double lr = group.lr() * lrScale;
            if (config instanceof AdamWConfig c) {
                adamW(c, t, lr, group.weightDecay(), p, g, state.get(name + ".adam_m"), state.get(name + ".adam_v"));
            } else {
                sgd((SgdConfig) config, lr, group.weightDecay(), p, g, state.get(name + ".momentum"));
            }
        }
        return norm;
    }

    private static void adamW(AdamWConfig c, long t, double lr, double wd, double[] p, double[] g, double[] m,
            double[] v) {
        double bc1 = 1 - Math.pow(c.beta1(), t);
        double bc2 = 1 - Math.pow(c.beta2(), t);
        double stepSize = lr / bc1;
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * wd;
            m[i] = c.beta1() * m[i] + (1 - c.beta1()) * g[i];
            v[i] = c.beta2() * v[i] + (1 - c.beta2()) * g[i] * g[i];
            double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + c.eps();
            p[i] -= stepSize * m[i] / denom;
        }
    }

    private static void sgd(SgdConfig c, double lr, double wd, double[] p, double[] g, double[] buf) {
        for (int i = 0; i < p.length; i++) {
            double d = g[i] + wd * p[i];
            if (buf != null) {
                buf[i] = c.momentum() * buf[i] + d;
                d = buf[i];
            }
            p[i] -= lr * d;
        }
    }
}
