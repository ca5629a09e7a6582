package org.hyperdas.trainer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;

/**
 * What the user set (command-line options); null fields keep the method's default for the target
 * ({@link InterventionMethod#configure}). Each method reads the fields that apply to it and lists
 * their option names in {@link InterventionMethod#options()}.
 *
 * @param seed the run's seed (always set)
 */
public record MethodOverrides(Integer layer, Integer k, Integer steps, Integer batchSize, Integer evalBatchSize,
        Double lr, Integer warmupSteps, long seed, Integer hypernetLayers, Integer epochs, Double rotationLr,
        List<Double> sparsity, List<Double> lossWeights) {
    public static final String LAYER = "--layer";
    public static final String K = "--k";
    public static final String STEPS = "--steps";
    public static final String BATCH_SIZE = "--batch-size";
    public static final String EVAL_BATCH_SIZE = "--eval-batch-size";
    public static final String LR = "--lr";
    public static final String WARMUP_STEPS = "--warmup-steps";
    public static final String HYPERNET_LAYERS = "--hypernet-layers";
    public static final String EPOCHS = "--epochs";
    public static final String ROTATION_LR = "--rotation-lr";
    public static final String SPARSITY = "--sparsity";
    public static final String LOSS_WEIGHTS = "--loss-weights";

    /** The options every method reads. */
    public static final List<String> COMMON = List.of(LAYER, K, STEPS, BATCH_SIZE, EVAL_BATCH_SIZE, LR, WARMUP_STEPS);

    public MethodOverrides {
        atLeast(LAYER, layer, 0);
        // A zero-dimensional subspace moves nothing: it would train and score an identity.
        atLeast(K, k, 1);
        atLeast(STEPS, steps, 1);
        atLeast(BATCH_SIZE, batchSize, 1);
        atLeast(EVAL_BATCH_SIZE, evalBatchSize, 1);
        positiveFinite(LR, lr);
        atLeast(WARMUP_STEPS, warmupSteps, 0);
        atLeast(HYPERNET_LAYERS, hypernetLayers, 1);
        atLeast(EPOCHS, epochs, 1);
        positiveFinite(ROTATION_LR, rotationLr);
        sparsity = sparsity == null ? null : List.copyOf(sparsity);
        lossWeights = lossWeights == null ? null : List.copyOf(lossWeights);
    }

    private static void atLeast(String option, Integer value, int min) {
        if (value != null && value < min) {
            throw new BadInputException(option + ": expected a whole number >= " + min + ", found " + value);
        }
    }

    private static void positiveFinite(String option, Double value) {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            throw new BadInputException(option + ": expected a finite number > 0, found " + value);
        }
    }

    /** Nothing set but the seed. */
    public static MethodOverrides none(long seed) {
        return new MethodOverrides(null, null, null, null, null, null, null, seed, null, null, null, null, null);
    }

    /** The options that are set, by option name, in declaration order. */
    public Map<String, Object> given() {
        Map<String, Object> m = new LinkedHashMap<>();
        Object[] values = {layer, k, steps, batchSize, evalBatchSize, lr, warmupSteps, hypernetLayers, epochs,
            rotationLr, sparsity, lossWeights};
        List<String> names = List.of(LAYER, K, STEPS, BATCH_SIZE, EVAL_BATCH_SIZE, LR, WARMUP_STEPS, HYPERNET_LAYERS,
                EPOCHS, ROTATION_LR, SPARSITY, LOSS_WEIGHTS);
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                m.put(names.get(i), values[i]);
            }
        }
        return m;
    }

    /** {@code defaults} with the options common to every method applied. */
    public MethodOptions onto(MethodOptions defaults) {
        return new MethodOptions(layer != null ? layer : defaults.layer(), k != null ? k : defaults.k(),
                steps != null ? steps : defaults.steps(), batchSize != null ? batchSize : defaults.batchSize(),
                evalBatchSize != null ? evalBatchSize : defaults.evalBatchSize(), lr != null ? lr : defaults.lr(),
                warmupSteps != null ? warmupSteps : defaults.warmupSteps(), seed);
    }

    /**
     * The overrides for a method trained beside a main run ({@link InterventionMethod#companions()}):
     * the main run's layer, k and evaluation batch size, and these {@code --steps}; the rest at the
     * companion's defaults.
     */
    public MethodOverrides forCompanion(MethodOptions main) {
        return new MethodOverrides(main.layer(), main.k(), steps, null, main.evalBatchSize(), null, null, seed, null,
                null, null, null, null);
    }
}
