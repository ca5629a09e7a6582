package org.hyperdas.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.ScoreTable;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.trainer.Experiment;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.MethodRegistry;
import org.hyperdas.trainer.TargetModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run train}: train one intervention method, score it on RAVEL, write a run folder. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an intervention method on RAVEL pairs and score it (Cause / Isolate / Disentangle"
                + " on the entity and context test splits). Writes a run folder: config.json,"
                + " parameters.safetensors, predictions.arrow, scores.json; prints the scores.",
            "Methods: patching (full-vector interchange, no training), das (one subspace per attribute, cause"
                + " pairs), mdas (one subspace per attribute, cause and isolate pairs)."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--method", required = true, paramLabel = "METHOD", completionCandidates = MethodNames.class,
            description = "One of: ${COMPLETION-CANDIDATES}.")
    String method;

    @Option(names = "--layer", paramLabel = "L",
            description = "Intervention site: the residual stream entering block L (0 = embedding output)."
                    + " Default: the knowledge model's default layer (see the DAS note).")
    Integer layer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder to write.")
    Path out;

    @Option(names = "--splits", split = ",", paramLabel = "SPLIT", defaultValue = "test_entity,test_context",
            description = "Splits to score, each separately (default: ${DEFAULT-VALUE}).")
    List<String> splits;

    @Mixin
    TargetOptions target;

    @Mixin
    DataOptions data;

    @Mixin
    MethodFlags flags;

    @Spec
    CommandSpec spec;

    /** The registered method names, for help and completion. */
    static final class MethodNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return MethodRegistry.names().iterator();
        }
    }

    static List<PairSplit> parseSplits(List<String> names) {
        return names.stream().map(n -> {
            PairSplit s = PairSplit.parseOrNull(n);
            if (s == null || s == PairSplit.TRAIN) {
                throw new BadInputException("--splits: '" + n + "': expected test_entity, test_context, val_entity"
                        + " or val_context");
            }
            return s;
        }).toList();
    }

    @Override
    public Integer call() throws Exception {
        InterventionMethod m = MethodRegistry.get(method);
        List<PairSplit> evalSplits = parseSplits(splits);
        try (TargetModel model = TargetModel.open(target.modelFolder(), target.engine())) {
            MethodOptions options = flags.resolve(layer, model.layers(), model.hiddenSize());
            Experiment.Setup setup = new Experiment.Setup(data.source(flags.seed), evalSplits,
                    !data.noKnowledgeFilter, options.evalBatchSize());
            Experiment experiment = Experiment.prepare(model, setup, System.err);
            Experiment.Run run = experiment.run(m, options, out, System.err);
            var stdout = spec.commandLine().getOut();
            stdout.print(ScoreTable.markdown(run.scores()));
            stdout.flush();
        }
        return 0;
    }
}
