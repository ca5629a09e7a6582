package org.hyperdas.trainer.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hyperdas.runtime.safetensors.DType;

/**
 * Predicted peak memory of a HyperDAS training run with today's runtime, item by item, and for a
 * GPU the bytes that cross PCIe per step.
 *
 * <p>The model (bytes; {@code Pt} trainable parameters, {@code P} target parameters, float32 compute):
 * <ul>
 *   <li>target weights: {@code 4 P} at the compute dtype, plus {@code P x stored size} while the
 *       stored copy (bf16, say) is read and Cast by ONNX Runtime (it folds the Cast once; both are
 *       alive at session creation, the peak);</li>
 *   <li>trainable parameters {@code 2 x 4 Pt} and AdamW m, v {@code 2 x 8 Pt}: TrainStep keeps two
 *       buffer sets of every slot, the step reads one and writes the other;</li>
 *   <li>the initial values on the Java heap {@code 4 Pt} (held for the run);</li>
 *   <li>gradients {@code 8 Pt}: the gradient and its clipped copy inside the step;</li>
 *   <li>activations kept for the backward pass: the hypernetwork's memory (the hidden states of all
 *       n+1 layers of base and source), its keys / values and attention maps over that memory per
 *       hypernetwork layer, the suffix's saved activations, the label logits (see {@link #activations});</li>
 *   <li>ONNX Runtime workspace: {@value #WORKSPACE_SHARE} of the activations (arena growth, the
 *       transient tensors of the forward runs);</li>
 *   <li>the process: JVM and ONNX Runtime ({@value #PROCESS_BYTES} bytes) and the tokenizer
 *       ({@value #TOKENIZER_BYTES_PER_ID} bytes per vocabulary id, Java maps and the native tokenizer);</li>
 *   <li>what a {@code train} run adds to the step: the RAVEL pairs, predictions and figures on the heap
 *       ({@value #TRAIN_RUN_BYTES} bytes), and the evaluation's label logits and log-probabilities
 *       (eval batch {@value #EVAL_BATCH} x label tokens x vocab, twice).</li>
 * </ul>
 * The constants were fitted to the peak RSS of {@code bench hyperdas-step} (training steps alone) on
 * the knowledge model and on a random Llama 3 shaped model of hidden 64 (vocab 128256), and of
 * {@code train} on the knowledge model.
 * On a GPU the weights, the step's slots (in and out), gradients, activations and workspace are
 * device memory; the TrainStep buffer sets and the heap copy stay in host memory.
 *
 * @param shape the step
 * @param stored the target's stored element type
 * @param cuda whether the step runs on a GPU
 * @param available the memory to fit in (device memory for cuda, RAM otherwise), bytes
 */
public record MemoryPlan(StepShape shape, DType stored, boolean cuda, long available) {
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

    /** One line of the breakdown. */
    public record Item(String name, long bytes, boolean device) {
    }

    public List<Item> items() {
        long pt = shape.trainableParameters();
        long p = shape.target().parameterCount();
        List<Item> items = new ArrayList<>();
        long weights = 4 * p + (stored == DType.F32 ? 0 : p * stored.byteSize());
        items.add(new Item("target weights (f32 compute" + (stored == DType.F32 ? ")" : " + stored " + stored + ")"),
                weights, true));
        items.add(new Item("trainable parameters (2 TrainStep sets)", 2 * 4 * pt, true));
        items.add(new Item("AdamW m, v (2 TrainStep sets)", 2 * 8 * pt, true));
        items.add(new Item("gradients (+ clipped copy)", 8 * pt, true));
        long act = activations();
        items.add(new Item("activations of the step", act, true));
        items.add(new Item("ONNX Runtime workspace", (long) (WORKSPACE_SHARE * act), true));
        items.add(new Item("initial values on the Java heap", 4 * pt, false));
        items.add(new Item("process (JVM, ONNX Runtime, tokenizer)", PROCESS_BYTES
                + TOKENIZER_BYTES_PER_ID * shape.target().vocabSize(), false));
        items.add(new Item("train run: pairs, predictions, figures (heap)", TRAIN_RUN_BYTES, false));
        items.add(new Item("train run: evaluation label logits", 2L * 4 * EVAL_BATCH * shape.labelTokens()
                * shape.target().vocabSize(), true));
        if (cuda) {
            // TrainStep's two host buffer sets, from which the slots are copied in and out each step.
            items.add(new Item("host: TrainStep buffer sets", 2 * 12 * pt, false));
        }
        return items;
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

    /** Everything that must fit in {@link #available()}: device items for cuda, all for cpu. */
    public long total() {
        return items().stream().filter(i -> !cuda || i.device()).mapToLong(Item::bytes).sum();
    }

    /** Host memory a cuda run needs besides (the items that are not device memory). */
    public long hostTotal() {
        return items().stream().filter(i -> !i.device()).mapToLong(Item::bytes).sum();
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
