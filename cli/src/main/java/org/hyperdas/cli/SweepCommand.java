package org.hyperdas.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.trainer.Experiment;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.MethodRegistry;
import org.hyperdas.trainer.RunControl;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.das.MethodSweeps;
import org.hyperdas.trainer.das.Sweep;
import org.hyperdas.trainer.das.SweepPlot;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.hyperdas.trainer.hyperdas.PerTypeRuns;
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
    @Option(names = "--grid", paramLabel = "FILE",
            description = "A JSON (or .yaml / .yml) grid of train options to values or arrays of values (method, layer, k, seed,"
                    + " entity-types, any train flag): each combination is a cell, one train into DIR/CELL; finished"
                    + " cells are skipped. Writes sweep.arrow, leaderboard.md|csv (95%% intervals over seeds, paired"
                    + " difference to mdas) and disentangle-by-layer.png / -by-k.png. Replaces --method.")
    Path grid;

    @Option(names = "--backend", defaultValue = "local", paramLabel = "NAME",
            description = "With --grid: local (the default: a pool of child processes on this machine). Spark runs"
                    + " from the spark module's own jar (see README, \"Sweeps\").")
    String backend;

    @Option(names = "--parallel", paramLabel = "N",
            description = "With --grid: cells at once (default: min(cells, cores)); each gets cores / N ONNX Runtime"
                    + " threads unless the grid sets threads.")
    Integer parallel;

    @Option(names = "--method", paramLabel = "METHOD[,METHOD...]",
            completionCandidates = TrainCommand.MethodNames.class,
            description = "One of: ${COMPLETION-CANDIDATES}, or several (hyperdas,mdas): each is swept into DIR/METHOD"
                    + " and DIR/" + MethodSweeps.PLOT + " draws them all. hyperdas trains one hypernetwork per entity"
                    + " type at each layer (as train does); its layer's row is hyperdas-soft.")
    String method;

    @Option(names = "--compare", split = ",", paramLabel = "DIR",
            description = "Earlier sweep folders (written by sweep) to draw beside this sweep's methods in DIR/"
                    + MethodSweeps.PLOT + ".")
    List<Path> compare;

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
        if (grid != null) {
            if (method != null) {
                throw new org.hyperdas.runtime.BadInputException("--grid and --method: give one of them (a grid"
                        + " names its methods)");
            }
            if (!backend.equals("local")) {
                throw new org.hyperdas.runtime.BadInputException("--backend '" + backend + "': expected local; the"
                        + " Spark backend runs from spark/target/hyperdas-spark.jar (README, \"Sweeps\")");
            }
            GridSweep.refuseCellOptions(spec.commandLine().getParseResult());
            // A re-run over its own folder continues (finished cells are skipped); user files are refused.
            output.claim(out, OutputKind.SWEEP);
            boolean named = GridSweep.cells(grid, null).stream().allMatch(c -> c.settings().containsKey("model"));
            Path model = named ? null : target.modelFolder(true);
            return GridSweep.run(GridSweep.cells(grid, model), out, parallel, spec.commandLine().getOut());
        }
        if (method == null) {
            throw new org.hyperdas.runtime.BadInputException("sweep: expected --method METHOD (a layer sweep) or"
                    + " --grid FILE");
        }
        List<String> methods = List.of(method.split(","));
        for (String name : methods) {
            InterventionMethod m = MethodRegistry.get(name.trim());
            if (m.sweepRefusal() != null) {
                throw new org.hyperdas.runtime.BadInputException(m.sweepRefusal());
            }
        }
        boolean several = methods.size() > 1 || compare != null;
        List<PairSplit> evalSplits = TrainCommand.parseSplits(splits);
        output.claim(out, OutputKind.SWEEP);
        Map<String, Map<Integer, Scores>> swept = new LinkedHashMap<>();
        try (TargetModel model = TargetModel.open(target.modelFolder(), target.engine())) {
            List<Integer> layerList = Sweep.parseLayers(layers, model.layers());
            Experiment experiment = null;
            var stdout = spec.commandLine().getOut();
            for (String name : methods) {
                InterventionMethod m = MethodRegistry.get(name.trim());
                InterventionMethod.Configured c = m.configure(model,
                        flags.overrides(layerList.get(0), null, null, null, null, null));
                MethodOptions options = c.options();
                if (experiment == null) {
                    Experiment.Setup setup = new Experiment.Setup(data.source(flags.seed), evalSplits,
                            !data.noKnowledgeFilter, options.evalBatchSize());
                    experiment = Experiment.prepare(model, setup, System.err);
                }
                Experiment e = experiment;
                Path folder = several ? out.resolve(m.name()) : out;
                Sweep.LayerRun runner = m.name().equals(HyperDasMethod.NAME)
                        ? (o, f) -> PerTypeRuns.run(e, c.method(), o, x -> RunControl.none(), f, System.err).get(0)
                        : (o, f) -> e.run(c.method(), o, f, System.err);
                Sweep.Result result = Sweep.run(c.method(), layerList, options, folder, System.err, runner);
                swept.put(MethodSweeps.label(result.byLayer()), result.byLayer());
                stdout.print(Sweep.markdown(m.name(), result.byLayer()));
            }
            if (several) {
                SweepPlot.writeMethods(MethodSweeps.combine(swept, compare), out.resolve(MethodSweeps.PLOT));
                System.err.println("sweep: " + out.resolve(MethodSweeps.PLOT));
            }
            stdout.flush();
        }
        return 0;
    }
}
