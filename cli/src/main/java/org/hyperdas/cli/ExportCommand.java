package org.hyperdas.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.export.ExportManifest;
import org.hyperdas.export.ExportVerifier;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.export.Exporter;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.trainer.MethodRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run export}: a trained run as plain ONNX graphs any ONNX Runtime can run. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a trained run as ONNX graphs (opset 21) plus the target's tokenizer, one shared"
                + " weights file (safetensors, the graphs' external data) and manifest.json; each graph follows a"
                + " versioned contract in export-specs/.",
            "hyperdas: intervened-soft.onnx, intervened-one-to-many.onnx, intervened-one-to-one.onnx,"
                + " intervened-global-argmax.onnx (the logits at the fed logit_positions, selection, subspace),"
                + " hypernetwork.onnx (the"
                + " groundtruth mode is not exported: its selection needs each pair's entity positions); das, mdas, patching: intervened.onnx; every method:"
                + " target.onnx (the unmodified target).",
            "The export is built in a hidden sibling folder and renamed to --out when complete.",
            "--verify (or --check EXPORT_DIR for an existing export) recomputes every prediction of the run's"
                + " predictions.arrow from the exported graphs alone, batched as the in-process evaluation batched"
                + " them, and compares predictions, correctness and scores; exit status 0 when all are identical,"
                + " 1 otherwise."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, paramLabel = "DIR",
            description = "A run folder of `hyperdas-run train`: the hyperdas folder holding hyperdas-soft/,"
                    + " hyperdas-one-to-many/, hyperdas-one-to-one/, hyperdas-global-argmax/ (or one of them), or a"
                    + " das, mdas or patching"
                    + " run folder.")
    Path run;

    @Option(names = "--out", paramLabel = "DIR",
            description = "The export folder to create (absent or empty; an earlier export only with --overwrite);"
                    + " required unless --check.")
    Path out;

    @Option(names = "--model", paramLabel = "DIR",
            description = "The target model folder, when it is no longer where the run's config.json says.")
    Path model;

    @Option(names = "--verify",
            description = "After exporting, check that the exported graphs alone reproduce every prediction and"
                    + " score of --run.")
    boolean verify;

    @Option(names = "--check", paramLabel = "EXPORT_DIR",
            description = "Export nothing: check that the existing export EXPORT_DIR reproduces every prediction and"
                    + " score of --run.")
    Path check;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "Where --verify / --check run the exported graphs: cpu, auto or cuda[:N]; the predictions"
                    + " are expected identical on the device the run was evaluated on (default: ${DEFAULT-VALUE}).")
    String device;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        Path export = check;
        if (check != null) {
            if (out != null || model != null || verify) {
                throw new BadInputException("--check EXPORT_DIR verifies an existing export: it takes no --out,"
                        + " --model or --verify");
            }
        } else {
            if (out == null) {
                throw new BadInputException("--out DIR is required (or --check EXPORT_DIR to verify an existing"
                        + " export)");
            }
            Exporter.Result r = Exporter.export(run, out, output.overwrite, model, MethodRegistry.exporters(),
                    System.err);
            ExportManifest m = r.manifest();
            o.printf(Locale.ROOT, "exported %s (layer %d%s) to %s%n", m.method(), m.layer(),
                    m.k() == null ? "" : ", k " + m.k(), r.folder());
            for (Map.Entry<String, Long> f : r.fileSizes().entrySet()) {
                o.printf(Locale.ROOT, "  %-32s %,14d bytes%n", f.getKey(), f.getValue());
            }
            o.flush();
            if (!verify) {
                return 0;
            }
            export = r.folder();
        }
        ExportVerifier.Report report;
        try (ExportedModel exported = ExportedModel.open(export, OrtEngine.create(device))) {
            report = ExportVerifier.verify(exported, run, System.err);
        }
        print(o, report, export);
        o.flush();
        return report.identical() ? 0 : 1;
    }

    /** The report as a table, then the verdict and the first mismatching rows. */
    static void print(PrintWriter o, ExportVerifier.Report report, Path export) {
        o.printf(Locale.ROOT, "%nverify %s: every prediction recomputed from the exported graphs alone, compared"
                + " with the run's predictions.arrow and scores.json (C/I/D: Cause/Isolate/Disentangle, %%)%n", export);
        String row = "%-22s %-14s %6s  %-21s  %-21s  %-11s  %-15s %s";
        o.println(String.format(Locale.ROOT, row, "mode", "split", "pairs", "identical predictions",
                "identical correctness", "correct", "C/I/D exported", "C/I/D in-process"));
        for (ExportVerifier.SplitCheck s : report.splits()) {
            o.println(String.format(Locale.ROOT, row, s.run(), s.split(), s.pairs(),
                    s.identicalPredictions() + "/" + s.pairs(), s.identicalCorrectness() + "/" + s.pairs(),
                    s.correctExported() + " vs " + s.correctInProcess(), cid(s.exported()),
                    cid(s.inProcess()) + (s.identicalScores() ? "" : "  (differ)")).stripTrailing());
        }
        int n = report.pairs();
        if (report.identical()) {
            o.printf(Locale.ROOT, "identical: %d/%d predictions, %d/%d correctness flags, every split's scores%n",
                    report.identicalPredictions(), n, report.identicalCorrectness(), n);
            return;
        }
        List<String> differ = new ArrayList<>();
        if (report.identicalPredictions() < n) {
            differ.add((n - report.identicalPredictions()) + " of " + n + " predictions");
        }
        if (report.identicalCorrectness() < n) {
            differ.add((n - report.identicalCorrectness()) + " of " + n + " correctness flags");
        }
        long scores = report.splits().stream().filter(s -> !s.identicalScores()).count();
        if (scores > 0) {
            differ.add("the scores of " + scores + " of " + report.splits().size() + " splits");
        }
        o.printf(Locale.ROOT, "MISMATCH: %s differ%n", String.join(", ", differ));
        if (!report.examples().isEmpty()) {
            o.println("first mismatches (predictions.arrow row: in-process -> exported):");
        }
        for (ExportVerifier.Mismatch m : report.examples()) {
            o.printf(Locale.ROOT, "  %s row %d (%s %s, \"%s\", base \"%s\"): %s -> %s%n", m.run(), m.row(),
                    m.pair().split(), m.pair().kind().label(), m.pair().instruction(),
                    m.pair().basePrompt(), answer(m.inProcess(), m.inProcessCorrect()),
                    answer(m.exported(), m.exportedCorrect()));
        }
    }

    private static String answer(String text, boolean correct) {
        return "\"" + text.replace("\n", "\\n") + "\" (" + (correct ? "correct" : "wrong") + ")";
    }

    private static String cid(Scores.Cid c) {
        return pct(c.cause()) + "/" + pct(c.isolate()) + "/" + pct(c.disentangle());
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * v);
    }
}
