package org.hyperdas.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.trainer.bench.HyperDasStepBenchmark;
import org.hyperdas.trainer.bench.MatmulBenchmark;
import org.hyperdas.trainer.bench.TrainStepBenchmark;
import org.hyperdas.trainer.plan.StepShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run bench ...}: performance measurements. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Performance benchmarks.",
        subcommands = {BenchCommand.TrainStep.class, BenchCommand.Matmul.class, BenchCommand.HyperDasStep.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code hyperdas-run bench train-step}: see {@link TrainStepBenchmark}. */
    @Command(name = "train-step", mixinStandardHelpOptions = true,
            description = {
                "Steps/s and GFLOP/s of one training step (forward, backward, clip 4.0, AdamW) of a Llama LM:",
                "vocab 256, hidden 256, 8 query / 2 KV heads (head_dim 32), SwiGLU 680, batch 32 x seq 32, float32.",
                "FLOPs/step = 6 x matmul weights (blocks + LM head) x tokens + 12 x layers x batch x seq^2 x hidden."})
    static final class TrainStep implements Callable<Integer> {
        @Option(names = "--layers", required = true, paramLabel = "N", description = "Decoder blocks.")
        int layers;

        @Option(names = "--mode", defaultValue = "zero-copy", paramLabel = "MODE",
                description = "zero-copy (TrainStep: direct buffers, pinned outputs, A/B swap) or allocate (new input"
                        + " tensors from Java arrays and getValue() copies every step). Default: ${DEFAULT-VALUE}.")
        String mode;

        @Option(names = "--steps", defaultValue = "20", paramLabel = "S",
                description = "Timed steps per repeat. Default: ${DEFAULT-VALUE}.")
        int steps;

        @Option(names = "--warmup", defaultValue = "3", paramLabel = "W",
                description = "Untimed steps first. Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Option(names = "--repeat", defaultValue = "3", paramLabel = "R",
                description = "Timed runs of S steps; best and median are reported. Default: ${DEFAULT-VALUE}.")
        int repeat;

        @Option(names = "--threads", paramLabel = "T",
                description = "ONNX Runtime intra-op threads. Default: all cores (${DEFAULT-VALUE}).")
        int threads = Runtime.getRuntime().availableProcessors();

        @Option(names = "--batch", defaultValue = "32", paramLabel = "B", description = "Default: ${DEFAULT-VALUE}.")
        int batch;

        @Option(names = "--seq", defaultValue = "32", paramLabel = "L", description = "Default: ${DEFAULT-VALUE}.")
        int seq;

        @Option(names = "--profile", paramLabel = "FILE",
                description = "Write ONNX Runtime's JSON profile there and print the time per op type.")
        Path profile;

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TrainStepBenchmark.Settings settings = new TrainStepBenchmark.Settings(layers,
                    TrainStepBenchmark.Mode.parse(mode), steps, warmup, repeat, threads, batch, seq, profile);
            PrintWriter out = spec.commandLine().getOut();
            TrainStepBenchmark.Result r = TrainStepBenchmark.run(settings, json ? null : out);
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(facts(r)));
                return 0;
            }
            out.printf(Locale.ROOT, "%d block(s), %s, %d thread(s), batch %d x seq %d: %.3f GFLOP/step%n", layers,
                    settings.mode().flag(), threads, batch, seq, r.gflopPerStep());
            out.printf(Locale.ROOT, "best   %.2f steps/s  %.1f GFLOP/s%n", r.bestStepsPerSecond(),
                    r.gflopsPerSecond(r.bestStepsPerSecond()));
            out.printf(Locale.ROOT, "median %.2f steps/s  %.1f GFLOP/s  (%d repeats of %d steps; loss %.4f -> %.4f)%n",
                    r.medianStepsPerSecond(), r.gflopsPerSecond(r.medianStepsPerSecond()), repeat, steps,
                    r.firstLoss(), r.lastLoss());
            if (r.profile() != null) {
                out.println("profile " + r.profile() + " (kernel time per step by op type):");
                for (TrainStepBenchmark.OpTime op : r.profileOps()) {
                    out.printf(Locale.ROOT, "  %-28s %8.2f ms  %5.1f%%%n", op.opType(), op.millisPerStep(),
                            100 * op.share());
                }
            }
            return 0;
        }

        private Map<String, Object> facts(TrainStepBenchmark.Result r) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("layers", layers);
            f.put("mode", r.settings().mode().flag());
            f.put("threads", threads);
            f.put("batch", batch);
            f.put("seq", seq);
            f.put("parameters", r.parameters());
            f.put("matmul_parameters", r.matmulParameters());
            f.put("gflop_per_step", r.gflopPerStep());
            f.put("steps", steps);
            f.put("seconds_per_repeat", r.secondsPerRepeat());
            f.put("process_cpu_seconds_per_repeat", r.cpuSecondsPerRepeat());
            f.put("best_steps_per_s", r.bestStepsPerSecond());
            f.put("median_steps_per_s", r.medianStepsPerSecond());
            f.put("best_gflop_per_s", r.gflopsPerSecond(r.bestStepsPerSecond()));
            f.put("median_gflop_per_s", r.gflopsPerSecond(r.medianStepsPerSecond()));
            f.put("first_loss", r.firstLoss());
            f.put("last_loss", r.lastLoss());
            f.put("setup_seconds", r.setupSeconds());
            if (r.profile() != null) {
                f.put("profile", r.profile().toString());
                List<Map<String, Object>> ops = r.profileOps().stream().map(o -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("op", o.opType());
                    m.put("ms_per_step", o.millisPerStep());
                    m.put("share", o.share());
                    return m;
                }).toList();
                f.put("ops", ops);
            }
            return f;
        }
    }

    /** {@code hyperdas-run bench matmul}: see {@link MatmulBenchmark}. */
    @Command(name = "matmul", mixinStandardHelpOptions = true,
            description = "The float32 GEMM peak through ONNX Runtime: one N x N MatMul graph, best of repeats, 2 N^3 FLOPs.")
    static final class Matmul implements Callable<Integer> {
        @Option(names = "--size", defaultValue = "1024", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
        int size;

        @Option(names = "--threads", paramLabel = "T", description = "Default: all cores (${DEFAULT-VALUE}).")
        int threads = Runtime.getRuntime().availableProcessors();

        @Option(names = "--repeat", defaultValue = "10", paramLabel = "R", description = "Default: ${DEFAULT-VALUE}.")
        int repeat;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            MatmulBenchmark.Result r = MatmulBenchmark.run(size, threads, repeat);
            spec.commandLine().getOut().printf(Locale.ROOT, "matmul %d x %d x %d float32, %d thread(s): best %.1f GFLOP/s"
                    + " (%.2f ms), median %.1f GFLOP/s over %d runs%n", size, size, size, threads, r.bestGflops(),
                    r.bestSeconds() * 1e3, r.medianGflops(), repeat);
            return 0;
        }
    }

    /** {@code hyperdas-run bench hyperdas-step}: see {@link HyperDasStepBenchmark} and {@link StepShape}. */
    @Command(name = "hyperdas-step", mixinStandardHelpOptions = true,
            description = {"Steps/s of HyperDAS training on a model folder (one batch of embedded RAVEL city pairs fed"
                    + " each step), the analytical FLOPs per step, GFLOP/s and its share of the matmul peak.",
                "FLOPs = target fwd on base+source (2 Pb n T) + suffix fwd+input-grad (4 Pb (n-l) T_b) + LM head at"
                    + " the labels (4 V h T_label) + hypernetwork (6x its matmuls over the instruction, 4x the memory"
                    + " keys/values) + attention; see StepShape."})
    static final class HyperDasStep implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face Llama folder.")
        Path model;

        @Option(names = "--hypernet-layers", paramLabel = "N", description = "Default: train's default for the target.")
        Integer hypernetLayers;

        @Option(names = HypernetEmbedding.OPTION, paramLabel = "trainable|frozen", description = TrainCommand.EMBEDDING_HELP)
        String hypernetEmbedding;

        @Option(names = "--batch-size", paramLabel = "B", description = "Default: train's default for the target.")
        Integer batchSize;

        @Option(names = "--steps", defaultValue = "5", paramLabel = "S", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
        int steps;

        @Option(names = "--warmup", defaultValue = "1", paramLabel = "W", description = "Untimed steps. Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Option(names = "--threads", paramLabel = "T", description = "Default: all cores (${DEFAULT-VALUE}).")
        int threads = Runtime.getRuntime().availableProcessors();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HyperDasStepBenchmark.Result r = HyperDasStepBenchmark.run(new HyperDasStepBenchmark.Settings(model,
                    hypernetLayers, batchSize, steps, warmup, threads, HypernetEmbedding.parse(hypernetEmbedding)),
                    System.err);
            MatmulBenchmark.Result peak = MatmulBenchmark.run(1024, threads, 5);
            StepShape s = r.shape();
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "model %s: %d layers, hidden %d; hypernetwork %d layers%s, %,d trainable parameters;"
                    + " layer %d, k %d%n", model, s.target().numHiddenLayers(), s.target().hiddenSize(),
                    s.config().hypernetLayers(), s.config().frozenEmbedding() ? " (embedding frozen)" : "",
                    r.trainableParameters(), s.config().layer(), s.config().subspaceDim());
            out.printf(Locale.ROOT, "batch %d: base %d, source %d, instruction %d, label %d tokens; %d thread(s)%n",
                    s.batch(), s.baseSeq(), s.sourceSeq(), s.instructionSeq(), s.labelTokens(), threads);
            out.printf(Locale.ROOT, "graph building %.2f s, session creation %.2f s%n", r.buildSeconds(), r.sessionSeconds());
            out.printf(Locale.ROOT, "FLOPs/step %.3f GFLOP (target %.3f, suffix + LM head %.3f, hypernetwork %.3f)%n",
                    s.flopsPerStep() / 1e9, s.targetFlops() / 1e9, s.suffixFlops() / 1e9, s.hypernetFlops() / 1e9);
            out.printf(Locale.ROOT, "%.3f steps/s (%d steps, loss %.4f -> %.4f): %.2f GFLOP/s = %.1f%% of the matmul peak"
                    + " %.1f GFLOP/s%n", r.stepsPerSecond(), r.steps(), r.firstLoss(), r.lastLoss(), r.gflopsPerSecond(),
                    100 * r.gflopsPerSecond() / peak.bestGflops(), peak.bestGflops());
            return 0;
        }
    }
}
