package org.hyperdas.export;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.batch.MaskVisibility;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.LabelTokens;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.evaluation.scoring.RunProtocol;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scorer;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfTokenizer;

/**
 * Recomputes a run's predictions from its export alone and compares them with what the in-process
 * evaluation wrote: for each exported run (a HyperDAS mode, or the das / mdas / patching run),
 * every row of its predictions.arrow is rebuilt into its pair, the pairs are batched as the
 * in-process evaluation batched them (per split, das / mdas per attribute; sorted by teacher-forced
 * text length then source prompt length; cut into config.json's eval_batch_size; the batcher's
 * padding), the exported graph gives the teacher-forced logits at the label positions alone (its
 * logit_positions are the batch's label positions), and their argmax gives the predicted text
 * and the correctness (the label tokens config.json's label_tokens names, {@link RunProtocol}; the
 * first 3 for runs that predate it). Predictions, correctness flags and the Cause / Isolate /
 * Disentangle of each split (scores.json) are compared exactly.
 */
public final class ExportVerifier {
    /** How many mismatching rows a report keeps as examples. */
    public static final int EXAMPLES = 5;

    private ExportVerifier() {
    }

    /**
     * One split of one exported run.
     *
     * @param run the run's label: hyperdas-soft, hyperdas-one-to-many, hyperdas-one-to-one, das, mdas, patching
     * @param identicalPredictions rows whose exported predicted text equals predictions.arrow's
     * @param identicalCorrectness rows whose exported correctness equals predictions.arrow's
     * @param correctInProcess rows predictions.arrow marks correct
     * @param correctExported rows the export answers correctly
     * @param inProcess the split's overall scores in scores.json (NaN where absent)
     * @param exported the split's overall scores recomputed from the export
     * @param identicalScores the split's whole entry (entity types, attributes, counts) is the same
     */
    public record SplitCheck(String run, String split, int pairs, int identicalPredictions, int identicalCorrectness,
            int correctInProcess, int correctExported, Scores.Cid inProcess, Scores.Cid exported,
            boolean identicalScores) {
        public boolean identical() {
            return identicalPredictions == pairs && identicalCorrectness == pairs && identicalScores;
        }
    }

    /** A row of predictions.arrow (0-based) that the export answers differently. */
    public record Mismatch(String run, int row, Pair pair, String inProcess, boolean inProcessCorrect,
            String exported, boolean exportedCorrect) {
    }

    /** Every split of every exported run, and the first {@link #EXAMPLES} mismatching rows. */
    public record Report(List<SplitCheck> splits, List<Mismatch> examples) {
        public Report {
            splits = List.copyOf(splits);
            examples = List.copyOf(examples);
        }

        public boolean identical() {
            return splits.stream().allMatch(SplitCheck::identical);
        }

        public int pairs() {
            return splits.stream().mapToInt(SplitCheck::pairs).sum();
        }

        public int identicalPredictions() {
            return splits.stream().mapToInt(SplitCheck::identicalPredictions).sum();
        }

        public int identicalCorrectness() {
            return splits.stream().mapToInt(SplitCheck::identicalCorrectness).sum();
        }
    }

    /**
     * Verifies the export against the run folder(s) it was exported from.
     *
     * @param run what was passed to export: a hyperdas run folder holding the hyperdas-MODE folders, one
     *     hyperdas-MODE folder, or a das, mdas or patching run folder
     * @param progress a line per run and split
     * @throws BadInputException when the run folder does not hold the export's runs (method, mode, layer,
     *     k) or lacks a file, or a predictions.arrow row names an attribute the export has no subspace for
     */
    public static Report verify(ExportedModel export, Path run, PrintStream progress) throws OrtException {
        List<SplitCheck> checks = new ArrayList<>();
        List<Mismatch> examples = new ArrayList<>();
        for (Map.Entry<String, Path> e : runFolders(export.manifest(), export.folder(), run).entrySet()) {
            checks.addAll(verifyRun(export, e.getKey(), e.getValue(), examples, progress));
        }
        return new Report(checks, examples);
    }

