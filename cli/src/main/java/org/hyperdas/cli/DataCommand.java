package org.hyperdas.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hyperdas.evaluation.pairs.PairMix;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.ravel.PrepareData;
import org.hyperdas.runtime.io.OutputKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hyperdas-run data ...}: RAVEL data preparation. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "RAVEL data: build counterfactual pairs and store them as Arrow files.",
        subcommands = {DataCommand.Prepare.class})
final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "prepare", mixinStandardHelpOptions = true,
            description = "Build cause/isolate pairs for the train, entity-test and context-test splits "
                    + "and write one Arrow IPC file per entity type and split, plus counts.tsv.")
    static final class Prepare implements Callable<Integer> {
        @Option(names = "--ravel", paramLabel = "DIR",
                description = "A RAVEL release folder (ravel_<type>_*.json). Default: the embedded dataset "
                        + "(city, physical_object).")
        Path ravel;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
        Path out;

        @Option(names = "--entity-types", split = ",", paramLabel = "TYPE",
                description = "Entity types to prepare (comma-separated). Default: all in the folder.")
        List<String> entityTypes;

        @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--train-per-kind", paramLabel = "N",
                description = "Train pairs per attribute and kind (cause/isolate).")
        Integer trainPerKind;

        @Option(names = "--eval-per-kind", paramLabel = "N",
                description = "Test pairs per attribute, kind and test split.")
        Integer evalPerKind;

        @Option(names = "--pairs", paramLabel = "MIX", defaultValue = "balanced",
                description = "How pairs are drawn: " + DataOptions.PAIR_MIXES + "; balanced is what the knowledge"
                        + " model reads. Default: ${DEFAULT-VALUE}.")
        String pairs;

        @Mixin
        OutputOptions output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            DataOptions.nonNegative("--train-per-kind", trainPerKind);
            DataOptions.nonNegative("--eval-per-kind", evalPerKind);
            output.claim(out, OutputKind.DATA);
            PairOptions options = PairOptions.defaults(seed).withMix(PairMix.parse("--pairs", pairs));
            options = options.withLimits(trainPerKind != null ? trainPerKind : options.trainPerKind(),
                    evalPerKind != null ? evalPerKind : options.evalPerKind());
            PrepareData.Result r = PrepareData.run(ravel, out, entityTypes, options, System.err);
            CommandLine cl = spec.commandLine();
            cl.getOut().print(r.table());
            cl.getOut().flush();
            return 0;
        }
    }
}
