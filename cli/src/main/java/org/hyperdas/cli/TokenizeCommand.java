package org.hyperdas.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hyperdas-run tokenize}: ids and pieces of texts with a model folder's tokenizer.json. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Show token ids, pieces and the decoded round trip of each TEXT.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model folder holding tokenizer.json (or the tokenizer.json itself).")
    Path model;

    @Option(names = "--no-special", description = "Do not add special tokens such as BOS.")
    boolean noSpecial;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to tokenize.")
    List<String> texts;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!Files.exists(model)) {
            throw BadInputException.file(model, "no such file or folder (expected a model folder with tokenizer.json)");
        }
        var out = spec.commandLine().getOut();
        try (HfTokenizer tok = HfTokenizer.open(model)) {
            for (String text : texts) {
                HfTokenizer.Encoded enc = tok.tokenize(text, !noSpecial);
                out.println("text:    " + text);
                out.println("ids:     " + Arrays.toString(enc.ids()));
                out.println("pieces:  " + enc.tokens());
                out.println("count:   " + enc.ids().length);
                out.println("decoded: " + tok.decode(enc.ids(), true));
                out.println();
            }
        }
        return 0;
    }
}