    /**
     * The label of the run an export holds in {@code mode}: METHOD-MODE, as {@code train} names the
     * folder of each mode.
     */
    static String label(ExportManifest m, String mode) {
        return m.method() + "-" + mode;
    }

    /** The labels of the exported runs and their folders under {@code run}. */
    static Map<String, Path> runFolders(ExportManifest m, Path exportFolder, Path run) {
        List<String> labels = m.modes().isEmpty() ? List.of(m.method())
                : m.modes().stream().map(mode -> label(m, mode)).toList();
        Path manifestFile = exportFolder.resolve(ExportManifest.FILE);
        Map<String, Path> out = new LinkedHashMap<>();
        if (Files.isRegularFile(run.resolve(RunFolder.CONFIG))) {
            if (labels.size() != 1) {
                throw BadInputException.file(run, "a single run folder, but " + manifestFile + " holds the runs "
                        + labels + ": expected the hyperdas run folder holding " + String.join("/, ", labels) + "/");
            }
            out.put(labels.get(0), run);
            return out;
        }
        if (!Files.isDirectory(run)) {
            throw BadInputException.file(run, "no such run folder (expected the run folder the export "
                    + exportFolder + " was made from)");
        }
        for (String label : labels) {
            Path folder = run.resolve(label);
            if (!Files.isDirectory(folder)) {
                throw BadInputException.file(folder, "missing: " + manifestFile + " holds the run " + label
                        + " (expected the run folder the export was made from"
                        + (labels.size() > 1 ? ", holding " + String.join("/, ", labels) + "/)" : ")"));
            }
            out.put(label, folder);
        }
        return out;
    }

    private static List<SplitCheck> verifyRun(ExportedModel export, String label, Path folder,
            List<Mismatch> examples, PrintStream progress) throws OrtException {
        ExportManifest m = export.manifest();
        RunFolder.Run r = RunFolder.read(folder);
        Path configFile = folder.resolve(RunFolder.CONFIG);
        if (!r.method().equals(label)) {
            throw BadInputException.field(folder.resolve(RunFolder.SCORES), "method", label + " (the run "
                    + export.folder().resolve(ExportManifest.FILE) + " holds)", r.method());
        }
        checkInt(r.config(), "layer", m.layer(), configFile, export);
        if (m.k() != null) {
            checkInt(r.config(), "k", m.k(), configFile, export);
        }
        JsonNode bs = r.config().get("eval_batch_size");
        if (bs == null || !bs.canConvertToInt() || bs.intValue() < 1) {
            throw BadInputException.field(configFile, "eval_batch_size", "a positive integer (the batch size of the"
                    + " in-process evaluation)", bs == null ? "nothing" : bs.toString());
        }
        int batchSize = bs.intValue();
        Path predictions = folder.resolve(RunFolder.PREDICTIONS);
        List<Outcome> rows = PredictionFile.read(predictions);
        if (rows.isEmpty()) {
            throw BadInputException.file(predictions, "no rows: nothing to verify (expected one row per pair the"
                    + " run scored)");
        }

        Map<String, List<Integer>> bySplit = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            bySplit.computeIfAbsent(rows.get(i).pair().split(), s -> new ArrayList<>()).add(i);
        }
        Outcome[] recomputed = new Outcome[rows.size()];
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (Map.Entry<String, List<Integer>> split : bySplit.entrySet()) {
            List<Integer> idx = split.getValue();
            progress.printf(Locale.ROOT, "verify %s %s: %d pairs in batches of %d%n", label, split.getKey(),
                    idx.size(), batchSize);
            List<Pair> pairs = idx.stream().map(i -> rows.get(i).pair()).toList();
            List<Outcome> o = recompute(export, label, pairs, batchSize, RunProtocol.of(r.config(), configFile));
            int samePrediction = 0;
            int sameCorrect = 0;
            int correctInProcess = 0;
            int correctExported = 0;
            for (int j = 0; j < idx.size(); j++) {
                int row = idx.get(j);
                Outcome e = rows.get(row);
                Outcome a = o.get(j);
                recomputed[row] = a;
                samePrediction += e.predicted().equals(a.predicted()) ? 1 : 0;
                sameCorrect += e.correct() == a.correct() ? 1 : 0;
                correctInProcess += e.correct() ? 1 : 0;
                correctExported += a.correct() ? 1 : 0;
                if ((!e.predicted().equals(a.predicted()) || e.correct() != a.correct())
                        && examples.size() < EXAMPLES) {
                    examples.add(new Mismatch(label, row, e.pair(), e.predicted(), e.correct(), a.predicted(),
                            a.correct()));
                }
            }
            counts.put(split.getKey(), new int[] {idx.size(), samePrediction, sameCorrect, correctInProcess,
                correctExported});
            progress.printf(Locale.ROOT, "verify %s %s: %d/%d identical predictions, %d/%d identical correctness%n",
                    label, split.getKey(), samePrediction, idx.size(), sameCorrect, idx.size());
        }

