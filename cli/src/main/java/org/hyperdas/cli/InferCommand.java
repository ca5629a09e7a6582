package org.hyperdas.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.export.PortableInference;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.ort.OrtEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hyperdas-run infer}: run an export folder on one example, with ONNX Runtime only. */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = {"Run an export of `hyperdas-run export` on one example, using only its files (ONNX graphs,"
                + " weights, tokenizer.json) and plain ONNX Runtime sessions.",
            "Prints the target's greedy answer to --base, the answer with the intervention (the source's concept"
                + " moved in), and the selected (base token <- source token, weight) pairs.",
            "The entities are read from --instruction \"<base entity> ; <source entity> - <Attribute>\" and must"
                + " occur in --base and --source; the intervention may write BOS .. the base entity's last token."})
final class InferCommand implements Callable<Integer> {
    @Option(names = "--export", required = true, paramLabel = "DIR", description = "An export folder.")
    Path export;

    @Option(names = "--base", required = true, paramLabel = "TEXT", description = "The base prompt.")
    String base;

    @Option(names = "--source", required = true, paramLabel = "TEXT", description = "The source prompt.")
    String source;

    @Option(names = "--instruction", required = true, paramLabel = "TEXT",
            description = "\"<base entity> ; <source entity> - <Attribute>\", e.g. \"Paris ; Tokyo - Country\".")
    String instruction;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "soft",
            description = "hyperdas selection mode: soft, one-to-many, one-to-one or global-argmax (default:"
                    + " ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--attribute", paramLabel = "NAME",
            description = "das, mdas: whose subspace (\"city.Country\" or \"Country\"); default: the instruction's.")
    String attribute;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "3",
            description = "Tokens to decode greedily (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, auto or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    @Spec
    CommandSpec spec;

    /**
     * A text the tokenizer cannot round-trip has words outside its vocabulary (they become unknown
     * tokens, so the model sees something else than the user typed). The knowledge model's
     * word-level tokenizer, for one, knows sentence words with their leading space, as the RAVEL
     * templates write them.
     */
    static void warnIfLossy(HfTokenizer tokenizer, String option, String text) {
        String back = roundTrip(tokenizer, text);
        if (back.equals(text)) {
            return;
        }
        String hint = !text.startsWith(" ") && roundTrip(tokenizer, " " + text).equals(" " + text)
                ? "; with a leading space it is (\" " + text + "\"), as in the RAVEL templates"
                : "";
        System.err.printf("note: %s \"%s\" does not survive tokenization (decoded back: \"%s\"): some words are"
                + " not in the tokenizer's vocabulary%s%n", option, text, back, hint);
    }

    private static String roundTrip(HfTokenizer tokenizer, String text) {
        return tokenizer.decode(tokenizer.encode(text), true);
    }

    @Override
    public Integer call() throws Exception {
        PortableInference.Request request = new PortableInference.Request(base, source, instruction, mode, attribute,
                maxNewTokens);
        PortableInference.Answer a;
        String method;
        int layer;
        try (ExportedModel model = ExportedModel.open(export, OrtEngine.create(device))) {
            method = model.manifest().method();
            layer = model.manifest().layer();
            warnIfLossy(model.tokenizer(), "--base", base);
            warnIfLossy(model.tokenizer(), "--source", source);
            a = PortableInference.run(model, request);
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%s (%s), layer %d%n", method, a.variant(), layer);
        o.printf(Locale.ROOT, "base answer:       %s%n", quote(a.baseAnswer()));
        o.printf(Locale.ROOT, "intervened answer: %s%n", quote(a.intervenedAnswer()));
        o.println("selected (base token <- source token, weight):");
        if (a.selected().isEmpty()) {
            o.println("  none (every base position kept its own vector)");
        }
        for (PortableInference.Selected s : a.selected()) {
            o.printf(Locale.ROOT, "  %s@%d <- %s@%d  %.3f%n", quote(s.baseToken()), s.basePosition(),
                    quote(s.sourceToken()), s.sourcePosition(), s.weight());
        }
        o.flush();
        return 0;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
