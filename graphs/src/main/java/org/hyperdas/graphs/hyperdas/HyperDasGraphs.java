package org.hyperdas.graphs.hyperdas;

import java.util.ArrayList;
import java.util.List;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaBuilder;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.CrossEntropy;
import org.hyperdas.graphs.nn.TokenPositions;
import org.hyperdas.graphs.optim.AdamWConfig;
import org.hyperdas.graphs.optim.ParamGroup;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;

/**
 * Whole HyperDAS graphs: the frozen target (initializers: external data into its safetensors, or
 * inline), the hypernetwork, selection head, subspace and intervention, and the loss.
 *
 * <pre>
 *   HyperDasGraphs graphs = new HyperDasGraphs(target, LlamaWeights.external(store), config, DType.FLOAT32);
 *   TrainingGraph training = graphs.training();            // one AdamW step per run
 *   Map&lt;String, float[]&gt; init = HyperDasParameters.initialFloats(target, config, HyperDasParameters.reader(store));
 *   try (TrainStep step = training.open(engine, init)) { ... step.step(batch) ... }
 *   Graph eval = graphs.evaluation(SelectionMode.ONE_TO_ONE); // parameters are inputs of the same names
 * </pre>
 *
 * <p><b>Inputs</b> (int64 unless noted; the names and meanings of the evaluation module's PairBatch):
 * <table>
 *   <caption>inputs</caption>
 *   <tr><td>{@link FeedSchema#BASE_IDS}, {@link FeedSchema#BASE_MASK}, {@link FeedSchema#BASE_INTERVENTION_MASK}</td><td>[batch, base_seq]</td>
 *       <td>BOS + base prompt + label tokens; attention mask; 1 on the positions the
 *       intervention may write and the hypernetwork may see (BOS .. last entity token)</td></tr>
 *   <tr><td>{@link FeedSchema#SOURCE_IDS}, {@link FeedSchema#SOURCE_MASK}, {@link FeedSchema#SOURCE_INTERVENTION_MASK}</td>
 *       <td>[batch, source_seq]</td><td>the same for the source prompt</td></tr>
 *   <tr><td>{@link FeedSchema#INSTRUCTION_IDS}, {@link FeedSchema#INSTRUCTION_MASK}</td><td>[batch, instruction_seq]</td>
 *       <td>"&lt;base entity&gt; ; &lt;source entity&gt; - &lt;Attribute&gt;", BOS first</td></tr>
 *   <tr><td>{@link FeedSchema#HYPERDAS_LABEL_IDS}, {@link FeedSchema#HYPERDAS_LABEL_MASK}, {@link FeedSchema#HYPERDAS_LABEL_POSITIONS}</td><td>[batch, label_len]</td>
 *       <td>label tokens; 1 on real ones; the base position whose logits predict each</td></tr>
 *   <tr><td>{@link FeedSchema#IS_CAUSE} (training)</td><td>[batch]</td><td>1 cause (weight causalWeight), 0 isolate</td></tr>
 *   <tr><td>{@link FeedSchema#SPARSITY_WEIGHT} (training; compute dtype)</td><td>[]</td>
 *       <td>{@link HyperDasConfig#sparsityWeight} of the step</td></tr>
 *   <tr><td>{@link FeedSchema#SUBSPACE_TEMPERATURE}, {@link FeedSchema#PAIR_ORDER_SWAPPED} (training, only
 *       with the mask-subspace or random-order ablation)</td><td>[]</td><td>the step's mask temperature;
 *       1 for [source ; base] pair features</td></tr>
 *   <tr><td>{@link FeedSchema#SELECTION_INPUT} (mode GIVEN; compute dtype)</td><td>[batch, source_seq+1, base_seq]</td>
 *       <td>the selection to use</td></tr>
 *   <tr><td>the parameters ({@link HyperDasParameters})</td><td></td><td>TrainStep slots when training</td></tr>
 * </table>
 * The training graph also has TrainingGraph's {@code lr_scale} (feed 1 for constant rates) and
 * {@code step}.
 *
 * <p><b>Outputs.</b> Training: {@code loss} = weighted label cross-entropy + sparsity_weight x
 * penalty, {@code grad_norm}, metrics {@value #CE_LOSS}, {@value #SPARSITY_PENALTY},
 * {@value #ACCURACY} (fraction of examples whose first accuracyTokens label tokens are all
 * argmax-right), and the parameters' next values. Evaluation: {@value #LABEL_LOGITS}
 * [batch, label_len, vocab], {@value #PREDICTIONS} int64 [batch, label_len], {@value #CORRECT}
 * bool [batch], {@value #TOKEN_NLL} [batch, label_len], {@value #SELECTION} [batch, source_seq+1,
 * base_seq] (the W the intervention used: soft, hard 0/1 or given; row S is SELF),
 * {@value #SUBSPACE} R' [batch, hidden, k], and with full logits {@value #LOGITS}
 * [batch, base_seq, vocab].
 *
 * <p><b>Loss</b> (HYPERDAS.md "Training"): CrossEntropy.atPositions's weighted mean over label
 * tokens with weights causalWeight / isolateWeight, plus
 * {@code sparsity_weight * mean_b sum_i rowsum_i [rowsum_i > 1]}, {@code rowsum_i = sum_j W[i, j]}
 * over the source rows (SELF excluded).
 */