        Scores scores = Scorer.score(label, Arrays.asList(recomputed));
        List<SplitCheck> out = new ArrayList<>();
        for (Map.Entry<String, int[]> c : counts.entrySet()) {
            String split = c.getKey();
            int[] n = c.getValue();
            Scores.SplitScores exported = scores.split(split).orElseThrow();
            Scores.SplitScores inProcess = r.scores().split(split).orElse(null);
            boolean same = inProcess != null && RunFolder.scoresJson(new Scores(label, List.of(exported)))
                    .equals(RunFolder.scoresJson(new Scores(label, List.of(inProcess))));
            Scores.Cid nothing = new Scores.Cid(Double.NaN, Double.NaN, Double.NaN);
            out.add(new SplitCheck(label, split, n[0], n[1], n[2], n[3], n[4],
                    inProcess == null ? nothing : inProcess.overall(), exported.overall(), same));
        }
        return out;
    }

    private static void checkInt(JsonNode config, String field, int expected, Path configFile, ExportedModel e) {
        JsonNode v = config.get(field);
        if (v == null || !v.canConvertToInt() || v.intValue() != expected) {
            throw BadInputException.field(configFile, field, expected + " (what " + e.folder().resolve(
                    ExportManifest.FILE) + " says: expected the run the export was made from)",
                    v == null ? "nothing" : v.toString());
        }
    }

    /**
     * The outcomes of one split's pairs (in their order) from the export alone, evaluated as the
     * in-process evaluation does: over the whole split, or, when the run's intervened graph takes an
     * {@value ExportedModel#ATTRIBUTE} index (das, mdas), per target attribute.
     *
     * @param run the exported run's label (hyperdas-MODE, das, mdas, patching)
     * @throws BadInputException when a das / mdas pair's attribute has no subspace in the export
     */
    public static List<Outcome> recompute(ExportedModel export, String run, List<Pair> pairs, int batchSize,
            RunProtocol protocol) throws OrtException {
        ExportManifest m = export.manifest();
        String mode = m.modes().isEmpty() ? null : run.substring(m.method().length() + 1);
        if (!export.spec(export.intervenedFile(mode)).hasInput(ExportedModel.ATTRIBUTE)) {
            return evaluate(export, pairs, batchSize, protocol,
                    (x, positions) -> export.intervene(mode, -1, x, positions).get(ExportedModel.LOGITS));
        }
        Map<String, List<Integer>> byAttribute = new LinkedHashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            Pair p = pairs.get(i);
            byAttribute.computeIfAbsent(RunSettings.attributeKey(p.entityType(), p.attribute()),
                    k -> new ArrayList<>()).add(i);
        }
        Outcome[] out = new Outcome[pairs.size()];
        for (Map.Entry<String, List<Integer>> e : byAttribute.entrySet()) {
            int attribute = m.attributes().indexOf(e.getKey());
            if (attribute < 0) {
                throw BadInputException.field(export.folder().resolve(ExportManifest.FILE), "attributes",
                        "a subspace for " + e.getKey() + " (the attribute of pairs of " + run + ")",
                        m.attributes().toString());
            }
            List<Outcome> o = evaluate(export, e.getValue().stream().map(pairs::get).toList(), batchSize, protocol,
                    (x, positions) -> export.intervene(mode, attribute, x, positions).get(ExportedModel.LOGITS));
            for (int i = 0; i < o.size(); i++) {
                out[e.getValue().get(i)] = o.get(i);
            }
        }
        return Arrays.asList(out);
    }

    /** An exported graph's logits [batch, positions, vocab] at {@code logitPositions} for a batch's inputs. */
    @FunctionalInterface
    interface Logits {
        ExportedModel.FloatTensor of(InferenceInputs x, long[][] logitPositions) throws OrtException;
    }

    private static List<Outcome> evaluate(ExportedModel export, List<Pair> pairs, int batchSize, RunProtocol protocol,
            Logits graph) throws OrtException {
        HfTokenizer tok = export.tokenizer();
        Batcher batcher = batcher(tok, batchSize, protocol.visibility());
        Outcome[] out = new Outcome[pairs.size()];
        int[] order = order(pairs);
        int at = 0;
        for (List<Pair> chunk : batches(pairs, batchSize)) {
            PairBatch batch = batcher.batch(chunk);
            ExportedModel.FloatTensor logits = graph.of(InferenceInputs.of(batch), labelPositions(batch));
            List<Outcome> o = outcomes(batch, logits, tok, protocol.labelTokens());
            for (Outcome x : o) {
                out[order[at++]] = x;
            }
        }
        return Arrays.asList(out);
    }

    /**
     * The batcher of the in-process evaluation: every label token, EOS padding, no knows_it filter,
     * the run's mask visibility.
     */
    public static Batcher batcher(HfTokenizer tok, int batchSize, MaskVisibility visibility) {
        return new Batcher(tok, Batcher.Options.defaults(tok).withBatchSize(batchSize).withOnlyKnown(false)
                .withVisibility(visibility));
    }

    /** The in-process evaluation's order: by teacher-forced text length, then source prompt length (stable). */
    private static int[] order(List<Pair> pairs) {
        Integer[] order = new Integer[pairs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> Batcher.teacherForcedText(pairs.get(i)).length())
                .thenComparingInt(i -> pairs.get(i).sourcePrompt().length()));
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }

    /** The in-process evaluation's batches of {@code pairs}: in {@link #order}, cut into batch-size chunks. */
    public static List<List<Pair>> batches(List<Pair> pairs, int batchSize) {
        int[] order = order(pairs);
        List<List<Pair>> out = new ArrayList<>();
        for (int start = 0; start < order.length; start += batchSize) {
            List<Pair> chunk = new ArrayList<>();
            for (int i = start; i < Math.min(order.length, start + batchSize); i++) {
                chunk.add(pairs.get(order[i]));
            }
            out.add(chunk);
        }
        return out;
    }

    /**
     * The logit positions of a batch's teacher-forced scoring: its label positions [batch][labels]
     * (the base position before each label token; 0 on padding).
     */
    public static long[][] labelPositions(PairBatch batch) {
        long[][] out = new long[batch.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = batch.labelPositions().row(i);
        }
        return out;
    }

    /**
     * The outcomes of a batch from its logits at the label positions [batch, labels, vocab]
     * ({@link #labelPositions}): the argmax at each real label token, decoded; correct when the
     * run's {@link LabelTokens} are predicted (as the in-process evaluation judges).
     */
    public static List<Outcome> outcomes(PairBatch batch, ExportedModel.FloatTensor logits, HfTokenizer tok,
            LabelTokens labelTokens) {
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            int n = PairBatch.length(batch.labelMask(), i);
            long[] predicted = new long[n];
            for (int j = 0; j < n; j++) {
                predicted[j] = logits.argmax(i, j);
            }
            boolean correct = labelTokens.correct(predicted, 0, batch.labelIds().row(i, n), 0, n);
            out.add(new Outcome(batch.pairs().get(i), tok.decode(predicted), correct));
        }
        return out;
    }
}
