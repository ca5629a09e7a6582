package org.hyperdas.cli;

import org.hyperdas.evaluation.batch.MaskVisibility;
import org.hyperdas.evaluation.scoring.LabelTokens;
import picocli.CommandLine.Option;

/** How a run scores examples and what its intervention masks cover (train). */
final class ProtocolOptions {
    @Option(names = "--label-tokens", paramLabel = "all|N", defaultValue = "all",
            description = "Leading label tokens that must all be predicted right for an example to count, in the"
                    + " scores and the knowledge filter: all (the HyperDAS reference's inference and filter; the"
                    + " setting for numbers beside the published ones) or N (its training monitor uses 3)."
                    + " Default: ${DEFAULT-VALUE}.")
    String labelTokens;

    @Option(names = "--base-suffix-visibility",
            description = "The base intervention mask covers the whole base prompt, not only BOS .. the last entity"
                    + " token (off by default, as in the reference; its RAVEL-Full analysis turns it on).")
    boolean baseSuffixVisibility;

    @Option(names = "--source-suffix-visibility",
            description = "The source intervention mask covers the whole source prompt, not only BOS .. the last"
                    + " entity token (off by default, as in the reference).")
    boolean sourceSuffixVisibility;

    LabelTokens labelTokens() {
        return LabelTokens.parse("--label-tokens", labelTokens);
    }

    MaskVisibility visibility() {
        return new MaskVisibility(baseSuffixVisibility, sourceSuffixVisibility);
    }
}
