package org.hyperdas.trainer.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.CausalLmLoss;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.graphs.optim.AdamWConfig;
import org.hyperdas.graphs.optim.ParamGroup;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.train.StepSpec;

/**
 * Throughput of one whole training step (forward, backward, global-norm clipping at 4.0, AdamW)
 * of a small Llama language model, run as one ONNX model: vocab 256, hidden 256, 8 query heads over
 * 2 key/value heads (head_dim 32), SwiGLU intermediate 680, untied LM head, N blocks, batch 32 x
 * seq 32 of random tokens, full next-token cross-entropy (every position counts), float32.
 *
 * <p><b>FLOP accounting</b> (the usual "6ND" convention): a weight matrix with P entries costs
 * 2P FLOPs per token forward and 4P backward (gradients of activations and of the weight), so
 * <pre>
 *   FLOPs/step = 6 * P_matmul * tokens + 12 * layers * batch * seq^2 * (heads * head_dim)
 * </pre>
 * where {@code P_matmul} counts the weights that multiply activations: q, k, v, o, gate, up, down
 * of every block and the LM head (the input embedding is a lookup and the RMSNorm scales are
 * elementwise, so neither counts), and {@code tokens = batch * seq}. The second term is attention:
 * QK^T and AV each take {@code 2 * seq^2 * head_dim} FLOPs per head and example forward, times 3
 * for forward + backward, counted over the full square (no discount for the causal mask).
 * Elementwise work (norms, softmax, RoPE, SiLU, AdamW) is not counted. With 1 block this is
 * 4.72 GFLOP per step, with 4 blocks 17.7 GFLOP.
 *
 * <p><b>Modes.</b> {@link Mode#ZERO_COPY} runs the {@link org.hyperdas.runtime.train.TrainStep}
 * (state in two sets of direct buffers wrapped once as tensors, outputs pinned into the other set,
 * the sets swapped each step; the batch is a tensor over a direct buffer made once). {@link Mode#ALLOCATE} runs the same
 * model the naive way, to show what that saves: every step wraps each parameter and optimizer
 * state array in a new input tensor (ONNX Runtime Java copies a heap buffer into a fresh direct
 * one), lets the session allocate every output, and reads each one back with
 * {@code getValue()} into nested Java arrays that are then flattened into the state arrays.
 */
public final class TrainStepBenchmark {
    /** How state moves between steps. */
    public enum Mode {
        ZERO_COPY("zero-copy"),
        ALLOCATE("allocate");

        private final String flag;

        Mode(String flag) {
            this.flag = flag;
        }

        public String flag() {
            return flag;
        }

