package org.hyperdas.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hyperdas.graphs.llama.GenerationOptions;
import org.hyperdas.graphs.llama.Generator;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.ort.OrtEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hyperdas-run generate}: continue a prompt with a model folder, streaming the tokens. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a Hugging Face Llama folder (KV cache), streaming the text to stdout: "
                + "the prompt, then each new token as it comes; a newline at the end.",
            "Greedy unless --temperature is given; stops at the model's EOS or after --max-new-tokens.",
            "Speed (tokens, tokens/s) goes to stderr."})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Folder with config.json, model.safetensors (or shards + index) and tokenizer.json.")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "32",
            description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--greedy", description = "Pick the most probable token each step (the default).")
    boolean greedy;

    @Option(names = "--temperature", paramLabel = "T",
            description = "Sample with this temperature (> 0) instead of greedy decoding.")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
            description = "Nucleus sampling: keep the most probable tokens up to this mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-prompt", description = "Print only the generated text, not the prompt before it.")
    boolean noPrompt;

    @Spec
    CommandSpec spec;

    GenerationOptions generationOptions() {
        if (maxNewTokens < 0) {
            throw new BadInputException("generate: --max-new-tokens: expected a number >= 0, found " + maxNewTokens);
        }
        if (greedy && temperature != null) {
            throw new BadInputException("generate: --greedy and --temperature exclude each other");
        }
        if (temperature != null && !(temperature > 0 && !temperature.isInfinite())) {
            throw new BadInputException("generate: --temperature: expected a positive number, found " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new BadInputException("generate: --top-p: expected a number in (0, 1], found " + topP);
        }
        return temperature == null ? GenerationOptions.greedy(maxNewTokens)
                : GenerationOptions.sampled(maxNewTokens, temperature, topP, seed);
    }

    /** The decoded text of prompt + generated tokens after the prompt's own decoded text. */
    static String continuation(HfTokenizer tok, long[] prompt, List<Long> generated, String promptText) {
        long[] all = new long[prompt.length + generated.size()];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        for (int i = 0; i < generated.size(); i++) {
            all[prompt.length + i] = generated.get(i);
        }
        String text = tok.decode(all, true);
        return text.startsWith(promptText) ? text.substring(promptText.length())
                : tok.decode(generated.stream().mapToLong(Long::longValue).toArray(), true);
    }

    @Override
    public Integer call() throws Exception {
        GenerationOptions options = generationOptions();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (HfModel m = HfModel.open(model)) {
            HfTokenizer tok = m.tokenizer();
            long[] ids = tok.encode(prompt);
            if (ids.length == 0) {
                throw new BadInputException("generate: --prompt gives no tokens (and the tokenizer adds no BOS)");
            }
            // Text is decoded with the prompt in front and the prompt's own decoding cut off, so a
            // tokenizer that drops the leading space of a sequence's first piece (SentencePiece)
            // still shows the space before the first new word.
            String promptText = tok.decode(ids, true);
            List<Long> generated = new ArrayList<>();
            String[] shown = {""};
            Generator.Result r;
            try (Generator g = Generator.open(m, OrtEngine.cpu())) {
                // The prompt is echoed once the model runs, so a failure to load prints nothing else.
                if (!noPrompt) {
                    out.print(prompt);
                    out.flush();
                }
                r = g.generate(List.of(ids), options, (row, token) -> {
                    generated.add(token);
                    // Everything new so far; a byte-level token may end inside a UTF-8 character,
                    // which decodes to U+FFFD until the rest arrives, so wait for it.
                    String text = continuation(tok, ids, generated, promptText);
                    if (!text.endsWith("\uFFFD") && text.startsWith(shown[0])) {
                        out.print(text.substring(shown[0].length()));
                        out.flush();
                        shown[0] = text;
                    }
                });
            }
            String all = continuation(tok, ids, generated, promptText);
            if (all.startsWith(shown[0])) {
                out.print(all.substring(shown[0].length()));
            }
            out.println();
            out.flush();
            err.printf(Locale.ROOT, "%d tokens (%s), %.1f tokens/s%n", r.generatedTokens(),
                    r.stopped()[0] ? "stopped at EOS" : r.atPositionLimit()
                            ? "stopped at the model's max_position_embeddings " + m.config().maxPositionEmbeddings()
                            : "max new tokens", r.tokensPerSecond());
            err.flush();
        }
        return 0;
    }
}
