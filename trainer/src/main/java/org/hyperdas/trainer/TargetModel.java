package org.hyperdas.trainer;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.batch.MaskVisibility;
import org.hyperdas.evaluation.scoring.LabelTokens;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;

/**
 * The frozen target model of an interpretability run: an HF Llama folder whose weights every
 * graph reads in place, as external-data initializers pointing into its safetensors files, plus
 * the engine that opens sessions over them and the tokenizer that batches pairs for them.
 */
public final class TargetModel implements AutoCloseable {
    private final HfModel model;
    private final OrtEngine engine;
    private final LlamaWeights weights;
    private final MaskVisibility visibility;
    private final LabelTokens labelTokens;

    private TargetModel(HfModel model, OrtEngine engine, MaskVisibility visibility, LabelTokens labelTokens) {
        this.model = model;
        this.engine = engine;
        this.weights = LlamaWeights.external(model.weights());
        this.visibility = visibility;
        this.labelTokens = labelTokens;
    }

    /** Opens and checks the folder ({@code BadInputException} naming what is wrong); reference protocol. */
    public static TargetModel open(Path folder, OrtEngine engine) {
        return open(folder, engine, MaskVisibility.ENTITY, LabelTokens.ALL);
    }

    /**
     * Opens the folder for a run whose batches use {@code visibility} for the intervention masks
     * and whose scoring and knowledge filter count an example right when {@code labelTokens} are.
     */
    public static TargetModel open(Path folder, OrtEngine engine, MaskVisibility visibility, LabelTokens labelTokens) {
        return new TargetModel(HfModel.open(folder), engine, visibility, labelTokens);
    }

    /** What the intervention masks of this run's batches cover. */
    public MaskVisibility visibility() {
        return visibility;
    }

    /** The label tokens that must be right for an example to count (scoring, knowledge filter). */
    public LabelTokens labelTokens() {
        return labelTokens;
    }

    public Path folder() {
        return model.folder();
    }

    public LlamaConfig config() {
        return model.config();
    }

    public int hiddenSize() {
        return model.config().hiddenSize();
    }

    public int layers() {
        return model.config().numHiddenLayers();
    }

    public HfTokenizer tokenizer() {
        return model.tokenizer();
    }

    /** The frozen weights, as external data; graphs built with them need {@link #session}. */
    public LlamaWeights weights() {
        return weights;
    }

    /** The safetensors files of the model (to read tensors, e.g. to copy into a hypernetwork). */
    public org.hyperdas.runtime.safetensors.WeightStore weightStore() {
        return model.weights();
    }

    public OrtEngine engine() {
        return engine;
    }

    /** A session over a graph built with {@link #weights()}. */
    public OrtSession session(Graph graph) throws OrtException {
        return session(graph.toBytes());
    }

    /** A session over a serialized model built with {@link #weights()}. */
    public OrtSession session(byte[] modelBytes) throws OrtException {
        return engine.session(modelBytes, weights.externalDataFolder().orElseThrow());
    }

    /**
     * A batcher for this model's tokenizer: batches of {@code batchSize}, every label token kept,
     * padding with EOS, this run's mask visibility; it does not skip pairs by their knows_it flag
     * (the caller filters).
     */
    public Batcher batcher(int batchSize) {
        return new Batcher(tokenizer(), Batcher.Options.defaults(tokenizer()).withBatchSize(batchSize)
                .withOnlyKnown(false).withMaxPositions(model.config().maxPositionEmbeddings()).withVisibility(visibility));
    }

    @Override
    public void close() {
        model.close();
    }
}
