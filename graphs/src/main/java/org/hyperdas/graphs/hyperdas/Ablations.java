package org.hyperdas.graphs.hyperdas;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hyperdas.runtime.BadInputException;

/**
 * The paper's ablations of HyperDAS (HYPERDAS.md), each removing exactly what it names; {@link #NONE}
 * is the full model.
 *
 * @param noSourceCross the hypernetwork layers have no cross-attention to the source states (its
 *     weights do not exist)
 * @param noBaseCross the hypernetwork layers have no cross-attention to the base states
 * @param scratchInit the hypernetwork's decoder layers (self-attention, both cross-attentions,
 *     MLP) start from N(0, initStd) matrices, zero biases and unit norms instead of copies of the
 *     target's layers; the embeddings and the final norm are still the target's, as in the
 *     reference's initialize_from_scratch
 * @param randomOrder the selection head's pair feature is {@code W_c [b_j ; s_i]} or
 *     {@code W_c [s_i ; b_j]} by a fair coin per training step (the reference's break_asymmetric,
 *     one coin per forward pass for the whole batch); evaluation uses the base-first order
 * @param subspace how the intervention's subspace is built
 */
public record Ablations(boolean noSourceCross, boolean noBaseCross, boolean scratchInit, boolean randomOrder,
        Subspace subspace) {

    /** The subspace variants. */
    public enum Subspace {
        /** R' = H R with the per-example Householder reflection H (the full model). */
        HOUSEHOLDER,
        /** The shared R for every example, no per-example step: a DAS subspace. */
        PLAIN,
        /**
         * The shared R with a per-example soft mask over its k columns,
         * {@code m = sigmoid(SwiGLU(RMSNorm(z)) / T)}: {@code h' = h + ((s~ - h) R * m) R^T}, T
         * annealed linearly from {@value Ablations#TEMPERATURE_START} to
         * {@value Ablations#TEMPERATURE_END} over training (the reference's MaskSelect).
         */
        MASK;

        /** The option value, e.g. {@code householder}. */
        public String optionName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The full model. */
    public static final Ablations NONE = new Ablations(false, false, false, false, Subspace.HOUSEHOLDER);

    /** The mask temperature at the first and after the last training step (the reference's 50 -> 0.1). */
    public static final double TEMPERATURE_START = 50.0;
    public static final double TEMPERATURE_END = 0.1;

    /** The switch names of {@link #parse}, in the order of the record's fields. */
    public static final List<String> SWITCHES = List.of("no-source-cross", "no-base-cross", "scratch-init",
            "random-order");

    public Ablations {
        if (subspace == null) {
            throw new BadInputException("ablations: the subspace variant must be set");
        }
    }

    /**
     * From option values: {@code switches} a list of {@link #SWITCHES} (null or empty for none),
     * {@code subspace} one of householder, plain, mask (null for householder).
     */
    public static Ablations parse(List<String> switches, String subspace) {
        boolean[] on = new boolean[SWITCHES.size()];
        for (String s : switches == null ? List.<String>of() : switches) {
            int i = SWITCHES.indexOf(s.trim());
            if (i < 0) {
                throw new BadInputException("--ablate: '" + s + "': expected some of " + String.join(", ", SWITCHES));
            }
            on[i] = true;
        }
        Subspace sub = Subspace.HOUSEHOLDER;
        if (subspace != null) {
            sub = null;
            for (Subspace v : Subspace.values()) {
                if (v.optionName().equals(subspace.trim())) {
                    sub = v;
                }
            }
            if (sub == null) {
                throw new BadInputException("--subspace: '" + subspace + "': expected householder, plain or mask");
            }
        }
        return new Ablations(on[0], on[1], on[2], on[3], sub);
    }

    /** Whether this is the full model. */
    public boolean isNone() {
        return equals(NONE);
    }

    /** The switches that are on and a non-default subspace as {@code subspace-NAME}, e.g. [no-base-cross]. */
    public List<String> names() {
        boolean[] on = {noSourceCross, noBaseCross, scratchInit, randomOrder};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < on.length; i++) {
            if (on[i]) {
                out.add(SWITCHES.get(i));
            }
        }
        if (subspace != Subspace.HOUSEHOLDER) {
            out.add("subspace-" + subspace.optionName());
        }
        return out;
    }

    /**
     * The mask temperature fed at training step {@code step} of {@code total}: entry {@code step}
     * of {@code linspace(start, end, total + 1)}, as the reference's schedule.
     */
    public static double temperature(long step, long total) {
        if (total <= 0) {
            return TEMPERATURE_END;
        }
        return TEMPERATURE_START + (TEMPERATURE_END - TEMPERATURE_START) * Math.min(step, total) / total;
    }
}
