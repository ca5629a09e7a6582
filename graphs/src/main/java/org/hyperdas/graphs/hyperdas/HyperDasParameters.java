package org.hyperdas.graphs.hyperdas;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * The trainable tensors of a HyperDAS model: their names, shapes and initial values.
 *
 * <p>Names (also the TrainStep slot and checkpoint names):
 * <ul>
 *   <li>{@value #HYPERNET}{@code model.embed_tokens.weight}, {@code model.norm.weight} and, for each
 *       hypernetwork layer i &lt; N, the target's own layer tensors {@code model.layers.{i}.*}
 *       plus {@code model.layers.{i}.{source,base}_cross_attn_layernorm.weight} and
 *       {@code model.layers.{i}.{source,base}_cross_attn.{q,k,v,o}_proj.weight} (and biases when
 *       the target's attention has them): copies of the target's tensors at the start;
 *   <li>{@value #HYPERNET}{@code selection.*} ({@link SelectionHead}) and
 *       {@value #HYPERNET}{@code householder.*} ({@link HouseholderSubspace}): new;
 *   <li>{@value HouseholderSubspace#ROTATION} [k, d]: R's Householder vectors, the second
 *       optimizer group.
 * </ul>
 *
 * <p>With {@link HypernetEmbedding#FROZEN} there is no {@value #HYPERNET}{@code model.embed_tokens.weight}:
 * the hypernetwork embeds the instruction with the target's own matrix (a graph initializer).
 * {@link Ablations} change the list: no source or base cross-attention tensors, no Householder
 * MLP (plain subspace) or a mask MLP {@code mask.*} in its place ({@link MaskSubspace}), and
 * with scratchInit the decoder layers' tensors start from scratch (unit norms, zero biases,
 * N(0, initStd) matrices) instead of as copies.
 *
 * <p>Initial values: copies start as the target's tensors; the cross-attention projections copy
 * the layer's self-attention ones and the cross-attention norms its input_layernorm; the
 * Householder norm starts at ones; the new matrices are N(0, initStd); R's vectors are N(0, 1)
 * (a random orthonormal R). All random draws come from {@code config.seed()} in name order.
 */
public final class HyperDasParameters {
    /** Prefix of every hypernetwork tensor (the first optimizer group). */
    public static final String HYPERNET = "hypernet.";
    /** Optimizer group names. */
    public static final String HYPERNET_GROUP = "hypernet";
    public static final String ROTATION_GROUP = "rotation";
    /** The token embedding's HF name: the hypernetwork's copy, or with a frozen embedding the target's own. */
    public static final String EMBEDDING = "model.embed_tokens.weight";

    private HyperDasParameters() {
    }

    /** Whether a parameter belongs to the rotation group (else the hypernetwork group). */
    public static boolean isRotation(String name) {
        return name.equals(HouseholderSubspace.ROTATION);
    }

    /** Every trainable tensor's shape, by graph name, in a fixed order. */
    public static Map<String, long[]> shapes(LlamaConfig target, HyperDasConfig config) {
        config.validate(target);
        Map<String, long[]> out = new LinkedHashMap<>();
        sources(target, config).forEach((name, source) -> out.put(name, source.shape()));
        return out;
    }

    /** Where a parameter's initial value comes from. */
    private record Source(long[] shape, String copyOf, Init init) {
    }

    private enum Init { COPY, ONES, ZEROS, NORMAL_INIT_STD, NORMAL_ONE }

    private static Map<String, Source> sources(LlamaConfig target, HyperDasConfig config) {
        Map<String, long[]> hf = target.expectedTensors();
        Ablations ablations = config.ablations();
        boolean scratch = ablations.scratchInit();
        Map<String, Source> m = new LinkedHashMap<>();
        if (!config.frozenEmbedding()) {
            m.put(HYPERNET + EMBEDDING, copy(hf, EMBEDDING));
        }
        for (int i = 0; i < config.hypernetLayers(); i++) {
            String p = "model.layers." + i + ".";
            for (Map.Entry<String, long[]> e : hf.entrySet()) {
                String name = e.getKey();
                if (!name.startsWith(p)) {
                    continue;
                }
                if (name.startsWith(p + "post_attention_layernorm.")) {
                    // Checkpoint order within a layer: self-attention, cross-attentions, MLP.
                    if (!ablations.noSourceCross()) {
                        addCross(m, hf, p, HyperNetwork.SOURCE_CROSS, scratch);
                    }
                    if (!ablations.noBaseCross()) {
                        addCross(m, hf, p, HyperNetwork.BASE_CROSS, scratch);
                    }
                }
                m.put(HYPERNET + name, layerTensor(hf, name, name, scratch));
            }
        }
        m.put(HYPERNET + "model.norm.weight", copy(hf, "model.norm.weight"));
        SelectionHead.shapes(target, config).forEach((name, shape) ->
                m.put(HYPERNET + name, new Source(shape, null, Init.NORMAL_INIT_STD)));
        subspaceShapes(target, config).forEach((name, shape) -> m.put(HYPERNET + name,
                new Source(shape, null, name.endsWith("norm.weight") ? Init.ONES : Init.NORMAL_INIT_STD)));
        m.put(HouseholderSubspace.ROTATION,
                new Source(new long[] {config.subspaceDim(), target.hiddenSize()}, null, Init.NORMAL_ONE));
        return m;
    }

    /** The per-example subspace step's tensors: the Householder MLP, the mask MLP, or none (plain). */
    private static Map<String, long[]> subspaceShapes(LlamaConfig target, HyperDasConfig config) {
        return switch (config.ablations().subspace()) {
            case HOUSEHOLDER -> HouseholderSubspace.shapes(target, config);
            case MASK -> MaskSubspace.shapes(target, config);
            case PLAIN -> Map.of();
        };
    }

    private static void addCross(Map<String, Source> m, Map<String, long[]> hf, String layerPrefix, String module,
            boolean scratch) {
        m.put(HYPERNET + layerPrefix + module + "_layernorm.weight",
                layerTensor(hf, layerPrefix + "input_layernorm.weight", module + "_layernorm.weight", scratch));
        for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
            for (String kind : new String[] {".weight", ".bias"}) {
                String from = layerPrefix + "self_attn." + proj + kind;
                if (hf.containsKey(from)) {
                    m.put(HYPERNET + layerPrefix + module + "." + proj + kind, layerTensor(hf, from, proj + kind,
                            scratch));
                }
            }
        }
    }

    /**
     * A hypernetwork layer tensor shaped like the target's {@code hfName}: its copy, or from
     * scratch (ablation scratchInit) unit norms, zero biases and N(0, initStd) matrices.
     */
    private static Source layerTensor(Map<String, long[]> hf, String hfName, String name, boolean scratch) {
        if (!scratch) {
            return copy(hf, hfName);
        }
        Init init = name.endsWith("norm.weight") ? Init.ONES : name.endsWith(".bias") ? Init.ZEROS
                : Init.NORMAL_INIT_STD;
        return new Source(hf.get(hfName), null, init);
    }

    private static Source copy(Map<String, long[]> hf, String name) {
        return new Source(hf.get(name), name, Init.COPY);
    }

    /**
     * Initial values of every trainable tensor, by graph name.
     *
     * @param targetTensor the target's tensor of an HF name, row-major (e.g. {@link #reader(WeightStore)})
     */
    public static Map<String, double[]> initial(LlamaConfig target, HyperDasConfig config,
            Function<String, double[]> targetTensor) {
        config.validate(target);
        Random random = new Random(config.seed());
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Source> e : sources(target, config).entrySet()) {
            Source s = e.getValue();
            int n = Math.toIntExact(count(s.shape()));
            double[] v = switch (s.init()) {
                case COPY -> {
                    double[] t = targetTensor.apply(s.copyOf());
                    if (t == null || t.length != n) {
                        throw new GraphBuildException("HyperDAS init: target tensor '" + s.copyOf() + "' has "
                                + (t == null ? "no values" : t.length + " values") + ", expected " + n);
                    }
                    yield t.clone();
                }
                case ONES -> filled(n, 1.0);
                case ZEROS -> new double[n];
                case NORMAL_INIT_STD -> normal(random, n, config.initStd());
                case NORMAL_ONE -> normal(random, n, 1.0);
            };
            out.put(e.getKey(), v);
        }
        return out;
    }

    /**
     * Writes the initial values of every trainable tensor straight into float32 buffers the caller
     * holds (e.g. a TrainStep's own state, {@code TrainStep::writableFloats}), one tensor at a
     * time: target copies are widened from the store's mapping, so nothing parameter-sized is made
     * on the Java heap. The values equal {@link #initialFloats}'s (same draws, same order).
     *
     * @param destination the buffer for a graph name, positioned where its values go, with room
     *     for the tensor's element count
     */
    public static void initialInto(LlamaConfig target, HyperDasConfig config, WeightStore store,
            Function<String, FloatBuffer> destination) {
        config.validate(target);
        Random random = new Random(config.seed());
        for (Map.Entry<String, Source> e : sources(target, config).entrySet()) {
            Source s = e.getValue();
            long n = count(s.shape());
            FloatBuffer dst = destination.apply(e.getKey());
            if (dst.remaining() < n) {
                throw new GraphBuildException("HyperDAS init: room for " + dst.remaining() + " values of '"
                        + e.getKey() + "', expected " + n);
            }
            int at = dst.position();
            switch (s.init()) {
                case COPY -> {
                    long stored = store.tensor(s.copyOf()).elementCount();
                    if (stored != n) {
                        throw new GraphBuildException("HyperDAS init: target tensor '" + s.copyOf() + "' has "
                                + stored + " values, expected " + n);
                    }
                    store.readFloat32(s.copyOf(), dst);
                }
                case ONES -> {
                    for (int i = 0; i < n; i++) {
                        dst.put(at + i, 1f);
                    }
                }
                case NORMAL_INIT_STD, NORMAL_ONE -> {
                    double std = s.init() == Init.NORMAL_ONE ? 1.0 : config.initStd();
                    for (int i = 0; i < n; i++) {
                        dst.put(at + i, (float) (random.nextGaussian() * std));
                    }
                }
            }
        }
    }

    /** {@link #initial} as float32 arrays (what a float32 TrainStep takes). */
    public static Map<String, float[]> initialFloats(LlamaConfig target, HyperDasConfig config,
            Function<String, double[]> targetTensor) {
        Map<String, float[]> out = new LinkedHashMap<>();
        initial(target, config, targetTensor).forEach((k, v) -> out.put(k, toFloats(v)));
        return out;
    }

    /** Reads target tensors from safetensors files (any stored float dtype, widened). */
    public static Function<String, double[]> reader(WeightStore store) {
        return name -> toDoubles(store.floatArray(name));
    }

    /** Reads target tensors from in-memory tensors. */
    public static Function<String, double[]> reader(Map<String, HostTensor> tensors) {
        return name -> {
            HostTensor t = tensors.get(name);
            return t == null ? null : t.toDoubles();
        };
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static double[] filled(int n, double value) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, value);
        return v;
    }

    private static double[] normal(Random random, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian() * std;
        }
        return v;
    }

    static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
