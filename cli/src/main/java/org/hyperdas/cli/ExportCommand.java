package org.hyperdas.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hyperdas.trainer.export.ExportManifest;
import org.hyperdas.trainer.export.Exporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run export}: a trained run as plain ONNX graphs any ONNX Runtime can run. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a trained run as ONNX graphs (opset 21) plus the target's tokenizer, one shared"
                + " weights file (safetensors, the graphs' external data) and manifest.json; each graph follows a"
                + " versioned contract in export-specs/.",
            "hyperdas: intervened-soft.onnx, intervened-one-to-many.onnx, intervened-one-to-one.onnx (full logits,"
                + " selection, subspace), hypernetwork.onnx; das, mdas, patching: intervened.onnx; every method:"
                + " target.onnx (the unmodified target).",
            "The export is built in a hidden sibling folder and renamed to --out when complete."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, paramLabel = "DIR",
            description = "A run folder of `hyperdas-run train`: the hyperdas folder holding hyperdas-soft/,"
                    + " hyperdas-one-to-many/, hyperdas-one-to-one/ (or one of them), or a das, mdas or patching"
                    + " run folder.")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "The export folder to create (must not exist, or be empty).")
    Path out;

    @Option(names = "--model", paramLabel = "DIR",
            description = "The target model folder, when it is no longer where the run's config.json says.")
    Path model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Exporter.Result r = Exporter.export(run, out, model, System.err);
        PrintWriter o = spec.commandLine().getOut();
        ExportManifest m = r.manifest();
        o.printf(Locale.ROOT, "exported %s (layer %d%s) to %s%n", m.method(), m.layer(),
                m.k() == null ? "" : ", k " + m.k(), r.folder());
        for (Map.Entry<String, Long> f : r.fileSizes().entrySet()) {
            o.printf(Locale.ROOT, "  %-32s %,14d bytes%n", f.getKey(), f.getValue());
        }
        o.flush();
        return 0;
    }
}
