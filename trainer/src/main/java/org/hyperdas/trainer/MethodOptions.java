package org.hyperdas.trainer;

/**
 * Settings shared by the intervention methods (each uses those that apply to it).
 *
 * @param layer intervention site: the residual stream entering block {@code layer} (0 = embedding
 *     output, n = after the last block)
 * @param k subspace size (DAS / MDAS)
 * @param steps optimizer steps per target attribute
 * @param batchSize training pairs per step
 * @param evalBatchSize pairs per evaluation batch
 * @param lr peak learning rate (AdamW, linear warm-up then linear decay)
 * @param warmupSteps linear warm-up steps
 * @param seed initial parameters and data order; the same seed gives the same parameters
 */
public record MethodOptions(int layer, int k, int steps, int batchSize, int evalBatchSize, double lr,
        int warmupSteps, long seed) {
    public MethodOptions {
        if (layer < 0 || k < 0 || steps < 0 || batchSize < 1 || evalBatchSize < 1 || warmupSteps < 0) {
            throw new IllegalArgumentException("invalid method options: layer " + layer + ", k " + k + ", steps "
                    + steps + ", batch " + batchSize + ", eval batch " + evalBatchSize + ", warm-up " + warmupSteps);
        }
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, was " + lr);
        }
    }

    public MethodOptions withLayer(int l) {
        return new MethodOptions(l, k, steps, batchSize, evalBatchSize, lr, warmupSteps, seed);
    }

    public MethodOptions withK(int newK) {
        return new MethodOptions(layer, newK, steps, batchSize, evalBatchSize, lr, warmupSteps, seed);
    }

    public MethodOptions withSteps(int s) {
        return new MethodOptions(layer, k, s, batchSize, evalBatchSize, lr, warmupSteps, seed);
    }

    public MethodOptions withSeed(long s) {
        return new MethodOptions(layer, k, steps, batchSize, evalBatchSize, lr, warmupSteps, s);
    }
}
