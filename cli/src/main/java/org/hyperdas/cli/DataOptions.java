package org.hyperdas.cli;

import java.nio.file.Path;
import java.util.List;
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

    @Option(names = "--no-knowledge-filter",
            description = "Score every pair, not only those the model answers correctly without intervention.")
    boolean noKnowledgeFilter;

    PairSource source(long seed) {
        nonNegative("--train-per-kind", trainPerKind);
        nonNegative("--eval-per-kind", evalPerKind);
        PairOptions o = PairOptions.defaults(seed);
        o = o.withLimits(trainPerKind != null ? trainPerKind : o.trainPerKind(),
                evalPerKind != null ? evalPerKind : o.evalPerKind());
        return new PairSource(data, ravel, entityTypes, attributes, o);
    }

    static void nonNegative(String option, Integer value) {
        if (value != null && value < 0) {
            throw new BadInputException(option + ": expected a whole number >= 0, found " + value);
        }
    }
}
