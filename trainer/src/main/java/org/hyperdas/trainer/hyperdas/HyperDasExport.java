package org.hyperdas.trainer.hyperdas;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.export.ExportSource;
import org.hyperdas.export.GraphSpec;
import org.hyperdas.export.MethodExporter;
import org.hyperdas.export.RunSettings;
import org.hyperdas.export.TrainedExport;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.hyperdas.Ablations;
import org.hyperdas.graphs.hyperdas.HouseholderSubspace;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.HyperNetwork;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.graphs.hyperdas.MaskSubspace;
import org.hyperdas.graphs.hyperdas.SelectionHead;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * The export of a HyperDAS run: the hypernetwork's tensors beside the target's, one intervened
 * graph per trained selection mode ({@code intervened-MODE.onnx}, spec hyperdas-intervened: the
 * logits at the fed logit positions, the selection and the subspace) and {@code hypernetwork.onnx} (spec
 * hyperdas-hypernetwork: the soft selection and the subspace alone). A hyperdas run folder groups
 * one run folder per mode ({@link HyperDasMethod#LABELS}); each becomes one exported mode.
 */
public final class HyperDasExport implements MethodExporter {
    public static final String HYPERNETWORK_FILE = "hypernetwork.onnx";

    /**
     * The mode names of the exportable HyperDAS selection modes, as in the file names and the
     * manifest: every trained mode but GROUNDTRUTH, whose selection needs each pair's entity
     * positions, which an exported graph is not given.
     */
    public static final Map<SelectionMode, String> MODES;

    static {
        Map<SelectionMode, String> m = new LinkedHashMap<>();
        HyperDasMethod.LABELS.forEach((mode, label) -> {
            if (mode != SelectionMode.GROUNDTRUTH) {
                m.put(mode, label.substring(HyperDasMethod.NAME.length() + 1));
            }
        });
        MODES = Collections.unmodifiableMap(m);
    }

    /** The file of a HyperDAS mode's intervened graph, e.g. {@code intervened-soft.onnx}. */
    public static String intervenedFile(String mode) {
        return "intervened-" + mode + ".onnx";
    }

    @Override
    public String method() {
        return HyperDasMethod.NAME;
    }

    @Override
    public boolean hasSubspace() {
        return true;
    }

    @Override
    public List<String> groupedRuns() {
        return groupedRuns(MODES);
    }

    @Override
    public TrainedExport read(ExportSource source, RunSettings settings, LlamaConfig target, WeightStore parameters) {
        if (source.first().config().has(PerTypeRuns.PER_TYPE_RUNS)) {
            throw BadInputException.file(source.first().folder(), "holds the merged predictions of a per-type run"
                    + " (one hypernetwork per entity type); export one type's run: "
                    + source.first().config().get(PerTypeRuns.PER_TYPE_RUNS));
        }
        HyperDasConfig config = hyperDasConfig(target, settings.layer(), settings.k(), parameters,
                source.parameters());
        return new Trained(config, source.runs(), target, parameters);
    }

    /** A read HyperDAS model: its configuration and its runs (one per mode), in export order. */
    private record Trained(HyperDasConfig config, List<RunFolder.Run> runs, LlamaConfig target,
            WeightStore parameters) implements TrainedExport {
        @Override
        public Integer hypernetLayers() {
            return config.hypernetLayers();
        }

        @Override
        public void addTensors(SafetensorsWriter weights) {
            for (Map.Entry<String, long[]> e : HyperDasParameters.shapes(target, config).entrySet()) {
                weights.add(e.getKey(), org.hyperdas.runtime.safetensors.DType.F32, e.getValue(),
                        parameters.bytes(e.getKey()));
            }
        }

        @Override
        public void writeGraphs(GraphWeights w, GraphSink sink) throws IOException {
            HyperDasGraphs hd = new HyperDasGraphs(w.target(), w.targetWeights(), config, DType.FLOAT32,
                    LlamaWeights.external(w.store(), HyperDasParameters.HYPERNET), w.targetWeights());
            for (RunFolder.Run r : runs) {
                SelectionMode mode = mode(r);
                String name = MODES.get(mode);
                Graph g = new Graph("hyperdas_intervened_" + name.replace('-', '_'));
                HyperDasGraphs.Model m = hd.build(g, mode, false, false, g.input(FeedSchema.LOGIT_POSITIONS));
                g.output(HyperDasGraphs.LOGITS, m.logits());
                g.output(HyperDasGraphs.SELECTION, m.selection());
                g.output(HyperDasGraphs.SUBSPACE, m.subspace());
                sink.write(intervenedFile(name), g, GraphSpec.HYPERDAS_INTERVENED, name);
            }
            Graph g = new Graph("hyperdas_hypernetwork");
            HyperDasGraphs.Model m = hd.build(g, SelectionMode.SOFT, false, false);
            g.output(HyperDasGraphs.SELECTION, m.selection());
            g.output(HyperDasGraphs.SUBSPACE, m.subspace());
            sink.write(HYPERNETWORK_FILE, g, GraphSpec.HYPERDAS_HYPERNETWORK, null);
        }
    }

    private static SelectionMode mode(RunFolder.Run r) {
        if (HyperDasMethod.LABELS.get(SelectionMode.GROUNDTRUTH).equals(r.method())) {
            throw BadInputException.file(r.folder(), "a hyperdas-groundtruth run cannot be exported: its selection"
                    + " comes from each pair's entity positions, which an exported graph is not given; export the"
                    + " hyperdas run folder (or one of " + String.join(", ", groupedRuns(MODES)) + ") instead");
        }
        for (Map.Entry<SelectionMode, String> e : HyperDasMethod.LABELS.entrySet()) {
            if (e.getValue().equals(r.method())) {
                return e.getKey();
            }
        }
        throw BadInputException.field(r.folder().resolve(RunFolder.CONFIG), "method",
                "one of " + groupedRuns(MODES), r.method());
    }

    private static List<String> groupedRuns(Map<SelectionMode, String> modes) {
        return modes.keySet().stream().map(HyperDasMethod.LABELS::get).toList();
    }

    /**
     * The HyperDAS configuration the parameters were trained with: layer and k from the run, the
     * hypernetwork depth, selection heads and Householder MLP size from the tensors' shapes, and a
     * frozen embedding from the absence of the hypernetwork's own (a run saved before the option
     * existed holds it: trainable).
     */
    /**
     * The ablations a parameters file shows by its tensors: which cross-attentions the hypernetwork
     * has and which per-example subspace MLP (Householder, mask or none). scratch-init and
     * random-order change only training, so an evaluation graph is the same without them.
     */
    static Ablations structuralAblations(WeightStore params) {
        String layer0 = HyperDasParameters.HYPERNET + "model.layers.0.";
        boolean noSource = params.find(layer0 + HyperNetwork.SOURCE_CROSS + "_layernorm.weight").isEmpty();
        boolean noBase = params.find(layer0 + HyperNetwork.BASE_CROSS + "_layernorm.weight").isEmpty();
        Ablations.Subspace subspace = params.find(HyperDasParameters.HYPERNET + HouseholderSubspace.GATE).isPresent()
                ? Ablations.Subspace.HOUSEHOLDER
                : params.find(HyperDasParameters.HYPERNET + MaskSubspace.GATE).isPresent() ? Ablations.Subspace.MASK
                : Ablations.Subspace.PLAIN;
        return new Ablations(noSource, noBase, false, false, subspace);
    }

    public static HyperDasConfig hyperDasConfig(LlamaConfig target, int layer, int k, WeightStore params, Path file) {
        int layers = 0;
        while (params.find(HyperDasParameters.HYPERNET + "model.layers." + layers + ".input_layernorm.weight")
                .isPresent()) {
            layers++;
        }
        TensorInfo q = required(params, file, HyperDasParameters.HYPERNET + SelectionHead.Q_PROJ);
        Ablations ablations = structuralAblations(params);
        TensorInfo gate = switch (ablations.subspace()) {
            case HOUSEHOLDER -> required(params, file, HyperDasParameters.HYPERNET + HouseholderSubspace.GATE);
            case MASK -> required(params, file, HyperDasParameters.HYPERNET + MaskSubspace.GATE);
            case PLAIN -> null;
        };
        HypernetEmbedding embedding = params.find(HyperDasParameters.HYPERNET + HyperDasParameters.EMBEDDING)
                .isPresent() ? HypernetEmbedding.TRAINABLE : HypernetEmbedding.FROZEN;
        HyperDasConfig config;
        try {
            config = HyperDasConfig.defaults(target).withLayer(layer).withSubspaceDim(k).withHypernetLayers(layers)
                    .withSelectionHeads((int) (q.dim(0) / target.headDim()))
                    .withHouseholderIntermediate(gate == null ? target.intermediateSize() : (int) gate.dim(0))
                    .withAblations(ablations).withHypernetEmbedding(embedding).validate(target);
        } catch (GraphBuildException e) {
            throw BadInputException.file(file, "does not describe a HyperDAS model of this target: " + e.getMessage());
        }
        for (Map.Entry<String, long[]> e : HyperDasParameters.shapes(target, config).entrySet()) {
            TensorInfo t = required(params, file, e.getKey());
            if (!t.hasShape(e.getValue()) || t.dtype() != org.hyperdas.runtime.safetensors.DType.F32) {
                throw BadInputException.field(file, e.getKey(), "F32" + TensorInfo.shapeString(e.getValue()),
                        t.dtype() + TensorInfo.shapeString(t.shape()));
            }
        }
        return config;
    }

    private static TensorInfo required(WeightStore params, Path file, String name) {
        return params.find(name).orElseThrow(() -> BadInputException.field(file, name, "a tensor of the trained model",
                "no such tensor"));
    }
}