public final class HyperDasGraphs {


    public static final String CE_LOSS = "ce_loss";
    public static final String SPARSITY_PENALTY = "sparsity_penalty";
    public static final String ACCURACY = "accuracy";
    public static final String LABEL_LOGITS = "label_logits";
    public static final String PREDICTIONS = "predictions";
    public static final String CORRECT = "correct";
    public static final String TOKEN_NLL = "token_nll";
    public static final String SELECTION = "selection";
    public static final String SUBSPACE = "subspace";
    public static final String LOGITS = "logits";

    private final LlamaConfig target;
    private final LlamaWeights targetWeights;
    private final HyperDasConfig config;
    private final DType dtype;
    private final LlamaWeights hypernetWeights;
    private final LlamaWeights rotationWeights;

    /**
     * What {@link #build} made. Values that the chosen pieces do not produce are null.
     *
     * @param selection W [batch, S+1, T_b] as the intervention used it
     * @param subspace R' [batch, hidden, k] ([1, hidden, k] for the plain and mask subspace ablations)
     * @param rotation R [hidden, k]
     * @param intervened h' [batch, T_b, hidden], the residual entering block L after the intervention
     * @param labelLogits [batch, label_len, vocab]
     * @param crossEntropy loss (weighted when training, else weight 1), token NLL, predictions, flags
     * @param sparsityPenalty rank 0 (training)
     * @param loss rank 0: cross-entropy + sparsity_weight x penalty (training)
     * @param logits [batch, T_b, vocab], or [batch, positions, vocab] at given positions (when asked for)
     */
    public record Model(Value selection, Value subspace, Value rotation, Value intervened, Value labelLogits,
            CrossEntropy crossEntropy, Value sparsityPenalty, Value loss, Value logits) {
    }

    /**
     * Hypernetwork and R as graph parameters of {@code dtype} (the hypernetwork's under
     * {@value HyperDasParameters#HYPERNET}).
     *
     * @param targetWeights the frozen target (external or inline)
     * @param dtype compute dtype, FLOAT32 (training) or FLOAT64 (checks)
     */
    public HyperDasGraphs(LlamaConfig target, LlamaWeights targetWeights, HyperDasConfig config, DType dtype) {
        this(target, targetWeights, config, dtype, LlamaWeights.inputs(dtype).prefixed(HyperDasParameters.HYPERNET));
    }

    /** With the hypernetwork's weights from elsewhere (inline trained values, say), by unprefixed name. */
    public HyperDasGraphs(LlamaConfig target, LlamaWeights targetWeights, HyperDasConfig config, DType dtype,
            LlamaWeights hypernetWeights) {
        this(target, targetWeights, config, dtype, hypernetWeights, null);
    }

