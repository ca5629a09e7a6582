package org.hyperdas.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.trainer.init.InitOptions;
import org.hyperdas.trainer.plan.MemoryPlan;
import org.hyperdas.trainer.plan.PlanReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hyperdas-run plan}: predicted memory of a HyperDAS training run, without running it. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Predict the peak memory of HyperDAS training on a model (its config.json is enough: "
                + "init-model --config-only writes one): target weights, trainable parameters, AdamW state (one "
                + "in-place TrainStep set on large targets, two otherwise), session creation, gradients, activations, ONNX Runtime workspace; the total against the "
                + "memory given, whether it fits, the deepest hypernetwork that fits (and, when few layers fit, how deep one with --hypernet-embedding frozen fits); for cuda the bytes that cross "
                + "PCIe per step (state in and out each step) and per call of K steps."})
final class PlanCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A model folder or its config.json (weights not needed).")
    Path model;

    @Option(names = "--hypernet-layers", paramLabel = "N", description = "Default: train's default for the target.")
    Integer hypernetLayers;

    @Option(names = HypernetEmbedding.OPTION, paramLabel = "trainable|frozen", description = TrainCommand.EMBEDDING_HELP)
    String hypernetEmbedding;

    @Option(names = "--batch-size", paramLabel = "B", description = "Default: train's default (16).")
    Integer batchSize;

    @Option(names = "--seq", paramLabel = "L", defaultValue = "32",
            description = "Padded base / source prompt tokens (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--device", paramLabel = "cpu|cuda", defaultValue = "cpu", description = "Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--memory", paramLabel = "SIZE",
            description = "Memory to fit in, e.g. 80g (device memory for cuda). Default: this machine's RAM.")
    String memory;

    @Option(names = "--steps-per-call", paramLabel = "K", defaultValue = "1",
            description = "train's --steps-per-call: K > 1 adds the K-step model's TrainStep (two state sets) and"
                    + " session (default: ${DEFAULT-VALUE}).")
    int stepsPerCall;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        boolean cuda = switch (device) {
            case "cpu" -> false;
            case "cuda" -> true;
            default -> throw new BadInputException("--device " + device + ": expected cpu or cuda");
        };
        Path config = Files.isDirectory(model) ? model.resolve("config.json") : model;
        LlamaConfig c = LlamaConfig.load(config);
        DType stored = c.torchDtype() == null ? DType.F32 : HfModel.torchDtypeAsDType(c.torchDtype());
        long available = memory != null ? InitOptions.parseSize("--memory", memory) : PlanReport.machineMemory();
        MemoryPlan p = PlanReport.plan(c, stored, hypernetLayers, batchSize, seq, cuda, available,
                stepsPerCall, HypernetEmbedding.parse(hypernetEmbedding));
        spec.commandLine().getOut().print(PlanReport.text(p));
        return 0;
    }
}
