package org.hyperdas.graphs.intervention;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaBuilder;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.CrossEntropy;
import org.hyperdas.graphs.nn.TokenPositions;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * The target model with an intervention at layer L, as one graph:
 * <pre>
 *   h   = prefix(base_ids, L)            h_s = prefix(source_ids, L)
 *   h'  = intervention(h, h_s, sites)
 *   out = blocks L..n-1 (h')  -> gathered at the label positions -> final norm -> LM head
 *   cross-entropy / argmax / first-k exact match on the teacher-forced label tokens
 * </pre>
 * Only the label positions go through the final norm and the LM head (a [batch, labels, vocab]
 * tensor instead of [batch, seq, vocab]; Llama 3's vocabulary is 128k).
 *
 * <p>Inputs ({@link FeedSchema}): {@link FeedSchema#TARGET_INPUTS} (the source ones absent in a
 * plain graph); the {@link Sites} {@link FeedSchema#BASE_POSITIONS}, {@link FeedSchema#SOURCE_POSITIONS},
 * {@link FeedSchema#SITE_MASK}; {@link FeedSchema#LABELS}; {@link FeedSchema#EXAMPLE_WEIGHTS} in the
 * compute dtype (only with a loss). Outputs:
 * {@value #PREDICTIONS} int64 [batch, labels], {@value #CORRECT} bool [batch], optionally
 * {@value #LABEL_LOGITS} [batch, labels, vocab]; the loss is returned, not declared, so that
 * {@code TrainingGraph} can declare it.
 *
 * <p>Use: {@code create} declares the token inputs and builds both prefixes; the caller then
 * makes its intervention in the same graph (declaring e.g. an R input) and calls {@link #finish}.
 */
public final class InterventionGraph {
    public static final String PREDICTIONS = "predictions";
    public static final String CORRECT = "first_k_correct";
    public static final String LABEL_LOGITS = "label_logits";

    /** What {@link #finish} built. */
    public record Outputs(Value loss, Value predictions, Value correct, Value labelLogits) {
    }

    private final Graph graph;
    private final LlamaBuilder llama;
    private final int layer;
    private final boolean plain;
    private final LlamaBuilder.Context baseContext;
    private final Value baseResidual;
    private final Value sourceResidual;
    private final Sites sites;
    private boolean finished;

    private InterventionGraph(Graph graph, LlamaBuilder llama, int layer, boolean plain) {
        this.graph = graph;
        this.llama = llama;
        this.layer = layer;
        this.plain = plain;
        LlamaConfig c = llama.config();
        if (layer < 0 || layer > c.numHiddenLayers()) {
            throw new GraphBuildException("InterventionGraph: layer " + layer + " out of range [0, "
                    + c.numHiddenLayers() + "]");
        }
        Value baseIds = graph.input(FeedSchema.BASE_IDS);
        Value baseMask = graph.input(FeedSchema.BASE_MASK);
        baseContext = llama.context(baseMask);
        baseResidual = llama.prefix(baseIds, baseContext, layer);
        if (plain) {
            sourceResidual = null;
            sites = null;
        } else {
            Value sourceIds = graph.input(FeedSchema.SOURCE_IDS);
            Value sourceMask = graph.input(FeedSchema.SOURCE_MASK);
            try (Graph.Scope s = graph.scope("source")) {
                sourceResidual = llama.prefix(sourceIds, llama.context(sourceMask), layer);
            }
            sites = new Sites(graph.input(FeedSchema.BASE_POSITIONS), graph.input(FeedSchema.SOURCE_POSITIONS),
                    graph.input(FeedSchema.SITE_MASK));
        }
    }

    /** Base and source prefixes up to {@code layer} (0 = embedding output .. n = after the last block). */
    public static InterventionGraph create(Graph graph, LlamaConfig config, LlamaWeights weights, int layer) {
        return new InterventionGraph(graph, new LlamaBuilder(graph, config, weights), layer, false);
    }

    /** The model without intervention and without source inputs (knowledge checks, references). */
    public static InterventionGraph plain(Graph graph, LlamaConfig config, LlamaWeights weights) {
        return new InterventionGraph(graph, new LlamaBuilder(graph, config, weights), config.numHiddenLayers(), true);
    }

    public Graph graph() {
        return graph;
    }

    public LlamaBuilder llama() {
        return llama;
    }

    public int layer() {
        return layer;
    }

    /** The base residual entering block L, [batch, base_seq, hidden]. */
    public Value baseResidual() {
        return baseResidual;
    }

    /** The source residual entering block L, [batch, source_seq, hidden]; null in a plain graph. */
    public Value sourceResidual() {
        return sourceResidual;
    }

    /** The sites inputs; null in a plain graph. */
    public Sites sites() {
        return sites;
    }

    /**
     * Applies {@code intervention} (ignored by a plain graph) and runs the rest of the model at
     * every base position: the logits [batch, base_seq, vocab]. Declares no label input and no
     * output; what the exported graphs of spec version 1 computed, kept as the full-sequence
     * reference of {@link #finishLogitsAt}.
     */
    public Value finishFullLogits(Intervention intervention) {
        return llama.lmHead(llama.finalNorm(finishResidual(intervention)));
    }

    /**
     * Applies {@code intervention} (ignored by a plain graph), runs the remaining blocks at every
     * base position and the final norm and the LM head only at {@code positions}: the logits
     * [batch, positions, vocab]. Declares no label input and no output (an exported graph declares
     * its own); an alternative to {@link #finish}.
     *
     * @param positions int64 [batch, positions], each in [0, base_seq)
     */
    public Value finishLogitsAt(Intervention intervention, Value positions) {
        return llama.lmHead(llama.finalNorm(TokenPositions.gather(finishResidual(intervention), positions)));
    }

    /** The residual after the last block, [batch, base_seq, hidden], with the intervention applied. */
    private Value finishResidual(Intervention intervention) {
        if (finished) {
            throw new GraphBuildException("InterventionGraph: finish() was already called");
        }
        finished = true;
        Value edited = plain ? baseResidual : intervention.apply(baseResidual, sourceResidual, sites);
        return llama.blocks(layer, llama.config().numHiddenLayers(), edited, baseContext);
    }

    /**
     * Applies {@code intervention} (ignored by a plain graph), runs the rest of the model on the
     * label positions and declares the outputs.
     *
     * @param withLoss add the {@link FeedSchema#EXAMPLE_WEIGHTS} input and compute the weighted loss
     * @param labelLogits also output the label-position logits
     */
    public Outputs finish(Intervention intervention, boolean withLoss, boolean labelLogits) {
        if (finished) {
            throw new GraphBuildException("InterventionGraph: finish() was already called");
        }
        finished = true;
        Value edited = plain ? baseResidual : intervention.apply(baseResidual, sourceResidual, sites);
        LlamaConfig c = llama.config();
        Value last = llama.blocks(layer, c.numHiddenLayers(), edited, baseContext);
        DType dt = llama.dtype();
        Value labels = graph.input(FeedSchema.LABEL_IDS);
        Value labelPositions = graph.input(FeedSchema.LABEL_POSITIONS);
        Value labelMask = graph.input(FeedSchema.LABEL_MASK).cast(dt);
        Value weights = withLoss ? graph.input(FeedSchema.EXAMPLE_WEIGHTS, dt)
                : labelMask.reduceMax(false, 1).mul(0.0).add(1.0);
        Value logits = llama.lmHead(llama.finalNorm(TokenPositions.gather(last, labelPositions)));
        CrossEntropy ce = CrossEntropy.ofLabelLogits(logits, labels, labelMask, weights, FeedSchema.SCORED_LABEL_TOKENS);
        graph.output(PREDICTIONS, ce.predictions());
        graph.output(CORRECT, ce.firstKCorrect());
        if (labelLogits) {
            graph.output(LABEL_LOGITS, logits);
        }
        return new Outputs(withLoss ? ce.loss() : null, ce.predictions(), ce.firstKCorrect(), logits);
    }
}
