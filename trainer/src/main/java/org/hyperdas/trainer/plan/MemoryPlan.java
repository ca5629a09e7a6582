package org.hyperdas.trainer.plan;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.trainer.TargetDefaults;

/**
 * Predicted peak memory of a HyperDAS training run with today's runtime, item by item and phase by
 * phase, and for a GPU the bytes that cross PCIe per step.
 *
 * <p>The peak is the largest of three phases ({@link Phase}), each the sum of the items alive in it:
 * the creation of the last ONNX Runtime session opened during training, the training step, and on
 * large targets the monitor's evaluation after training. Bytes ({@code Pt} trainable parameters,
 * {@code P} target parameters, {@code S} sessions open during training, see {@link #trainingSessions}):
 * <ul>
 *   <li>each session's own float32 copy of the target, {@code 4 P} (ONNX Runtime Casts a bf16 target
 *       to float32 per session), plus the transposed LM head a tied embedding keeps ({@code 4 V h});</li>
 *   <li>session creation, transient: the stored copy read ({@code P x stored size}, unless float32) and
 *       the constant-folded transposes of the Linear weights (Linear.fromHf uses weight^T), so creation
 *       peaks near twice the float32 target;</li>
 *   <li>the TrainStep state, parameters {@code 4 Pt} and AdamW m, v {@code 8 Pt} per buffer set: one set
 *       updated in place on large targets with clipping (HyperDasMethod.trainStep), two otherwise; with
 *       {@code --steps-per-call K > 1} a second TrainStep over the K-step Loop model (two sets) and
 *       its session;</li>
 *   <li>in the step: gradients and their clipped copies {@code 8 Pt}, AdamW's elementwise temporaries
 *       ({@value #ADAMW_TEMPORARIES} of the largest trainable tensor at once: the products and the
 *       denominator of Optimizers.adamW), the zeros the gradient of the hypernetwork's embedding (the
 *       largest trainable tensor) is scattered into (none with a frozen embedding, whose parameters,
 *       moments and gradient are gone too, the largest tensor then a smaller one), the activations kept for the backward pass
 *       ({@link #activations}) and ONNX Runtime's workspace ({@value #WORKSPACE_SHARE} of them);</li>
 *   <li>the process: JVM and ONNX Runtime ({@value #PROCESS_BYTES} bytes), the tokenizer
 *       ({@value #TOKENIZER_BYTES_PER_ID} bytes per vocabulary id), a train run's heap
 *       ({@value #TRAIN_RUN_BYTES} bytes: RAVEL pairs, predictions, figures), the trained parameters
 *       copied to the heap after the last step ({@code 4 Pt}) and the evaluation's label logits and
 *       log-probabilities (eval batch {@value #EVAL_BATCH} x label tokens x vocab, twice).</li>
 * </ul>
 * Small targets evaluate with the training session still open (a second session); large ones
 * (weights of 1 GiB and more) open the evaluation session only after the training session and its
 * state are released, one evaluation session at a time. Process, tokenizer, heap and workspace were
 * fitted to the peak RSS of {@code bench hyperdas-step} and {@code train} on the knowledge model; the
 * AdamW temporaries to {@code train} on a Llama-3.2-1B-shaped target (MemoryPlanTest has both runs).
 * On a GPU the weights, the step's state slots (in and out), gradients, temporaries, activations and
 * workspace are device memory; the TrainStep buffer sets, session creation and the heap are host memory.
 *
 * @param shape the step
 * @param stored the target's stored element type
 * @param cuda whether the step runs on a GPU
 * @param available the memory to fit in (device memory for cuda, RAM otherwise), bytes
 * @param stepsPerCall train's {@code --steps-per-call}: 1, or K optimizer steps per ONNX Runtime call
 */
public record MemoryPlan(StepShape shape, DType stored, boolean cuda, long available, int stepsPerCall) {
    /** Share of the activations ONNX Runtime's arena and transient tensors add. */
    public static final double WORKSPACE_SHARE = 0.5;
    /** The process without model or tokenizer: JVM, ONNX Runtime. */
    public static final long PROCESS_BYTES = 200L << 20;
    /** The tokenizer's memory per vocabulary id. */
    public static final long TOKENIZER_BYTES_PER_ID = 5L << 10;
    /** The heap a train run adds: RAVEL pairs of every split, predictions, figures. */
    public static final long TRAIN_RUN_BYTES = 600L << 20;
    /** train's evaluation batch size. */
    public static final int EVAL_BATCH = 64;
    /** AdamW temporaries of one tensor alive at once (e.g. v * b2, g * g, (1 - b2) g^2; m2 / denom). */
    public static final int ADAMW_TEMPORARIES = 3;

    /** The launcher's heap cap: -Xmx = min(RAM / 4, this). */
    public static final long HEAP_CAP = 8L << 30;