    /**
     * With every trained tensor from elsewhere: the hypernetwork's by unprefixed name, and R's
     * Householder vectors {@value HouseholderSubspace#ROTATION} from {@code rotationWeights}
     * (e.g. frozen initializers of an exported model); null keeps them a graph parameter.
     */
    public HyperDasGraphs(LlamaConfig target, LlamaWeights targetWeights, HyperDasConfig config, DType dtype,
            LlamaWeights hypernetWeights, LlamaWeights rotationWeights) {
        if (targetWeights.areInputs()) {
            throw new GraphBuildException("HyperDAS: the target must be frozen (external or inline weights)");
        }
        this.target = target;
        this.targetWeights = targetWeights;
        this.config = config.validate(target);
        this.dtype = dtype;
        this.hypernetWeights = hypernetWeights;
        this.rotationWeights = rotationWeights;
    }

    public HyperDasConfig config() {
        return config;
    }

    public LlamaConfig target() {
        return target;
    }

    /** The training step: SOFT selection, loss and metrics, AdamW over the two groups, clipping, fed lr factor. */
    public TrainingGraph training() {
        Graph g = new Graph("hyperdas_train");
        Model m = build(g, SelectionMode.SOFT, true, false);
        TrainingGraph.Builder b = TrainingGraph.builder(m.loss())
                .group(new ParamGroup(HyperDasParameters.HYPERNET_GROUP, config.hypernetLr(),
                        config.hypernetWeightDecay()))
                .group(new ParamGroup(HyperDasParameters.ROTATION_GROUP, config.rotationLr(),
                        config.rotationWeightDecay()))
                .optimizer(new AdamWConfig(config.adamBeta1(), config.adamBeta2(), config.adamEps()))
                .clipNorm(config.clipNorm())
                .scheduledLr(true)
                .metric(CE_LOSS, m.crossEntropy().loss())
                .metric(SPARSITY_PENALTY, m.sparsityPenalty())
                .metric(ACCURACY, accuracy(m.crossEntropy()));
        for (Value p : g.parameters()) {
            b.params(HyperDasParameters.isRotation(p.name()) ? HyperDasParameters.ROTATION_GROUP
                    : HyperDasParameters.HYPERNET_GROUP, p);
        }
        return b.build();
    }

    /** An evaluation graph for {@code mode} without full logits. */
    public Graph evaluation(SelectionMode mode) {
        return evaluation(mode, false);
    }

    /**
     * An evaluation graph for {@code mode}; see the class comment for its outputs. GROUNDTRUTH
     * builds the GIVEN graph (its selection is fed).
     */
    public Graph evaluation(SelectionMode mode, boolean fullLogits) {
        Graph g = new Graph("hyperdas_eval_" + mode.graphMode().name().toLowerCase());
        Model m = build(g, mode, false, fullLogits);
        g.output(LABEL_LOGITS, m.labelLogits());
        g.output(PREDICTIONS, m.crossEntropy().predictions());
        g.output(CORRECT, m.crossEntropy().firstKCorrect());
        g.output(TOKEN_NLL, m.crossEntropy().tokenNll());
        g.output(SELECTION, m.selection());
        g.output(SUBSPACE, m.subspace());
        if (fullLogits) {
            g.output(LOGITS, m.logits());
        }
        return g;
    }

    /**
     * Declares the inputs in {@code g} and builds the model into it (no outputs declared).
     *
     * @param withLoss declare {@link FeedSchema#IS_CAUSE} and {@link FeedSchema#SPARSITY_WEIGHT} and build the loss
     * @param fullLogits also compute the logits at every base position
     */
    public Model build(Graph g, SelectionMode mode, boolean withLoss, boolean fullLogits) {
        return build(g, mode, withLoss, fullLogits, null);
    }

