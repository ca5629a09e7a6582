package org.hyperdas.trainer.plan;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.trainer.TargetDefaults;

/**
 * The memory plan of a HyperDAS run as text: the breakdown, the total against the memory given,
 * whether it fits, the deepest hypernetwork that fits, and for cuda the PCIe traffic per step.
 */
public final class PlanReport {
    /** Label tokens per pair assumed by plans (RAVEL values, first tokens). */
    public static final int LABEL_TOKENS = 4;
    /** Instruction tokens per pair assumed by plans, at most the prompt length. */
    public static final int INSTRUCTION_TOKENS = 16;
    /** Prompt tokens {@link #summary} assumes. */
    public static final int SUMMARY_SEQ = 32;

    private PlanReport() {
    }

    /**
     * The plan of one run.
     *
     * @param hypernetLayers null: train's default for the target
     * @param batch null: train's default
     * @param seq padded prompt length of base and source
     */
    public static MemoryPlan plan(LlamaConfig target, DType stored, Integer hypernetLayers, Integer batch, int seq,
            boolean cuda, long available) {
        return plan(target, stored, hypernetLayers, batch, seq, cuda, available, 1);
    }

    /** {@link #plan} of a run with train's {@code --steps-per-call stepsPerCall}. */
    public static MemoryPlan plan(LlamaConfig target, DType stored, Integer hypernetLayers, Integer batch, int seq,
            boolean cuda, long available, int stepsPerCall) {
        return plan(target, stored, hypernetLayers, batch, seq, cuda, available, stepsPerCall,
                HypernetEmbedding.TRAINABLE);
    }

    /** {@link #plan} of a run with train's {@code --hypernet-embedding embedding}. */
    public static MemoryPlan plan(LlamaConfig target, DType stored, Integer hypernetLayers, Integer batch, int seq,
            boolean cuda, long available, int stepsPerCall, HypernetEmbedding embedding) {
        if (seq < 1 || (batch != null && batch < 1)) {
            throw new BadInputException("plan: expected --seq >= 1 and --batch-size >= 1, found " + seq + ", " + batch);
        }
        if (stepsPerCall < 1) {
            throw new BadInputException("--steps-per-call " + stepsPerCall + ": expected 1 or more steps");
        }
        // train's layer: the baselines' default, which HyperDAS shares
        HyperDasConfig c = TargetDefaults.hyperdas(target).withLayer(TargetDefaults.baseline(target, 0).layer())
                .withHypernetEmbedding(embedding);
        if (hypernetLayers != null) {
            if (hypernetLayers < 1 || hypernetLayers > target.numHiddenLayers()) {
                throw new BadInputException("--hypernet-layers " + hypernetLayers + ": expected 1.."
                        + target.numHiddenLayers() + " (the hypernetwork starts from the target's first layers)");
            }
            c = c.withHypernetLayers(hypernetLayers);
        }
        int b = batch != null ? batch : TargetDefaults.hyperdasTraining(target).batchSize();
        StepShape shape = new StepShape(target, c, b, seq, seq, Math.min(seq, INSTRUCTION_TOKENS), LABEL_TOKENS);
        return new MemoryPlan(shape, stored, cuda, available, stepsPerCall);
    }

    /** The deepest hypernetwork (1..target layers) whose plan fits, or 0 when none does. */
    public static int deepestFitting(MemoryPlan p) {
        return deepestFitting(p, p.shape().config().hypernetEmbedding());
    }

    /** {@link #deepestFitting(MemoryPlan)} of {@code p} with the hypernetwork's embedding {@code embedding}. */
    public static int deepestFitting(MemoryPlan p, HypernetEmbedding embedding) {
        int best = 0;
        LlamaConfig t = p.shape().target();
        for (int n = 1; n <= t.numHiddenLayers(); n++) {
            StepShape s = p.shape();
            HyperDasConfig c = s.config().withHypernetLayers(n).withHypernetEmbedding(embedding);
            MemoryPlan q = new MemoryPlan(new StepShape(t, c, s.batch(), s.baseSeq(),
                    s.sourceSeq(), s.instructionSeq(), s.labelTokens()), p.stored(), p.cuda(), p.available(),
                    p.stepsPerCall());
            if (q.fits()) {
                best = n;
            }
        }
        return best;
    }

    /** This machine's physical memory in bytes. */
    public static long machineMemory() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static String phases(MemoryPlan.Item i) {
        StringBuilder b = new StringBuilder();
        for (MemoryPlan.Phase ph : MemoryPlan.Phase.values()) {
            b.append(i.phases().contains(ph) ? ph.name().toLowerCase(Locale.ROOT).charAt(0) : '-');
        }
        return b.toString();
    }

