package org.hyperdas.trainer.knowledge;

import org.hyperdas.runtime.feeds.FeedSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaBuilder;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.CrossEntropy;
import org.hyperdas.graphs.nn.TokenPositions;
import org.hyperdas.graphs.optim.AdamWConfig;
import org.hyperdas.graphs.optim.ParamGroup;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * The graphs of the knowledge model: a training step (the Llama's weights as trainable inputs,
 * label cross-entropy, AdamW) and a teacher-forced probe over a model folder's weights.
 *
 * <p>Both run the decoder on the whole right-padded sequence but apply the final norm and LM head
 * only at the label positions (the position before each label token), so the vocabulary
 * projection costs [batch, L, vocab] instead of [batch, seq, vocab].
 */
public final class KnowledgeGraphs {
    /**
     * Scalar output of the training step: share of examples whose first
     * {@value FeedSchema#SCORED_LABEL_TOKENS} label tokens are right.
     */
    public static final String ACCURACY = "accuracy";
    /**
     * Probe output, int64 [batch]: 1 when the first k label tokens are all predicted
     * ({@value FeedSchema#SCORED_LABEL_TOKENS} unless the probe was built for another k).
     */
    public static final String FIRST_K_CORRECT = "first_k_correct";
    private KnowledgeGraphs() {}

    /** The inputs and the label cross-entropy of a Llama on the standard batch inputs. */
    private static CrossEntropy loss(Graph g, LlamaConfig config, LlamaWeights weights, int k) {
        LlamaBuilder llama = new LlamaBuilder(g, config, weights);
        Value ids = llama.tokenInput(LlamaHooks.INPUT_IDS, "seq");
        Value mask = llama.tokenInput(LlamaHooks.ATTENTION_MASK, "seq");
        Value labels = g.input(TokenBatch.LABELS, DType.INT64, Shape.of("batch", "labels"));
        Value positions = g.input(TokenBatch.LABEL_POSITIONS, DType.INT64, Shape.of("batch", "labels"));
        Value labelMask = g.input(TokenBatch.LABEL_MASK, DType.FLOAT32, Shape.of("batch", "labels"));
        Value exampleWeights = g.input(TokenBatch.EXAMPLE_WEIGHTS, DType.FLOAT32, Shape.of("batch"));
        Value residual = llama.blocks(0, config.numHiddenLayers(), llama.embed(ids), llama.context(mask));
        Value atLabels = TokenPositions.gather(residual, positions); // [batch, L, hidden]
        Value logits = llama.lmHead(llama.finalNorm(atLabels));
        return CrossEntropy.ofLabelLogits(logits, labels, labelMask, exampleWeights, k);
    }

    /**
     * One AdamW step of the whole model. Three groups: matrices with weight decay, norms without,
     * token embeddings without and with their own learning rate; global gradient clipping; a fed
     * learning-rate factor (schedule).
     */
    public static TrainingGraph trainingStep(LlamaConfig config, double lr, double embeddingLr, double weightDecay,
            double beta2, double clipNorm) {
        Graph g = new Graph("knowledge_train");
        CrossEntropy ce = loss(g, config, LlamaWeights.inputs(), FeedSchema.SCORED_LABEL_TOKENS);
        Value accuracy = ce.firstKCorrect().cast(DType.FLOAT32).reduceMean(false);
        List<Value> decay = new ArrayList<>();
        List<Value> noDecay = new ArrayList<>();
        List<Value> embedding = new ArrayList<>();
        for (Value p : g.parameters()) {
            if (p.name().equals("model.embed_tokens.weight")) {
                embedding.add(p);
            } else if (p.name().endsWith("norm.weight")) {
                noDecay.add(p);
            } else {
                decay.add(p);
            }
        }
        return TrainingGraph.builder(ce.loss())
                .group(new ParamGroup("decay", lr, weightDecay))
                .group(new ParamGroup("no_decay", lr, 0.0))
                .group(new ParamGroup("embedding", embeddingLr, 0.0))
                .params("decay", decay.toArray(Value[]::new))
                .params("no_decay", noDecay.toArray(Value[]::new))
                .params("embedding", embedding.toArray(Value[]::new))
                .optimizer(new AdamWConfig(0.9, beta2, 1e-8))
                .clipNorm(clipNorm)
                .scheduledLr(true)
                .metric(ACCURACY, accuracy)
                .build();
    }

    /** Teacher-forced probe: batch inputs -> {@value #FIRST_K_CORRECT} int64 [batch]. */
    public static Graph probe(LlamaConfig config, LlamaWeights weights) {
        return probe(config, weights, FeedSchema.SCORED_LABEL_TOKENS);
    }

    /** The probe checking the first {@code k} label tokens (k at least a label's length: all). */
    public static Graph probe(LlamaConfig config, LlamaWeights weights, int k) {
        Graph g = new Graph("knowledge_probe");
        CrossEntropy ce = loss(g, config, weights, k);
        g.output(FIRST_K_CORRECT, ce.firstKCorrect().cast(DType.INT64));
        return g;
    }

    /**
     * Initial weights from {@code seed}: matrices and embeddings N(0, std) (output projections
     * scaled by 1/sqrt(2 * layers) as GPT-2 does), norms 1. For these small models std about
     * 1/sqrt(hidden) learns facts much sooner than transformers' 0.02 (measured). Row-major, by HF name, in {@link LlamaConfig#expectedTensors()} order.
     */
    public static Map<String, float[]> initialWeights(LlamaConfig config, long seed, double std) {
        SplittableRandom root = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        double residualScale = 1 / Math.sqrt(2.0 * config.numHiddenLayers());
        config.expectedTensors().forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[Math.toIntExact(n)];
            // One stream per tensor (split in a fixed order), so a tensor's values do not depend on
            // how many values the tensors before it drew.
            SplittableRandom r = root.split();
            if (name.endsWith("norm.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else if (name.endsWith(".bias")) {
                // zeros
            } else {
                double s = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight") ? std * residualScale
                        : std;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (gaussian(r) * s);
                }
            }
            out.put(name, v);
        });
        return out;
    }

    /** A standard normal from two uniforms (Box-Muller; SplittableRandom has no nextGaussian on 17). */
    private static double gaussian(SplittableRandom r) {
        double u1 = 1.0 - r.nextDouble(); // (0, 1]
        double u2 = r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
