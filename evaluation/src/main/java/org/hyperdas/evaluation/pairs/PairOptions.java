package org.hyperdas.evaluation.pairs;

import java.util.List;

/**
 * How many pairs to build and how to sample them.
 *
 * @param seed              seed of every random choice; same seed, same pairs
 * @param trainPerKind      at most this many pairs per (attribute, kind) in the train split
 * @param evalPerKind       at most this many pairs per (attribute, kind) in each test/val split
 * @param smoothing         k in the source weight 1 / (k + count(label)); larger k: closer to
 *                          sampling sources uniformly, smaller k: labels closer to uniform
 * @param splits            the pair splits to build
 * @param attributes        target attributes to build (empty: every attribute that has values)
 * @param mix               how bases, sources and source prompts are drawn
 */
public record PairOptions(
        long seed, int trainPerKind, int evalPerKind, double smoothing, List<PairSplit> splits,
        List<String> attributes, PairMix mix) {

    public static final int DEFAULT_TRAIN_PER_KIND = 4000;
    public static final int DEFAULT_EVAL_PER_KIND = 1000;
    public static final double DEFAULT_SMOOTHING = 1.0;
    public static final List<PairSplit> DEFAULT_SPLITS =
            List.of(PairSplit.TRAIN, PairSplit.TEST_ENTITY, PairSplit.TEST_CONTEXT);

    public PairOptions {
        if (trainPerKind < 0 || evalPerKind < 0) {
            throw new IllegalArgumentException("pair limits must be >= 0");
        }
        if (!(smoothing >= 0) || Double.isInfinite(smoothing)) {
            throw new IllegalArgumentException("smoothing must be finite and >= 0, was " + smoothing);
        }
        splits = List.copyOf(splits);
        attributes = attributes == null ? List.of() : List.copyOf(attributes);
        java.util.Objects.requireNonNull(mix, "mix");
    }

    /**
     * Defaults: 4000 train and 1000 test pairs per (attribute, kind), k = 1, the three RAVEL splits,
     * the balanced mix.
     */
    public static PairOptions defaults(long seed) {
        return new PairOptions(seed, DEFAULT_TRAIN_PER_KIND, DEFAULT_EVAL_PER_KIND, DEFAULT_SMOOTHING,
                DEFAULT_SPLITS, List.of(), PairMix.BALANCED);
    }

    public PairOptions withMix(PairMix m) {
        return new PairOptions(seed, trainPerKind, evalPerKind, smoothing, splits, attributes, m);
    }

    public PairOptions withLimits(int train, int eval) {
        return new PairOptions(seed, train, eval, smoothing, splits, attributes, mix);
    }

    public PairOptions withSplits(List<PairSplit> s) {
        return new PairOptions(seed, trainPerKind, evalPerKind, smoothing, s, attributes, mix);
    }

    public PairOptions withAttributes(List<String> a) {
        return new PairOptions(seed, trainPerKind, evalPerKind, smoothing, splits, a, mix);
    }

    public PairOptions withSeed(long s) {
        return new PairOptions(s, trainPerKind, evalPerKind, smoothing, splits, attributes, mix);
    }

    /** The limit per (attribute, kind) for a split. */
    public int limit(PairSplit split) {
        return split.isTraining() ? trainPerKind : evalPerKind;
    }
}