        /** From the command-line spelling. */
        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.flag.equals(s)) {
                    return m;
                }
            }
            throw new BadInputException("--mode: expected zero-copy or allocate, found '" + s + "'");
        }
    }

    /**
     * What to run.
     *
     * @param layers decoder blocks, >= 1
     * @param mode how state moves between steps
     * @param steps timed steps per repeat, >= 1
     * @param warmup untimed steps before the first repeat, >= 0
     * @param repeats timed runs of {@code steps} steps on the same session, >= 1
     * @param threads ONNX Runtime intra-op threads, >= 1
     * @param batch sequences per step, >= 1
     * @param seq tokens per sequence, >= 1
     * @param profile where to write ONNX Runtime's JSON profile of the whole run, or null
     */
    public record Settings(int layers, Mode mode, int steps, int warmup, int repeats, int threads, int batch, int seq,
            Path profile) {
        public Settings {
            Objects.requireNonNull(mode, "mode");
            positive("--layers", layers);
            positive("--steps", steps);
            positive("--repeat", repeats);
            positive("--threads", threads);
            positive("--batch", batch);
            positive("--seq", seq);
            if (warmup < 0) {
                throw new BadInputException("--warmup: expected >= 0, found " + warmup);
            }
            if (layers > 64 || (long) batch * seq > 1 << 20) {
                throw new BadInputException("--layers/--batch/--seq: " + layers + " layers of " + batch + " x " + seq
                        + " tokens is beyond this benchmark (at most 64 layers and 2^20 tokens)");
            }
        }

        private static void positive(String flag, int v) {
            if (v < 1) {
                throw new BadInputException(flag + ": expected >= 1, found " + v);
            }
        }
    }

    /** Time spent on one operator type, summed over every node of that type, per step. */
    public record OpTime(String opType, double millisPerStep, double share) {
    }

    /**
     * What a run measured.
     *
     * @param secondsPerRepeat wall time of each repeat of {@code steps} steps
     * @param cpuSecondsPerRepeat CPU time of the whole process (all threads) during each repeat: on
     *     a machine shared with other work it moves less than wall time, but it includes the time
     *     ONNX Runtime's pool threads spend spinning while they wait
     * @param gflopPerStep counted FLOPs of one step (see the class comment), in 1e9
     * @param setupSeconds graph building, serialisation and session creation
     * @param firstLoss loss of the first step (ln 256 = 5.55 for a uniform guess)
     * @param lastLoss loss of the last step (the batch repeats, so it falls)
     * @param parameters trainable parameters (every weight, embedding included)
     * @param matmulParameters weights that multiply activations ({@code P_matmul})
     * @param profileOps per-op-type time from the profile, slowest first; empty without profiling
     */
    public record Result(Settings settings, List<Double> secondsPerRepeat, List<Double> cpuSecondsPerRepeat,
            double gflopPerStep, double setupSeconds,
            double firstLoss, double lastLoss, long parameters, long matmulParameters, Path profile,
            List<OpTime> profileOps) {

        public double stepsPerSecond(int repeat) {
            return settings.steps() / secondsPerRepeat.get(repeat);
        }

        public double bestStepsPerSecond() {
            return settings.steps() / secondsPerRepeat.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        }

        /** The median repeat (the lower middle one for an even count). */
        public double medianStepsPerSecond() {
            double[] sorted = secondsPerRepeat.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return settings.steps() / sorted[(sorted.length - 1) / 2];
        }

        public double gflopsPerSecond(double stepsPerSecond) {
            return gflopPerStep * stepsPerSecond;
        }
    }

    private static final double LR = 1e-3;
    private static final double WEIGHT_DECAY = 0.01;
    private static final double CLIP_NORM = 4.0;
    private static final long SEED = 1234;

    private TrainStepBenchmark() {
    }

    /** The benchmark's model with {@code layers} blocks. */
    public static LlamaConfig config(int layers) {
        return LlamaConfig.builder().vocabSize(256).hiddenSize(256).numAttentionHeads(8).numKeyValueHeads(2)
                .headDim(32).intermediateSize(680).numHiddenLayers(layers).maxPositionEmbeddings(4096)
                .rmsNormEps(1e-5).ropeTheta(10000).tieWordEmbeddings(false).build();
    }

    /** {@code P_matmul}: entries of the 2-D weights except the input embedding. */
    public static long matmulParameters(LlamaConfig config) {
        long total = 0;
        for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
            long[] shape = e.getValue();
            if (shape.length == 2 && !e.getKey().equals("model.embed_tokens.weight")) {
                total += shape[0] * shape[1];
            }
        }
        return total;
    }

    /** Counted FLOPs of one step, see the class comment. */
    public static double flopsPerStep(LlamaConfig config, int batch, int seq) {
        double tokens = (double) batch * seq;
        double attention = 12.0 * config.numHiddenLayers() * batch * (double) seq * seq
                * config.numAttentionHeads() * config.headDim();
        return 6.0 * matmulParameters(config) * tokens + attention;
    }

    /** Builds the step model, runs it and reports; progress lines go to {@code log} (may be null). */
    public static Result run(Settings s, PrintWriter log) throws OrtException, IOException {
        long t0 = System.nanoTime();
        LlamaConfig config = config(s.layers());
        CausalLmLoss lm = CausalLmLoss.build(config);
        TrainingGraph training = TrainingGraph.builder(lm.loss())
                .group(new ParamGroup("all", LR, WEIGHT_DECAY))
                .params("all", lm.graph().parameters().toArray(Value[]::new))
                .optimizer(AdamWConfig.defaults())
                .clipNorm(CLIP_NORM)
                .build();
        Map<String, float[]> initial = initialWeights(config, SEED);
        long parameters = initial.values().stream().mapToLong(a -> a.length).sum();
        StepSpec spec = training.stepSpec(initial);
        OrtEngine engine = OrtEngine.cpu().withIntraOpThreads(s.threads());
        OrtSession.SessionOptions options = engine.sessionOptions();
        try {
            if (s.profile() != null) {
                options.enableProfiling(OrtProfile.prefix(s.profile()));
            }
        } catch (OrtException | IOException | RuntimeException e) {
            options.close();
            throw e;
        }
        OrtSession session = engine.session(training.model(), options); // closes the options
        double setup = (System.nanoTime() - t0) / 1e9;
        if (log != null) {
            log.printf(Locale.ROOT, "train-step: %d block(s), %,d parameters, %s, %d thread(s); setup %.2f s%n",
                    s.layers(), parameters, s.mode().flag(), s.threads(), setup);
            log.flush();
        }
        Batch batch = new Batch(s.batch(), s.seq(), config.vocabSize(), SEED + 1);
        try (session; batch) {
            StepRunner runner = s.mode() == Mode.ZERO_COPY ? new StepRunner.ZeroCopy(session, spec, batch.feeds())
                    : new StepRunner.Allocating(session, spec, batch.feeds());
            try (runner) {
                double first = Double.NaN;
                double last = Double.NaN;
                for (int i = 0; i < s.warmup(); i++) {
                    last = runner.step();
                    first = i == 0 ? last : first;
                }
                List<Double> seconds = new ArrayList<>();
                List<Double> cpuSeconds = new ArrayList<>();
                double gflop = flopsPerStep(config, s.batch(), s.seq()) / 1e9;
                for (int r = 0; r < s.repeats(); r++) {
                    long start = System.nanoTime();
                    long cpuStart = processCpuNanos();
                    for (int i = 0; i < s.steps(); i++) {
                        last = runner.step();
                        first = Double.isNaN(first) ? last : first;
                    }
                    double sec = (System.nanoTime() - start) / 1e9;
                    double cpu = (processCpuNanos() - cpuStart) / 1e9;
                    seconds.add(sec);
                    cpuSeconds.add(cpu);
                    if (log != null) {
                        log.printf(Locale.ROOT, "  repeat %d: %d steps in %.3f s: %.2f steps/s, %.1f GFLOP/s"
                                + " (process CPU %.1f ms/step; loss %.4f)%n", r + 1, s.steps(), sec, s.steps() / sec,
                                gflop * s.steps() / sec, 1000 * cpu / s.steps(), last);
                        log.flush();
                    }
                }
                Path profile = null;
                List<OpTime> ops = List.of();
                if (s.profile() != null) {
                    profile = OrtProfile.move(Path.of(session.endProfiling()), s.profile());
                    ops = OrtProfile.summarize(profile, runner.runs());
                }
                return new Result(s, List.copyOf(seconds), List.copyOf(cpuSeconds), gflop, setup, first, last,
                        parameters,
                        matmulParameters(config), profile, ops);
            }
        }
    }

    /** CPU time of this process so far (all threads), or 0 where the JVM cannot tell. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    // ---------------------------------------------------------------- data

    /** Seeded weights: norms 1, every matrix N(0, 0.02^2) (transformers' Llama init). */
    static Map<String, float[]> initialWeights(LlamaConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        config.expectedTensors().forEach((name, shape) -> {
            int n = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
            float[] v = new float[n];
            if (name.endsWith("norm.weight")) {
                Arrays.fill(v, 1f);
            } else {
                for (int i = 0; i < n; i++) {
                    v[i] = (float) (0.02 * random.nextGaussian());
                }
            }
            out.put(name, v);
        });
        return out;
    }

    /** One fixed batch of random tokens with next-token labels, as tensors over direct buffers. */
    private static final class Batch implements AutoCloseable {
        private final Map<String, OnnxTensor> feeds = new HashMap<>();

        Batch(int batch, int seq, int vocab, long seed) throws OrtException {
            Random random = new Random(seed);
            int n = batch * seq;
            LongBuffer ids = Tensors.longs(n);
            LongBuffer labels = Tensors.longs(n);
            LongBuffer attention = Tensors.longs(n);
            FloatBuffer labelMask = Tensors.floats(n);
            long[] tokens = new long[batch * (seq + 1)];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(vocab);
            }
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < seq; t++) {
                    ids.put(b * seq + t, tokens[b * (seq + 1) + t]);
                    labels.put(b * seq + t, tokens[b * (seq + 1) + t + 1]);
                    attention.put(b * seq + t, 1);
                    labelMask.put(b * seq + t, 1f);
                }
            }
            try {
                feeds.put(LlamaHooks.INPUT_IDS, Tensors.tensor(ids, batch, seq));
                feeds.put(LlamaHooks.ATTENTION_MASK, Tensors.tensor(attention, batch, seq));
                feeds.put(FeedSchema.NEXT_TOKEN_LABELS.name(), Tensors.tensor(labels, batch, seq));
                feeds.put(FeedSchema.NEXT_TOKEN_LABEL_MASK.name(), Tensors.tensor(labelMask, batch, seq));
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        Map<String, OnnxTensor> feeds() {
            return feeds;
        }

        @Override
        public void close() {
            feeds.values().forEach(OnnxTensor::close);
        }
    }
}
