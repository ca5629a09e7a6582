package org.hyperdas.export;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfTokenizer;

/**
 * {@code hyperdas-run infer}: greedy answers of an exported model to one base prompt, without and
 * with the intervention, and what the intervention selected. Each new token re-runs the
 * full-sequence graph on the prompt plus the tokens so far, asking for the logits at the last
 * token alone; the new tokens are outside the intervention mask, so only the prompt's positions
 * are ever written.
 */
public final class PortableInference {
    private PortableInference() {
    }

    /**
     * What to ask.
     *
     * @param mode hyperdas selection mode (soft, one-to-many, one-to-one); ignored otherwise
     * @param attribute das/mdas: the manifest attribute ("city.Country" or "Country"), or null for
     *     the instruction's
     */
    public record Request(String base, String source, String instruction, String mode, String attribute,
            int maxNewTokens) {
        public Request {
            if (maxNewTokens < 1) {
                throw new BadInputException("--max-new-tokens: expected at least 1, found " + maxNewTokens);
            }
        }
    }

    /** A selected (base position <- source position) pair and its weight. */
    public record Selected(int basePosition, String baseToken, int sourcePosition, String sourceToken, double weight) {
    }

    /**
     * The answers.
     *
     * @param variant the mode (hyperdas) or the attribute (das/mdas) that was used
     * @param baseAnswer the target's own continuation
     * @param intervenedAnswer the continuation with the intervention
     * @param selected hyperdas: the heaviest selected pairs of the first step; das: the fixed site
     * @param first the first step's inputs and outputs, for callers that show more than the answers
     */
    public record Answer(String variant, String baseAnswer, String intervenedAnswer, List<Selected> selected,
            FirstStep first) {
    }

    /**
     * The first generation step as it ran: the prompt's inputs, the target's logits at the
     * prompt's last token [1, 1, vocab], the intervened logits there [1, 1, vocab] and, for a graph
     * that selects, its selection [1, source_rows, prompt] (else null).
     */
    public record FirstStep(InferenceInputs inputs, ExportedModel.FloatTensor baseLogits,
            ExportedModel.FloatTensor intervenedLogits, ExportedModel.FloatTensor selection) {
    }

    /** How many selected pairs an answer lists at most. */
    public static final int TOP_PAIRS = 5;

    /** The selection mode when a request names none. */
    public static final String DEFAULT_MODE = "soft";
    /** The output of an intervened graph holding its selection [batch, source_rows, base_seq]. */
    private static final String SELECTION = "selection";

    public static Answer run(ExportedModel model, Request r) throws Exception {
        HfTokenizer tok = model.tokenizer();
        InferenceInputs x = InferenceInputs.of(tok, r.base(), r.source(), r.instruction());
        long eos = tok.eosId().orElse(-1);
        long[] prompt = x.baseIds()[0];

        List<Long> plain = new ArrayList<>();
        long[] ids = prompt;
        ExportedModel.FloatTensor firstBase = null;
        for (int i = 0; i < r.maxNewTokens(); i++) {
            long[][] mask = {ones(ids.length)};
            long[][] last = {{ids.length - 1}};
            ExportedModel.FloatTensor logits = model.targetLogits(new long[][] {ids}, mask, last);
            if (i == 0) {
                firstBase = logits;
            }
            long next = logits.argmax(0, 0);
            plain.add(next);
            if (next == eos) {
                break;
            }
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = next;
        }

        ExportManifest manifest = model.manifest();
        String mode = mode(manifest, r);
        GraphSpec spec = model.spec(model.intervenedFile(mode));
        int attribute = -1;
        String variant = mode != null ? mode : manifest.method();
        if (spec.hasInput(ExportedModel.ATTRIBUTE)) {
            attribute = attributeIndex(manifest, r.attribute() != null ? r.attribute()
                    : InferenceInputs.Instruction.parse(r.instruction()).attribute());
            variant = manifest.attributes().get(attribute);
        }
        // A graph with a selection output says which pairs it chose; a fixed-site graph writes the
        // last base-entity token from the last source-entity token.
        boolean selects = spec.hasOutput(SELECTION);
        List<Selected> selected = selects ? List.of() : fixedSite(x, tok);
        List<Long> intervened = new ArrayList<>();
        FirstStep first = null;
        for (int i = 0; i < r.maxNewTokens(); i++) {
            Map<String, ExportedModel.FloatTensor> out = model.intervene(mode, attribute, x,
                    x.lastRealBasePositions());
            long next = out.get(ExportedModel.LOGITS).argmax(0, 0);
            if (i == 0) {
                first = new FirstStep(x, firstBase, out.get(ExportedModel.LOGITS), selects ? out.get(SELECTION) : null);
                if (selects) {
                    selected = topPairs(out.get(SELECTION), x, tok);
                }
            }
            intervened.add(next);
            if (next == eos) {
                break;
            }
            x = x.appendBaseTokens(new long[] {next});
        }
        return new Answer(variant, continuation(tok, prompt, plain), continuation(tok, prompt, intervened), selected,
                first);
    }

