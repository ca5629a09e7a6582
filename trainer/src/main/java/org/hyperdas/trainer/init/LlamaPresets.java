package org.hyperdas.trainer.init;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * The Llama shapes {@code init-model --like} knows by name, with the values of Meta's published
 * config.json files, or any Hugging Face Llama config.json given by path.
 */
public final class LlamaPresets {
    /** The preset names, as {@code --like} accepts them. */
    public static final List<String> NAMES = List.of("llama-3.2-1b", "llama-3-8b");

    private LlamaPresets() {
    }

    /** meta-llama/Llama-3.2-1B: tied embeddings, llama3 RoPE scaling to 128K positions. */
    public static LlamaConfig llama32OneB() {
        return LlamaConfig.builder().hiddenSize(2048).numHiddenLayers(16).numAttentionHeads(32).numKeyValueHeads(8)
                .headDim(64).intermediateSize(8192).vocabSize(128256).tieWordEmbeddings(true).ropeTheta(500000.0)
                .ropeScaling(new LlamaConfig.RopeScaling("llama3", 32.0, 1.0, 4.0, 8192))
                .maxPositionEmbeddings(131072).rmsNormEps(1e-5).bosTokenId(128000).eosTokenId(128001)
                .torchDtype("bfloat16").build();
    }

    /** meta-llama/Meta-Llama-3-8B: untied embeddings, no RoPE scaling, 8K positions. */
    public static LlamaConfig llama3EightB() {
        return LlamaConfig.builder().hiddenSize(4096).numHiddenLayers(32).numAttentionHeads(32).numKeyValueHeads(8)
                .headDim(128).intermediateSize(14336).vocabSize(128256).tieWordEmbeddings(false).ropeTheta(500000.0)
                .maxPositionEmbeddings(8192).rmsNormEps(1e-5).bosTokenId(128000).eosTokenId(128001)
                .torchDtype("bfloat16").build();
    }

    /**
     * A preset by name, or the config.json at {@code like} (a file, or a folder holding one).
     *
     * @throws BadInputException naming {@code --like} when it is neither
     */
    public static LlamaConfig resolve(String like) {
        switch (like) {
            case "llama-3.2-1b":
                return llama32OneB();
            case "llama-3-8b":
                return llama3EightB();
            default:
                Path p = Path.of(like);
                if (Files.isDirectory(p)) {
                    p = p.resolve("config.json");
                }
                if (!Files.isRegularFile(p)) {
                    throw new BadInputException("--like " + like + ": expected one of " + NAMES
                            + " or a Hugging Face Llama config.json (file or folder), found no such file");
                }
                return LlamaConfig.load(p);
        }
    }
}
