package org.hyperdas.cli;

import java.nio.file.Path;
import java.util.List;
import org.hyperdas.evaluation.pairs.PairMix;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.trainer.PairSource;
import picocli.CommandLine.Option;

/** Where the pairs come from and which to use, shared by train and sweep. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Pair files written by `hyperdas-run data prepare` ({type}_{split}.arrow). Default: build"
                    + " the pairs in memory from --ravel, or from the embedded RAVEL subset.")
    Path data;

    @Option(names = "--ravel", paramLabel = "DIR",
            description = "A RAVEL release folder (ravel_<type>_*.json). Default: the embedded subset"
                    + " (city, physical_object).")
    Path ravel;

    @Option(names = "--entity-types", split = ",", paramLabel = "TYPE",
            description = "Entity types (comma-separated). Default: all of the data.")
    List<String> entityTypes;

    @Option(names = "--attributes", split = ",", paramLabel = "ATTR",
            description = "Target attributes (comma-separated, e.g. Country,Continent). Default: all.")
    List<String> attributes;

    @Option(names = "--train-per-kind", paramLabel = "N",
            description = "When building pairs: train pairs per attribute and kind (default: "
                    + PairOptions.DEFAULT_TRAIN_PER_KIND + ").")
    Integer trainPerKind;

    @Option(names = "--eval-per-kind", paramLabel = "N",
            description = "When building pairs: evaluation pairs per attribute, kind and split (default: "
                    + PairOptions.DEFAULT_EVAL_PER_KIND + ").")
    Integer evalPerKind;

    /** The two pair mixes, for the help of every --pairs option. */
    static final String PAIR_MIXES = "reference (the HyperDAS authors' data: uniform entities, source prompts from"
            + " templates of any attribute or Wikipedia passages, isolate pairs balanced over the asked attribute) or"
            + " balanced (distinct bases, label-balanced sources, templates only)";

    @Option(names = "--pairs", paramLabel = "MIX",
            description = "How pairs are drawn when building them: " + PAIR_MIXES + ". Default: reference with --ravel and a --model that is not a knowledge"
                    + " model; balanced otherwise (the knowledge model's word-level tokenizer cannot read"
                    + " Wikipedia text).")
    String pairs;

    @Option(names = "--no-knowledge-filter",
            description = "Score every pair, not only those the model answers correctly without intervention.")
    boolean noKnowledgeFilter;

    /**
     * The pair source of a run on {@code modelFolder}.
     *
     * @param givenModel whether the user named the model (--model) rather than taking the cached
     *     knowledge model
     */
    PairSource source(long seed, Path modelFolder, boolean givenModel) {
        nonNegative("--train-per-kind", trainPerKind);
        nonNegative("--eval-per-kind", evalPerKind);
        PairOptions o = PairOptions.defaults(seed);
        o = o.withLimits(trainPerKind != null ? trainPerKind : o.trainPerKind(),
                evalPerKind != null ? evalPerKind : o.evalPerKind());
        return new PairSource(data, ravel, entityTypes, attributes, o.withMix(mix(ravel, modelFolder, givenModel)));
    }

    PairSource source(long seed) {
        return source(seed, null, false);
    }

    /**
     * --pairs, or its default: reference for a RAVEL release and a model that is not a knowledge
     * model (refuses a bad --pairs with exit 2).
     */
    PairMix mix(Path ravelDir, Path modelFolder, boolean givenModel) {
        if (pairs != null) {
            return PairMix.parse("--pairs", pairs);
        }
        return PairSource.defaultMix(ravelDir, givenModel ? modelFolder : null);
    }

    static void nonNegative(String option, Integer value) {
        if (value != null && value < 0) {
            throw new BadInputException(option + ": expected a whole number >= 0, found " + value);
        }
    }
}
