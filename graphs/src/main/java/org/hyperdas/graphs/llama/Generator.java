package org.hyperdas.graphs.llama;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;

/**
 * Batched text generation with one ONNX Runtime session, created once and reused for every step
 * and every call.
 *
 * <p>Prompts of different lengths are left-padded (mask 0), and positions come from the mask, so
 * each row generates what it would alone. Each step picks one token per row (greedy or
 * temperature/top-p sampling, seeded), reports it to the listener, and ends a row at a stop token;
 * the call ends when every row has ended or after {@code maxNewTokens} steps.
 *
 * <p>{@link Mode#KV_CACHE} (default) runs {@link LlamaGraphs#cachedStep}: the prompt once, then one
 * token per step against the cached keys/values, which pass from one run's outputs to the next
 * run's inputs as ONNX Runtime tensors without a copy through Java. {@link Mode#RECOMPUTE} runs the
 * whole sequence every step ({@link LlamaGraphs#nextTokenLogits}): slower, kept as the plain
 * reference the cache is tested against.
 */
public final class Generator implements AutoCloseable {

    public enum Mode { KV_CACHE, RECOMPUTE }

    /** Called once per generated token, in row order within a step. */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int row, long token);
    }

    /**
     * @param tokens per row, the generated tokens (prompt excluded; a stop token included)
     * @param stopped per row, whether it ended at a stop token
     * @param steps session runs made
     * @param nanos wall time of the call
     */
    /**
     * @param atPositionLimit generation ended because the sequence reached the model's
     *     max_position_embeddings (positions beyond it were never trained: garbage)
     */
    public record Result(List<long[]> tokens, boolean[] stopped, int steps, long nanos, boolean atPositionLimit) {
        public long generatedTokens() {
            return tokens.stream().mapToLong(t -> t.length).sum();
        }

        public double tokensPerSecond() {
            return nanos == 0 ? 0 : generatedTokens() * 1e9 / nanos;
        }
    }

    private final LlamaConfig config;
    private final Mode mode;
    private final OrtSession session;
    private final Map<String, OnnxTensor> weightFeeds;

    private Generator(LlamaConfig config, Mode mode, OrtSession session, Map<String, OnnxTensor> weightFeeds) {
        this.config = config;
        this.mode = mode;
        this.session = session;
        this.weightFeeds = weightFeeds;
    }

    /** A KV-cache generator over a model folder's weights, read in place from its safetensors files. */
    public static Generator open(HfModel model, OrtEngine engine) throws OrtException {
        return open(model.config(), LlamaWeights.external(model.weights()), engine, Mode.KV_CACHE, Map.of());
    }

    /**
     * @param weightFeeds the weights when they are graph inputs ({@link LlamaWeights#inputs}), by HF
     *     name; owned by the caller, who keeps them open while the generator is used
     */
    public static Generator open(LlamaConfig config, LlamaWeights weights, OrtEngine engine, Mode mode,
            Map<String, OnnxTensor> weightFeeds) throws OrtException {
        if (weights.areInputs() && !weightFeeds.keySet().containsAll(config.expectedTensors().keySet())) {
            Set<String> missing = new HashSet<>(config.expectedTensors().keySet());
            missing.removeAll(weightFeeds.keySet());
            throw new GraphBuildException("Generator: weights are graph inputs but " + missing.size()
                    + " are not fed, e.g. " + missing.iterator().next());
        }
        Graph graph = mode == Mode.KV_CACHE ? LlamaGraphs.cachedStep(config, weights)
                : LlamaGraphs.nextTokenLogits(config, weights);
        byte[] bytes = graph.toBytes();
        OrtSession session = weights.externalDataFolder().isPresent()
                ? engine.session(bytes, weights.externalDataFolder().get()) : engine.session(bytes);
        return new Generator(config, mode, session, Map.copyOf(weightFeeds));
    }

    public Mode mode() {
        return mode;
    }

    /** Generates for each prompt (token ids, BOS included if the model wants it; at least one each). */
    public Result generate(List<long[]> prompts, GenerationOptions options, TokenListener listener)
            throws OrtException {
        int batch = prompts.size();
        TokenWindow window = TokenWindow.leftPadded(prompts);
        int maxPositions = config.maxPositionEmbeddings();
        if (window.length() > maxPositions) {
            throw new BadInputException("the prompt has " + window.length() + " tokens, more than the model's"
                    + " max_position_embeddings " + maxPositions + " (config.json): expected a shorter prompt");
        }
        Set<Long> stops = stopTokens(options);
        TokenSampler sampler = new TokenSampler(options);
        List<List<Long>> generated = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            generated.add(new ArrayList<>());
        }
        boolean[] stopped = new boolean[batch];
        long start = System.nanoTime();
        int steps = 0;
        long[] newIds = window.ids();
        int newLength = window.length();
        OrtSession.Result cache = null;
        try {
            while (steps < options.maxNewTokens() && !allTrue(stopped) && batch > 0
                    && window.length() < maxPositions) {
                OrtSession.Result result = runStep(window, newIds, newLength, cache);
                if (cache != null) {
                    cache.close();
                }
                cache = result;
                steps++;
                float[] logits = floats(cache, LlamaHooks.NEXT_TOKEN_LOGITS);
                requireFinite(logits, steps);
                if (mode == Mode.RECOMPUTE) {
                    cache.close();
                    cache = null;
                }
                long[] next = nextTokens(logits, window, sampler, stops, stopped, generated, listener);
                window = window.append(next);
                newIds = next;
                newLength = 1;
            }
        } finally {
            if (cache != null) {
                cache.close();
            }
        }
        List<long[]> tokens = generated.stream().map(l -> l.stream().mapToLong(Long::longValue).toArray()).toList();
        boolean atLimit = window.length() >= maxPositions && steps < options.maxNewTokens() && !allTrue(stopped);
        return new Result(tokens, stopped, steps, System.nanoTime() - start, atLimit);
    }

    /** Non-finite logits would decode to arbitrary tokens (empty text) with nothing said. */
    private static void requireFinite(float[] logits, int step) {
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new BadInputException("output '" + LlamaHooks.NEXT_TOKEN_LOGITS + "' of step " + step
                        + " holds a non-finite value (NaN or infinity) at index " + i + ": expected finite logits"
                        + " (check the model's weights)");
            }
        }
    }

    /** The options' stop tokens, or the model's EOS ids when the options name none. */
    private Set<Long> stopTokens(GenerationOptions options) {
        Set<Long> stops = new HashSet<>();
        if (options.stopTokens() != null) {
            stops.addAll(options.stopTokens());
        } else {
            config.eosTokenId().forEach(id -> stops.add((long) id));
        }
        return stops;
    }

    /**
     * One forward run: with the KV cache, only the new ids ({@code newLength} per row) and the
     * previous presents; without, the whole window.
     */
    private OrtSession.Result runStep(TokenWindow window, long[] newIds, int newLength, OrtSession.Result cache)
            throws OrtException {
        int batch = window.batch();
        List<OnnxTensor> owned = new ArrayList<>();
        Map<String, OnnxTensor> feeds = new HashMap<>(weightFeeds);
        try {
            if (mode == Mode.KV_CACHE) {
                feeds.put(LlamaHooks.INPUT_IDS, own(owned, longTensor(newIds, batch, newLength)));
                addPast(feeds, owned, cache, batch);
            } else {
                feeds.put(LlamaHooks.INPUT_IDS, own(owned, longTensor(window.ids(), batch, window.length())));
            }
            feeds.put(LlamaHooks.ATTENTION_MASK, own(owned, longTensor(window.mask(), batch, window.length())));
            return session.run(feeds);
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    /**
     * Samples the next token of each running row (rows in order, so the sampler's draws keep their
     * order), records it and marks rows that hit a stop token; a stopped row repeats its last token.
     */
    private long[] nextTokens(float[] logits, TokenWindow window, TokenSampler sampler, Set<Long> stops,
            boolean[] stopped, List<List<Long>> generated, TokenListener listener) {
        int vocab = config.vocabSize();
        long[] next = new long[window.batch()];
        for (int b = 0; b < next.length; b++) {
            if (stopped[b]) {
                next[b] = window.lastToken(b);
                continue;
            }
            next[b] = sampler.next(logits, b * vocab, vocab);
            generated.get(b).add(next[b]);
            if (listener != null) {
                listener.onToken(b, next[b]);
            }
            stopped[b] = stops.contains(next[b]);
        }
        return next;
    }

    /** Left-padded ids and mask [batch, length], grown by one column per step. */
    private record TokenWindow(int batch, int length, long[] ids, long[] mask) {
        static TokenWindow leftPadded(List<long[]> prompts) {
            int batch = prompts.size();
            int length = 0;
            for (long[] p : prompts) {
                if (p.length == 0) {
                    throw new IllegalArgumentException("Generator: an empty prompt (give at least BOS)");
                }
                length = Math.max(length, p.length);
            }
            long[] ids = new long[batch * length];
            long[] mask = new long[batch * length];
            for (int b = 0; b < batch; b++) {
                long[] p = prompts.get(b);
                int pad = length - p.length;
                System.arraycopy(p, 0, ids, b * length + pad, p.length);
                for (int t = pad; t < length; t++) {
                    mask[b * length + t] = 1;
                }
            }
            return new TokenWindow(batch, length, ids, mask);
        }

        long lastToken(int row) {
            return ids[row * length + length - 1];
        }

        /** The window with {@code column} appended to the ids and a 1 to the mask. */
        TokenWindow append(long[] column) {
            long[] ones = new long[batch];
            Arrays.fill(ones, 1);
            return new TokenWindow(batch, length + 1, appendColumn(ids, batch, length, column),
                    appendColumn(mask, batch, length, ones));
        }
    }

    /** Past keys/values: the previous run's presents, or empty [batch, kv, 0, head_dim] tensors at first. */
    private void addPast(Map<String, OnnxTensor> feeds, List<OnnxTensor> owned, OrtSession.Result previous, int batch)
            throws OrtException {
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            if (previous == null) {
                long[] shape = {batch, config.numKeyValueHeads(), 0, config.headDim()};
                feeds.put(LlamaHooks.pastKey(i), own(owned, Tensors.tensor(Tensors.floats(0L), shape)));
                feeds.put(LlamaHooks.pastValue(i), own(owned, Tensors.tensor(Tensors.floats(0L), shape)));
            } else {
                feeds.put(LlamaHooks.pastKey(i), tensor(previous, LlamaHooks.presentKey(i)));
                feeds.put(LlamaHooks.pastValue(i), tensor(previous, LlamaHooks.presentValue(i)));
            }
        }
    }

    /** A zero-copy int64 tensor over a fresh direct buffer holding {@code values}. */
    private static OnnxTensor longTensor(long[] values, long... shape) throws OrtException {
        LongBuffer buffer = Tensors.longs((long) values.length);
        buffer.put(values).rewind();
        return Tensors.tensor(buffer, shape);
    }

    private static OnnxTensor own(List<OnnxTensor> owned, OnnxTensor t) {
        owned.add(t);
        return t;
    }

    private static OnnxTensor tensor(OrtSession.Result result, String name) {
        OnnxValue v = result.get(name).orElseThrow(() -> new IllegalStateException("no output " + name));
        return (OnnxTensor) v;
    }

    private static float[] floats(OrtSession.Result result, String name) {
        FloatBuffer b = tensor(result, name).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    private static long[] appendColumn(long[] rows, int batch, int length, long[] column) {
        long[] out = new long[batch * (length + 1)];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(rows, b * length, out, b * (length + 1), length);
            out[b * (length + 1) + length] = column[b];
        }
        return out;
    }

    private static boolean allTrue(boolean[] flags) {
        for (boolean f : flags) {
            if (!f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
