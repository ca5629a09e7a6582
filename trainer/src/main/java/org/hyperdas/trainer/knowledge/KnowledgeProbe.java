package org.hyperdas.trainer.knowledge;

import org.hyperdas.runtime.feeds.FeedSchema;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.LabelTokens;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.trainer.TargetModel;

/**
 * Does a model "know" a fact? The one check of the project: the knowledge report of pretraining
 * and the knowledge filter of a run ({@link org.hyperdas.trainer.KnowledgeFilter}) both ask it.
 * Teacher-forced, as RAVEL's scorer judges: the sequence is
 * prompt and value joined by {@link org.hyperdas.evaluation.pairs.LabelSpace}; the model knows it when the argmax prediction at each of the first
 * k value tokens (all of them for shorter values) equals that token: k =
 * {@value FeedSchema#SCORED_LABEL_TOKENS} for the knowledge report, the run's
 * {@link LabelTokens} (default all, as the reference's filter) for the knowledge filter.
 *
 * <p>Works on any Hugging Face Llama folder (the trained knowledge model, stories260K, Llama 3),
 * with the weights read in place from its safetensors files. One ONNX Runtime session, built once;
 * examples are sorted by length and run in batches of about {@link #TOKENS_PER_BATCH} tokens.
 */
public final class KnowledgeProbe implements AutoCloseable {
    /** Token budget of one probe batch. */
    public static final int TOKENS_PER_BATCH = 8192;

    private final Path folder;
    private final HfTokenizer tokenizer;
    private final OrtSession session;
    private final TokenBatch batch;
    private final LabelTokens labelTokens;

    private KnowledgeProbe(Path folder, HfTokenizer tokenizer, OrtSession session, LabelTokens labelTokens) {
        this.folder = folder;
        this.tokenizer = tokenizer;
        this.session = session;
        this.labelTokens = labelTokens;
        this.batch = new TokenBatch(tokenizer.eosId().orElse(0));
    }

    /**
     * A probe over {@code model} (which the caller keeps open and closes after the probe), checking
     * the first {@value FeedSchema#SCORED_LABEL_TOKENS} value tokens (the knowledge report's rule).
     */
    public static KnowledgeProbe open(HfModel model, OrtEngine engine) throws OrtException {
        return open(model.folder(), model.config(), LlamaWeights.external(model.weights()), model.tokenizer(), engine,
                LabelTokens.first(FeedSchema.SCORED_LABEL_TOKENS));
    }

    /**
     * A probe over a target model (which the caller keeps open and closes after the probe), checking
     * the run's {@link TargetModel#labelTokens()}.
     */
    public static KnowledgeProbe open(TargetModel target) throws OrtException {
        return open(target.folder(), target.config(), target.weights(), target.tokenizer(), target.engine(),
                target.labelTokens());
    }

    private static KnowledgeProbe open(Path folder, LlamaConfig config, LlamaWeights weights, HfTokenizer tokenizer,
            OrtEngine engine, LabelTokens labelTokens) throws OrtException {
        byte[] graph = KnowledgeGraphs.probe(config, weights, labelTokens.k()).toBytes();
        OrtSession session = engine.session(graph, weights.externalDataFolder().orElseThrow());
        return new KnowledgeProbe(folder, tokenizer, session, labelTokens);
    }

    /** The model's folder. */
    public Path folder() {
        return folder;
    }

    /** For each (prompt, value): whether the model predicts the value's first tokens after the prompt. */
    public boolean[] knows(List<String> prompts, List<String> values) throws OrtException {
        List<LabeledExample> examples = LabeledExample.tokenize(tokenizer, prompts, values,
                labelTokens.maxTokens(), false);
        Integer[] order = IntStream.range(0, examples.size()).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingInt((Integer i) -> examples.get(i).length()));
        boolean[] out = new boolean[examples.size()];
        int start = 0;
        while (start < order.length) {
            int longest = examples.get(order[start]).length();
            int end = start + 1;
            while (end < order.length) {
                int len = Math.max(longest, examples.get(order[end]).length());
                if ((long) len * (end - start + 1) > TOKENS_PER_BATCH) {
                    break;
                }
                longest = len;
                end++;
            }
            List<LabeledExample> chunk = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                chunk.add(examples.get(order[i]));
            }
            Map<String, OnnxTensor> feeds = batch.fill(chunk);
            try (OrtSession.Result r = session.run(feeds)) {
                OnnxValue v = r.get(KnowledgeGraphs.FIRST_K_CORRECT).orElseThrow();
                LongBuffer flags = ((OnnxTensor) v).getLongBuffer();
                for (int i = start; i < end; i++) {
                    out[order[i]] = flags.get(i - start) != 0;
                }
            }
            start = end;
        }
        return out;
    }

    /**
     * The knows-it flags of pairs, computed by running the model on each pair's verify prompt
     * ({@link Pair#verifyPrompt()} and the expected label, joined by LabelSpace), as a predicate for
     * {@code PairWriter.rewriteKnowsIt}. Use it for pairs that a {@link KnowledgeReport} does not
     * cover (another model, another dataset); pairs not in {@code pairs} test false.
     */
    public Predicate<Pair> knowsIt(List<Pair> pairs) throws OrtException {
        List<String> prompts = pairs.stream().map(Pair::verifyPrompt).toList();
        List<String> values = pairs.stream().map(Pair::expectedLabel).toList();
        boolean[] flags = knows(prompts, values);
        java.util.Set<String> known = new java.util.HashSet<>();
        for (int i = 0; i < flags.length; i++) {
            if (flags[i]) {
                known.add(prompts.get(i) + '\u0000' + values.get(i));
            }
        }
        return p -> known.contains(p.verifyPrompt() + '\u0000' + p.expectedLabel());
    }

    @Override
    public void close() throws OrtException {
        batch.close();
        session.close();
    }
}