    /** When an item is alive. */
    public enum Phase {
        /** Creating the last session opened during training (folding its weights). */
        CREATE("session creation"),
        /** One optimizer step. */
        STEP("training step"),
        /** Large targets: the monitor's evaluation, after the training session is closed. */
        EVAL("evaluation after training");

        private final String label;

        Phase(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One line of the breakdown: its bytes, device or host memory, the phases it is alive in. */
    public record Item(String name, long bytes, boolean device, Set<Phase> phases) {
        public Item {
            phases = Set.copyOf(phases);
        }
    }

    /** The one-step plan ({@code --steps-per-call 1}). */
    public MemoryPlan(StepShape shape, DType stored, boolean cuda, long available) {
        this(shape, stored, cuda, available, 1);
    }

    public MemoryPlan {
        if (stepsPerCall < 1) {
            throw new IllegalArgumentException("stepsPerCall must be >= 1: " + stepsPerCall);
        }
    }

    /** Whether the target is large (hidden >= 2048): in-place state, sessions one at a time, no arena. */
    public boolean large() {
        return TargetDefaults.isLarge(shape.target());
    }

    /** TrainStep buffer sets of the one-step model: 1 (in place) on large targets with clipping, else 2. */
    public int stateSets() {
        return large() && shape.config().clipNorm() > 0 ? 1 : 2;
    }

    /** Sessions open during training: the training one, the K-step one, on small targets the monitor's. */
    public int trainingSessions() {
        return 1 + (stepsPerCall > 1 ? 1 : 0) + (large() ? 0 : 1);
    }

    public List<Item> items() {
        long pt = shape.trainableParameters();
        LlamaConfig t = shape.target();
        long p = t.parameterCount();
        long vh = (long) t.vocabSize() * t.hiddenSize();
        int sessions = trainingSessions();
        boolean large = large();
        // The state exists when the last session is created unless that is the only (training) one.
        Set<Phase> state = sessions > 1 ? EnumSet.of(Phase.CREATE, Phase.STEP) : EnumSet.of(Phase.STEP);
        Set<Phase> training = EnumSet.of(Phase.CREATE, Phase.STEP);
        Set<Phase> creating = large ? EnumSet.of(Phase.CREATE, Phase.EVAL) : EnumSet.of(Phase.CREATE);
        Set<Phase> all = EnumSet.allOf(Phase.class);
        List<Item> items = new ArrayList<>();
        items.add(new Item("target f32 copy x " + sessions + " session" + (sessions > 1 ? "s" : ""), sessions * 4 * p,
                true, training));
        if (t.tieWordEmbeddings()) {
            items.add(new Item("tied LM head transposed x " + sessions, sessions * 4 * vh, true, training));
        }
        if (large) {
            items.add(new Item("monitor session: f32 target" + (t.tieWordEmbeddings() ? " + LM head^T" : ""),
                    4 * p + (t.tieWordEmbeddings() ? 4 * vh : 0), true, EnumSet.of(Phase.EVAL)));
        }
        if (stored != DType.F32) {
            items.add(new Item("creation: stored " + stored + " copy read", p * stored.byteSize(), false, creating));
        }
        items.add(new Item("creation: folded Linear transposes", 4 * transposedLinearWeights(), false, creating));
        int sets = stateSets();
        String where = sets == 1 ? " (1 set, in place)" : " (2 TrainStep sets)";
        items.add(new Item("trainable parameters" + where, sets * 4 * pt, !cuda, state));
        items.add(new Item("AdamW m, v" + where, sets * 8 * pt, !cuda, state));
        if (stepsPerCall > 1) {
            items.add(new Item("K-step TrainStep: parameters, m, v (2 sets)", 2 * 12 * pt, !cuda, EnumSet.of(Phase.STEP)));
        }
        if (cuda) {
            items.add(new Item("state slots on the device (in and out)", 2 * 12 * pt, true, EnumSet.of(Phase.STEP)));
        }
        items.add(new Item("gradients (+ clipped copy)", 8 * pt, true, EnumSet.of(Phase.STEP)));
        if (!shape.config().frozenEmbedding()) {
            // StructuralGradients.gather: the embedding's gradient is a ScatterND (add) into zeros of its shape.
            items.add(new Item("zeros the embedding gradient is scattered into", 4 * shape.largestTrainableTensor(),
                    true, EnumSet.of(Phase.STEP)));
        }
        items.add(new Item("AdamW temporaries (" + ADAMW_TEMPORARIES + " x largest tensor)",
                ADAMW_TEMPORARIES * 4 * shape.largestTrainableTensor(), true, EnumSet.of(Phase.STEP)));
        long act = activations();
        items.add(new Item("activations of the step", act, true, EnumSet.of(Phase.STEP)));
        items.add(new Item("ONNX Runtime workspace", (long) (WORKSPACE_SHARE * act), true, EnumSet.of(Phase.STEP)));
        items.add(new Item("process (JVM, ONNX Runtime, tokenizer)", PROCESS_BYTES
                + TOKENIZER_BYTES_PER_ID * t.vocabSize(), false, all));
        items.add(new Item("train run: pairs, predictions, figures (heap)", TRAIN_RUN_BYTES, false, all));
        Set<Phase> evaluation = large ? EnumSet.of(Phase.EVAL) : EnumSet.of(Phase.STEP);
        items.add(new Item("trained parameters on the heap", 4 * pt, false, evaluation));
        items.add(new Item("train run: evaluation label logits", 2L * 4 * EVAL_BATCH * shape.labelTokens()
                * t.vocabSize(), true, evaluation));
        return items;
    }

    /**
     * Elements of the Linear weights whose transposes ONNX Runtime folds at session creation: every
     * block's matmuls, and an untied LM head (a tied one's transpose is kept, counted apart).
     */
    public long transposedLinearWeights() {
        LlamaConfig t = shape.target();
        return t.numHiddenLayers() * shape.blockMatmulWeights()
                + (t.tieWordEmbeddings() ? 0 : (long) t.vocabSize() * t.hiddenSize());
    }

    /** Bytes of the activations kept for the backward pass (float32). */
    public long activations() {
        StepShape s = shape;
        double h = s.target().hiddenSize();
        double qd = (double) s.target().numAttentionHeads() * s.target().headDim();
        double kvd = (double) s.target().numKeyValueHeads() * s.target().headDim();
        double inter = s.target().intermediateSize();
        double heads = s.target().numAttentionHeads();
        double m = s.memoryRows();
        double perExampleMemory = m / s.batch();
        double ti = (double) s.batch() * s.instructionSeq();
        double tb = (double) s.batch() * s.baseSeq();
        int after = s.target().numHiddenLayers() - s.config().layer();
        double memory = m * h;
        double hyperLayer = 2 * m * kvd + 2 * m * qd + 2 * heads * ti * perExampleMemory + ti * (12 * h + 4 * inter);
        double suffix = after * (tb * (6 * h + 2 * qd + 2 * kvd + 4 * inter) + 2 * heads * s.batch()
                * (double) s.baseSeq() * s.baseSeq());
        double logits = 3.0 * s.batch() * s.labelTokens() * s.target().vocabSize();
        return (long) (4 * (memory + s.config().hypernetLayers() * hyperLayer + suffix + logits));
    }

    /** Bytes alive in one phase: device items for cuda (host items when {@code host}), all for cpu. */
    public long phaseTotal(Phase phase, boolean host) {
        return items().stream().filter(i -> i.phases().contains(phase))
                .filter(i -> !cuda || i.device() != host).mapToLong(Item::bytes).sum();
    }

    /** The phase with the largest total (device memory for cuda). */
    public Phase peakPhase() {
        Phase best = Phase.STEP;
        for (Phase ph : Phase.values()) {
            if (phaseTotal(ph, false) > phaseTotal(best, false)) {
                best = ph;
            }
        }
        return best;
    }

    /** The peak that must fit in {@link #available()}: device memory for cuda, all memory for cpu. */
    public long total() {
        return phaseTotal(peakPhase(), false);
    }

    /** Host memory a cuda run needs besides (the peak over phases of the items that are not device memory). */
    public long hostTotal() {
        long max = 0;
        for (Phase ph : Phase.values()) {
            max = Math.max(max, phaseTotal(ph, true));
        }
        return max;
    }

    /** Java heap the run needs: the train run's heap and the trained parameters copied to it. */
    public long heapBytes() {
        return TRAIN_RUN_BYTES + 4 * shape.trainableParameters();
    }

    /** The launcher's -Xmx on a machine with {@code ram} bytes: min(RAM / 4, {@value #HEAP_CAP}). */
    public static long heapLimit(long ram) {
        return Math.min(ram / 4, HEAP_CAP);
    }

    /** Direct (off-heap) buffers the run needs: the TrainStep state sets (the launcher allows 3/4 of RAM). */
    public long directBytes() {
        return 12 * shape.trainableParameters() * (stateSets() + (stepsPerCall > 1 ? 2 : 0));
    }

    public boolean fits() {
        return total() <= available;
    }

    /** Bytes across PCIe per step: every slot (parameters, m, v) in and out, plus the batch. */
    public long pcieBytesPerStep() {
        return 2 * 12 * shape.trainableParameters() + batchBytes();
    }

    /** Bytes across PCIe per call of K steps, were the state kept on the device between the K steps. */
    public long pcieBytesPerCall(int k) {
        return 2 * 12 * shape.trainableParameters() + (long) k * batchBytes();
    }

    /** The int64 inputs of one batch. */
    public long batchBytes() {
        StepShape s = shape;
        return 8L * s.batch() * (3L * s.baseSeq() + 3L * s.sourceSeq() + 2L * s.instructionSeq() + 3L * s.labelTokens() + 1);
    }

    /** Human-readable size, GiB / MiB. */
    public static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