    /**
     * {@link #build(Graph, SelectionMode, boolean, boolean)}; with {@code logitPositions} (int64
     * [batch, positions], each in [0, base_seq)) not null, {@link Model#logits} are the logits at
     * those base positions only, [batch, positions, vocab]: the final norm and the LM head run on
     * the gathered states (the exported graphs).
     */
    public Model build(Graph g, SelectionMode mode, boolean withLoss, boolean fullLogits, Value logitPositions) {
        Value baseIds = g.input(FeedSchema.BASE_IDS);
        Value baseMask = g.input(FeedSchema.BASE_MASK);
        Value baseVisible = g.input(FeedSchema.BASE_INTERVENTION_MASK);
        Value sourceIds = g.input(FeedSchema.SOURCE_IDS);
        Value sourceMask = g.input(FeedSchema.SOURCE_MASK);
        Value sourceVisible = g.input(FeedSchema.SOURCE_INTERVENTION_MASK);
        Value instructionIds = g.input(FeedSchema.INSTRUCTION_IDS);
        Value instructionMask = g.input(FeedSchema.INSTRUCTION_MASK);
        Value labels = g.input(FeedSchema.HYPERDAS_LABEL_IDS);
        Value labelMask = g.input(FeedSchema.HYPERDAS_LABEL_MASK);
        Value labelPositions = g.input(FeedSchema.HYPERDAS_LABEL_POSITIONS);
        Value isCause = withLoss ? g.input(FeedSchema.IS_CAUSE) : null;
        Value sparsityWeight = withLoss ? g.input(FeedSchema.SPARSITY_WEIGHT, dtype) : null;
        Value given = mode.graphMode() == SelectionMode.GIVEN
                ? g.input(FeedSchema.SELECTION_INPUT, dtype) : null;

        int layer = config.layer();
        LlamaBuilder llama = new LlamaBuilder(g, target, targetWeights, dtype);
        LlamaBuilder.Context baseContext;
        Run base;
        Run source;
        try (Graph.Scope s = g.scope("base")) {
            baseContext = llama.context(baseMask);
            base = run(llama, baseIds, baseContext);
        }
        try (Graph.Scope s = g.scope("source")) {
            source = run(llama, sourceIds, llama.context(sourceMask));
        }
        HiddenStateMemory baseMemory = HiddenStateMemory.of(base.hidden(), baseVisible);
        HiddenStateMemory sourceMemory = HiddenStateMemory.of(source.hidden(), sourceVisible);

        HyperNetwork hypernet = new HyperNetwork(g, target, config, hypernetWeights, targetWeights, dtype);
        HyperNetwork.Output z = hypernet.apply(instructionIds, instructionMask, sourceMemory, baseMemory);

        Value selection = switch (mode) {
            case GIVEN, GROUNDTRUTH -> given;
            case SOFT, ONE_TO_MANY, ONE_TO_ONE, GLOBAL_ARGMAX -> {
                Value soft = SelectionHead.weights(target, config, hypernetWeights, base.hidden().get(layer),
                        baseVisible, source.hidden().get(layer), sourceVisible, z, pairOrderSwapped(g, withLoss));
                yield switch (mode) {
                    case ONE_TO_MANY -> SelectionHead.oneToMany(soft);
                    case ONE_TO_ONE -> SelectionHead.oneToOne(soft, sourceIds, config.selfClamp());
                    case GLOBAL_ARGMAX -> SelectionHead.globalArgmax(soft, sourceIds);
                    default -> soft;
                };
            }
        };

        Subspace sub = subspace(g, z, withLoss);
        Value intervened = HyperDasIntervention.apply(base.residuals().get(layer), source.residuals().get(layer),
                selection, sub.subspace(), sub.coordinateWeights());
        Value last;
        try (Graph.Scope s = g.scope("suffix")) {
            last = llama.blocks(layer, target.numHiddenLayers(), intervened, baseContext);
        }
        Value labelLogits = llama.lmHead(llama.finalNorm(TokenPositions.gather(last, labelPositions)));
        Value logits = logitPositions != null
                ? llama.lmHead(llama.finalNorm(TokenPositions.gather(last, logitPositions)))
                : fullLogits ? llama.lmHead(llama.finalNorm(last)) : null;

        Value labelWeights = labelMask.cast(dtype);
        Value exampleWeights = withLoss
                ? g.where(isCause.equal(g.scalar(1, DType.INT64)), g.scalar(config.causalWeight(), dtype),
                        g.scalar(config.isolateWeight(), dtype))
                : g.constantOfShape(labels.shapeTensor(0, 1), 1, dtype); // [batch] of ones
        CrossEntropy ce = CrossEntropy.ofLabelLogits(labelLogits, labels, labelWeights, exampleWeights,
                config.accuracyTokens());
        Value penalty = null;
        Value loss = null;
        if (withLoss) {
            penalty = sparsityPenalty(selection, sourceIds);
            loss = ce.loss().add(sparsityWeight.mul(penalty));
        }
        return new Model(selection, sub.subspace(), sub.rotation(), intervened, labelLogits, ce, penalty, loss, logits);
    }

