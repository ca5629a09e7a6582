package org.hyperdas.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.trainer.Experiment;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.MethodRegistry;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.das.Sweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run sweep}: train and score a method at every layer of a range. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Train and score a method at each layer of a range (the intervention layer must be chosen,"
                + " not assumed). Writes a run folder per layer (layer-L/), sweep.csv and sweep.md (C/I/D per layer"
                + " and attribute) and disentangle-by-layer.png; prints sweep.md. Scores the validation splits by"
                + " default, so the test splits stay unseen when a layer is picked.")
final class SweepCommand implements Callable<Integer> {
    @Option(names = "--method", required = true, paramLabel = "METHOD",
            completionCandidates = TrainCommand.MethodNames.class, description = "One of: ${COMPLETION-CANDIDATES}.")
    String method;

    @Option(names = "--layers", defaultValue = "0..n", paramLabel = "RANGE",
            description = "Layers: a range 0..3 (inclusive; 0..n = every layer) or a list 0,2,4"
                    + " (default: ${DEFAULT-VALUE}).")
    String layers;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the sweep's files.")
    Path out;

    @Option(names = "--splits", split = ",", paramLabel = "SPLIT", defaultValue = "val_entity,val_context",
            description = "Splits to score, each separately (default: ${DEFAULT-VALUE}).")
    List<String> splits;

    @Mixin
    OutputOptions output;

    @Mixin
    TargetOptions target;

    @Mixin
    DataOptions data;

    @Mixin
    MethodFlags flags;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        InterventionMethod m = MethodRegistry.get(method);
        if (m.sweepRefusal() != null) {
            throw new org.hyperdas.runtime.BadInputException(m.sweepRefusal());
        }
        List<PairSplit> evalSplits = TrainCommand.parseSplits(splits);
        output.claim(out, OutputKind.SWEEP);
        try (TargetModel model = TargetModel.open(target.modelFolder(), target.engine())) {
            List<Integer> layerList = Sweep.parseLayers(layers, model.layers());
            InterventionMethod.Configured c = m.configure(model,
                    flags.overrides(layerList.get(0), null, null, null, null, null));
            MethodOptions options = c.options();
            Experiment.Setup setup = new Experiment.Setup(data.source(flags.seed), evalSplits,
                    !data.noKnowledgeFilter, options.evalBatchSize());
            Experiment experiment = Experiment.prepare(model, setup, System.err);
            Sweep.Result result = Sweep.run(experiment, c.method(), layerList, options, out, System.err);
            var stdout = spec.commandLine().getOut();
            stdout.print(Sweep.markdown(m.name(), result.byLayer()));
            stdout.flush();
        }
        return 0;
    }
}
