package org.hyperdas.explorer;

import java.util.ArrayList;
import java.util.List;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.export.ExportManifest;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.export.InferenceInputs;
import org.hyperdas.export.PortableInference;

/**
 * Answers Try requests on one opened export. The answers come from {@link PortableInference#run},
 * so the page shows exactly what {@code infer} prints; the next-token probabilities and the whole
 * selection matrix come from the first step of that same run ({@link PortableInference.FirstStep}).
 *
 * <p>Thread-safe without locks: the model opens its sessions under its own lock, and
 * ONNX Runtime's {@code OrtSession.run} may be called from many threads at once.
 */
public final class TryService {
    /** How many next tokens each answer lists. */
    public static final int TOP_TOKENS = 5;
    static final String SELF = "SELF";

    private final ExportedModel model;

    public TryService(ExportedModel model) {
        this.model = model;
    }

    public ExportManifest manifest() {
        return model.manifest();
    }

    /**
     * Runs one request.
     *
     * @throws BadInputException on an unknown mode or attribute, or entities missing from the texts
     */
    public TryResult run(TryRequest r) throws Exception {
        long start = System.nanoTime();
        ExportManifest m = model.manifest();
        // An export with selection modes shows a heatmap; one exported once shows its fixed site.
        boolean selects = !m.modes().isEmpty();
        String mode = checkedMode(m, r.mode(), selects);
        checkedAttribute(m, r, mode);
        PortableInference.Answer answer = PortableInference.run(model, new PortableInference.Request(r.base(),
                r.source(), r.instruction(), mode, r.attribute(), r.maxNewTokens()));

        HfTokenizer tok = model.tokenizer();
        PortableInference.FirstStep first = answer.first();
        // The first step's logits are those at the prompt's last token alone: [1, 1, vocab].
        List<TryResult.TokenProbability> baseTop = top(first.baseLogits(), 0, tok);
        List<TryResult.TokenProbability> intervenedTop = top(first.intervenedLogits(), 0, tok);
        TryResult.Heatmap heatmap = null;
        PortableInference.Selected site = null;
        if (first.selection() != null) {
            heatmap = heatmap(first.selection(), first.inputs(), tok, !mode.equals("soft"));
        } else {
            site = answer.selected().get(0);
        }
        return new TryResult(m.method(), answer.variant(), m.layer(), answer.baseAnswer(), answer.intervenedAnswer(),
                baseTop, intervenedTop, heatmap, site, answer.selected(), (System.nanoTime() - start) / 1_000_000);
    }

    private static String checkedMode(ExportManifest m, String mode, boolean selects) {
        if (selects) {
            String chosen = mode == null ? m.modes().get(0) : mode;
            if (!m.modes().contains(chosen)) {
                throw new BadInputException("field 'mode': \"" + chosen + "\" is not a mode of this export; expected"
                        + " one of " + m.modes());
            }
            return chosen;
        }
        if (mode != null && !mode.equals(m.method())) {
            throw new BadInputException("field 'mode': \"" + mode + "\"; a " + m.method()
                    + " export has no selection modes (expected no mode, or \"" + m.method() + "\")");
        }
        return null;
    }

    /**
     * Checks the request's attribute (given, else the instruction's) against the manifest, unless
     * the intervened graph takes none and the manifest lists none (patching).
     */
    private void checkedAttribute(ExportManifest m, TryRequest r, String mode) {
        String name = r.attribute() != null ? r.attribute()
                : InferenceInputs.Instruction.parse(r.instruction()).attribute();
        boolean takesAttribute = model.spec(model.intervenedFile(mode)).hasInput(ExportedModel.ATTRIBUTE);
        if (!takesAttribute && m.attributes().isEmpty()) {
            return;
        }
        try {
            PortableInference.attributeIndex(m, name);
        } catch (BadInputException e) {
            throw new BadInputException("field 'attribute': \"" + name + "\" is not an attribute of this export;"
                    + " expected one of " + m.attributes());
        }
    }

    /**
     * The {@link #TOP_TOKENS} likeliest tokens at logit position {@code position} (an index into
     * the logits' second axis) of batch row 0, by softmax.
     */
    static List<TryResult.TokenProbability> top(ExportedModel.FloatTensor logits, int position, HfTokenizer tok) {
        int vocab = (int) logits.shape()[2];
        int offset = position * vocab;
        float[] v = logits.values();
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, v[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(v[offset + i] - max);
        }
        // One pass keeping the best few (a sort of a 128k vocabulary per request would cost more);
        // on ties the lower id stays ahead, as in the argmax.
        int n = Math.min(TOP_TOKENS, vocab);
        int[] order = new int[n];
        int filled = 0;
        for (int i = 0; i < vocab; i++) {
            int at = filled;
            while (at > 0 && v[offset + i] > v[offset + order[at - 1]]) {
                at--;
            }
            if (at < n) {
                System.arraycopy(order, at, order, at + 1, Math.min(filled, n - 1) - at);
                order[at] = i;
                filled = Math.min(filled + 1, n);
            }
        }
        List<TryResult.TokenProbability> out = new ArrayList<>();
        for (int id : order) {
            out.add(new TryResult.TokenProbability(id, tok.decode(new long[] {id}), Math.exp(v[offset + id] - max) / sum));
        }
        return out;
    }

    private static TryResult.Heatmap heatmap(ExportedModel.FloatTensor selection, InferenceInputs x, HfTokenizer tok,
            boolean discrete) {
        int rows = (int) selection.shape()[1];
        int cols = (int) selection.shape()[2];
        float[][] w = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                w[i][j] = selection.get(0, i, j);
            }
        }
        List<String> rowNames = new ArrayList<>(tok.pieces(x.sourceIds()[0]));
        rowNames.add(SELF);
        boolean[] writable = new boolean[cols];
        for (int j = 0; j < cols; j++) {
            writable[j] = x.baseInterventionMask()[0][j] != 0;
        }
        boolean[] readable = new boolean[rows];
        for (int i = 0; i < rows - 1; i++) {
            readable[i] = x.sourceInterventionMask()[0][i] != 0;
        }
        readable[rows - 1] = true;
        return new TryResult.Heatmap(rowNames, tok.pieces(x.baseIds()[0]), discrete, writable, readable, w);
    }
}