    /** The requested mode of an export with modes (checked), else null. */
    private static String mode(ExportManifest manifest, Request r) {
        if (manifest.modes().isEmpty()) {
            return null;
        }
        String mode = r.mode() == null ? DEFAULT_MODE : r.mode();
        if (!manifest.modes().contains(mode)) {
            throw new BadInputException("--mode " + mode + ": the export has the modes " + manifest.modes());
        }
        return mode;
    }

    /** The one site of a fixed-site graph: the last base-entity token from the last source-entity token. */
    private static List<Selected> fixedSite(InferenceInputs x, HfTokenizer tok) {
        int b = (int) x.baseEntityLast()[0];
        int s = (int) x.sourceEntityLast()[0];
        return List.of(new Selected(b, tok.decode(new long[] {x.baseIds()[0][b]}), s,
                tok.decode(new long[] {x.sourceIds()[0][s]}), 1.0));
    }

    /**
     * The manifest index of an attribute given as "type.Attribute" or as "Attribute" (when only
     * one entity type has it).
     */
    public static int attributeIndex(ExportManifest manifest, String name) {
        List<String> all = manifest.attributes();
        int exact = all.indexOf(name);
        if (exact >= 0) {
            return exact;
        }
        List<Integer> matches = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).endsWith("." + name)) {
                matches.add(i);
            }
        }
        if (matches.size() != 1) {
            throw new BadInputException("--attribute " + name + ": expected one of the exported attributes " + all
                    + (matches.isEmpty() ? "" : " (ambiguous: name the entity type too)"));
        }
        return matches.get(0);
    }

    /** The heaviest source-row (not SELF) weights over the visible base and source positions. */
    static List<Selected> topPairs(ExportedModel.FloatTensor selection, InferenceInputs x, HfTokenizer tok) {
        int rows = (int) selection.shape()[1];
        int cols = (int) selection.shape()[2];
        List<Selected> all = new ArrayList<>();
        for (int i = 0; i < rows - 1; i++) {
            if (x.sourceInterventionMask()[0][i] == 0) {
                continue;
            }
            for (int j = 0; j < cols; j++) {
                float w = selection.get(0, i, j);
                if (x.baseInterventionMask()[0][j] != 0 && w > 0) {
                    all.add(new Selected(j, tok.decode(new long[] {x.baseIds()[0][j]}), i,
                            tok.decode(new long[] {x.sourceIds()[0][i]}), w));
                }
            }
        }
        all.sort(Comparator.comparingDouble(Selected::weight).reversed());
        return List.copyOf(all.subList(0, Math.min(TOP_PAIRS, all.size())));
    }

    /** The decoded new tokens as they read after the prompt (leading space kept). */
    static String continuation(HfTokenizer tok, long[] prompt, List<Long> generated) {
        long[] all = Arrays.copyOf(prompt, prompt.length + generated.size());
        for (int i = 0; i < generated.size(); i++) {
            all[prompt.length + i] = generated.get(i);
        }
        String promptText = tok.decode(prompt, true);
        String text = tok.decode(all, true);
        return text.startsWith(promptText) ? text.substring(promptText.length())
                : tok.decode(generated.stream().mapToLong(Long::longValue).toArray(), true);
    }

    private static long[] ones(int n) {
        long[] a = new long[n];
        Arrays.fill(a, 1);
        return a;
    }
}