    public static String text(MemoryPlan p) {
        StringBuilder b = new StringBuilder();
        StepShape s = p.shape();
        LlamaConfig t = s.target();
        b.append(String.format(Locale.ROOT, "target: %d layers, hidden %d, %,d parameters (%s stored); HyperDAS layer %d,"
                + " k %d, hypernetwork %d layers%s = %,d trainable parameters%n", t.numHiddenLayers(), t.hiddenSize(),
                t.parameterCount(), p.stored(), s.config().layer(), s.config().subspaceDim(), s.config().hypernetLayers(),
                s.config().frozenEmbedding() ? " (embedding frozen)" : "", s.trainableParameters()));
        b.append(String.format(Locale.ROOT, "step: batch %d, base %d, source %d, instruction %d, label %d tokens; %.1f"
                + " GFLOP%n", s.batch(), s.baseSeq(), s.sourceSeq(), s.instructionSeq(), s.labelTokens(),
                s.flopsPerStep() / 1e9));
        b.append(String.format(Locale.ROOT, "state: %d TrainStep set%s%s; %d session%s open during training%s%n",
                p.stateSets(), p.stateSets() == 1 ? " updated in place (large target, clipping)" : "s (A/B)",
                p.stepsPerCall() > 1 ? " + the K=" + p.stepsPerCall() + " step model's 2 sets" : "",
                p.trainingSessions(), p.trainingSessions() == 1 ? "" : "s",
                p.large() ? "; the monitor's evaluation session after it closes" : ""));
        b.append(String.format(Locale.ROOT, "  %-48s %12s  %s%n", "item", "bytes", "alive in (c: session creation,"
                + " s: training step, e: evaluation after training)"));
        for (MemoryPlan.Item i : p.items()) {
            b.append(String.format(Locale.ROOT, "  %-48s %12s  %-5s%s%n", i.name(), MemoryPlan.size(i.bytes()),
                    phases(i), p.cuda() ? (i.device() ? "  (device)" : "  (host)") : ""));
        }
        for (MemoryPlan.Phase ph : MemoryPlan.Phase.values()) {
            if (ph != MemoryPlan.Phase.EVAL || p.large()) {
                b.append(String.format(Locale.ROOT, "  %-48s %12s%s%n", "peak of " + ph.label(),
                        MemoryPlan.size(p.phaseTotal(ph, false)), p.cuda() ? "  (device)" : ""));
            }
        }
        b.append(String.format(Locale.ROOT, "total %s (%s)%s vs %s %s: %s%n", MemoryPlan.size(p.total()),
                p.peakPhase().label(),
                p.cuda() ? " on the device (+ " + MemoryPlan.size(p.hostTotal()) + " host)" : "",
                MemoryPlan.size(p.available()), p.cuda() ? "device memory" : "memory",
                p.fits() ? "fits" : "does NOT fit"));
        long ram = p.cuda() ? machineMemory() : p.available();
        long heapLimit = MemoryPlan.heapLimit(ram);
        b.append(String.format(Locale.ROOT, "launcher limits on %s %s RAM: Java heap %s of -Xmx %s (min(RAM/4, 8 GiB)),"
                + " %s; direct buffers %s of %s (3/4 RAM), %s%n", p.cuda() ? "this machine's" : "the",
                MemoryPlan.size(ram), MemoryPlan.size(p.heapBytes()), MemoryPlan.size(heapLimit),
                p.heapBytes() <= heapLimit ? "fits" : "does NOT fit", MemoryPlan.size(p.directBytes()),
                MemoryPlan.size(ram / 4 * 3), p.directBytes() <= ram / 4 * 3 ? "fits" : "does NOT fit"));
        b.append(deepest(p));
        if (p.cuda()) {
            b.append(String.format(Locale.ROOT, "PCIe per step (parameters, m, v in and out, and the batch): %s;"
                    + " per call of K steps with the state kept on the device: %s (K=1), %s (K=8), %s (K=32), i.e."
                    + " %s / %s / %s per step%n", MemoryPlan.size(p.pcieBytesPerStep()),
                    MemoryPlan.size(p.pcieBytesPerCall(1)), MemoryPlan.size(p.pcieBytesPerCall(8)),
                    MemoryPlan.size(p.pcieBytesPerCall(32)), MemoryPlan.size(p.pcieBytesPerCall(1)),
                    MemoryPlan.size(p.pcieBytesPerCall(8) / 8), MemoryPlan.size(p.pcieBytesPerCall(32) / 32)));
        }
        return b.toString();
    }

    /**
     * The deepest hypernetwork that fits; for the trainable embedding, when fewer than 2 layers or
     * not the planned depth fit, also how deep one with a frozen embedding fits.
     */
    private static String deepest(MemoryPlan p) {
        int deepest = deepestFitting(p);
        String line = deepest == 0 ? "no hypernetwork depth fits"
                : String.format(Locale.ROOT, "deepest hypernetwork that fits: %d layers", deepest);
        if (!p.shape().config().frozenEmbedding() && (deepest < 2 || !p.fits())) {
            int frozen = deepestFitting(p, HypernetEmbedding.FROZEN);
            line += frozen == 0 ? "; with " + HypernetEmbedding.OPTION + " frozen none fits either"
                    : String.format(Locale.ROOT, "; with %s frozen (the target's embedding, not trained): %d layers",
                            HypernetEmbedding.OPTION, frozen);
        }
        return line + "\n";
    }

    /**
     * One line for {@code train}'s log: the predicted peak of this run on this machine's RAM
     * (prompts assumed {@value #SUMMARY_SEQ} tokens).
     */
    public static String summary(LlamaConfig target, HyperDasConfig config, int batch) {
        StepShape shape = new StepShape(target, config, batch, SUMMARY_SEQ, SUMMARY_SEQ,
                Math.min(SUMMARY_SEQ, INSTRUCTION_TOKENS), LABEL_TOKENS);
        DType stored = org.hyperdas.runtime.hf.HfModel.torchDtypeAsDType(target.torchDtype());
        MemoryPlan p = new MemoryPlan(shape, stored, false, machineMemory());
        return String.format(Locale.ROOT, "predicted peak memory %s of %s RAM (%s; hyperdas-run plan for the breakdown)",
                MemoryPlan.size(p.total()), MemoryPlan.size(p.available()), p.fits() ? "fits" : "does NOT fit");
    }
}
