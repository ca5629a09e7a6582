package org.hyperdas.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.runtime.hf.LlamaConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hyperdas-run info}: what a Hugging Face Llama folder contains. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a Hugging Face Llama folder: architecture, sizes, dtype, tensors, tokenizer.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Folder with config.json, model.safetensors (or shards + index) and tokenizer.json.")
    Path model;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> facts = new LinkedHashMap<>();
        try (HfModel m = HfModel.open(model)) {
            LlamaConfig c = m.config();
            facts.put("model", model.toAbsolutePath().normalize().toString());
            facts.put("architecture", m.architecture());
            facts.put("layers", c.numHiddenLayers());
            facts.put("hidden_size", c.hiddenSize());
            facts.put("intermediate_size", c.intermediateSize());
            facts.put("attention_heads", c.numAttentionHeads());
            facts.put("kv_heads", c.numKeyValueHeads());
            facts.put("head_dim", c.headDim());
            facts.put("vocab_size", c.vocabSize());
            facts.put("dtype", torchName(m.dtype()));
            facts.put("weight_files", m.weights().files().size());
            facts.put("tensors", m.tensorCount());
            facts.put("parameters", m.parameterCount());
            facts.put("tied_embeddings", c.tieWordEmbeddings());
            facts.put("rope_theta", c.ropeTheta());
            facts.put("rope_scaling", c.ropeScaling() == null ? "none" : "llama3 x" + c.ropeScaling().factor());
            facts.put("tokenizer_vocab", m.tokenizer().vocabSize());
            facts.put("bos_token_id", c.bosTokenId());
            facts.put("eos_token_id", c.eosTokenId());
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(facts));
        } else {
            facts.forEach((k, v) -> out.printf("%-18s %s%n", k, v instanceof Long l ? String.format("%,d", l) : v));
        }
        return 0;
    }

    /** The dtype as config.json's torch_dtype spells it. */
    static String torchName(DType d) {
        return switch (d) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> d.name().toLowerCase();
        };
    }
}