    /** The random-order ablation's coin, fed in training (null: base-first, the full model's order). */
    private Value pairOrderSwapped(Graph g, boolean training) {
        return training && config.ablations().randomOrder() ? g.input(FeedSchema.PAIR_ORDER_SWAPPED) : null;
    }

    /**
     * The intervention's subspace: R [d, k], R' ([batch, d, k], or [1, d, k] shared by the batch)
     * and the per-coordinate weights [batch, k] of the mask variant (else null).
     */
    private record Subspace(Value rotation, Value subspace, Value coordinateWeights) {
    }

    /** R from its Householder vectors, then the variant of {@link Ablations#subspace()}. */
    private Subspace subspace(Graph g, HyperNetwork.Output z, boolean training) {
        Value vectors = rotationWeights == null
                ? g.parameter(HouseholderSubspace.ROTATION, dtype, Shape.of(config.subspaceDim(), target.hiddenSize()))
                : rotationWeights.get(g, HouseholderSubspace.ROTATION,
                        new long[] {config.subspaceDim(), target.hiddenSize()}, dtype);
        Value rotation = HouseholderSubspace.rotation(vectors);
        return switch (config.ablations().subspace()) {
            case HOUSEHOLDER -> new Subspace(rotation, HouseholderSubspace.reflect(rotation,
                    HouseholderSubspace.reflectionVector(target, config, hypernetWeights, z.last())), null);
            case PLAIN -> new Subspace(rotation, rotation.unsqueeze(0), null);
            case MASK -> {
                Value temperature = training ? g.input(FeedSchema.SUBSPACE_TEMPERATURE, dtype)
                        : g.scalar(Ablations.TEMPERATURE_END, dtype);
                yield new Subspace(rotation, rotation.unsqueeze(0),
                        MaskSubspace.mask(target, config, hypernetWeights, z.last(), temperature));
            }
        };
    }

    /** {@code mean_b sum_i rowsum_i [rowsum_i > 1]} with rowsum over the base columns of each source row. */
    public static Value sparsityPenalty(Value selection, Value source) {
        Graph g = selection.graph();
        try (Graph.Scope s = g.scope("sparsity")) {
            Value rows = SelectionHead.splitSelf(selection, source).get(0).reduceSum(false, 2); // [B, S]
            Value over = g.where(rows.greater(g.scalar(1, rows.dtype())), rows, g.scalar(0, rows.dtype()));
            return over.reduceSum(false, 1).reduceMean(false, 0);
        }
    }

    private static Value accuracy(CrossEntropy ce) {
        Value flags = ce.firstKCorrect();
        DType dt = ce.loss().dtype();
        return flags.cast(dt).reduceMean(false, 0);
    }

    /**
     * One target run: residuals[l] = the residual entering block l (l = 0..n, the last before the
     * final norm) and hidden = HF's hidden_states (the last after the final norm).
     */
    private record Run(List<Value> residuals, List<Value> hidden) {
    }

    private Run run(LlamaBuilder llama, Value ids, LlamaBuilder.Context context) {
        List<Value> residuals = new ArrayList<>();
        residuals.add(llama.embed(ids));
        for (int i = 0; i < target.numHiddenLayers(); i++) {
            residuals.add(llama.block(i, residuals.get(i), context));
        }
        List<Value> hidden = new ArrayList<>(residuals);
        hidden.set(hidden.size() - 1, llama.finalNorm(residuals.get(residuals.size() - 1)));
        return new Run(residuals, hidden);
    }
}
