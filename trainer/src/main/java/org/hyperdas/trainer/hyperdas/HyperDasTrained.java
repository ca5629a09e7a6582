package org.hyperdas.trainer.hyperdas;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.LengthSortedEvaluation;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.TrainedIntervention;

/** A trained hypernetwork: evaluation sessions per selection mode, opened when first used. */
public final class HyperDasTrained implements TrainedIntervention {
    private final TargetModel target;
    private final HyperDasGraphs graphs;
    private final Map<String, long[]> shapes;
    private final int evalBatchSize;
    private final Map<SelectionMode, OrtSession> sessions = new EnumMap<>(SelectionMode.class);
    private final Map<String, Object> details = new LinkedHashMap<>();
    private Map<String, float[]> parameters;
    private boolean monitorDuringTraining = true;
    private final Map<String, OnnxTensor> parameterTensors = new LinkedHashMap<>();

    HyperDasTrained(TargetModel target, HyperDasGraphs graphs, Map<String, long[]> shapes, int evalBatchSize) {
        this.target = target;
        this.graphs = graphs;
        this.shapes = shapes;
        this.evalBatchSize = evalBatchSize;
    }

    /** The trained parameters by graph name (copies). */
    public Map<String, float[]> parameters() {
        Map<String, float[]> m = new LinkedHashMap<>();
        parameters.forEach((k, v) -> m.put(k, v.clone()));
        return m;
    }

    public HyperDasConfig config() {
        return graphs.config();
    }

    void addDetails(Map<String, Object> d) {
        details.putAll(d);
    }

    void setParameters(Map<String, float[]> p) throws OrtException {
        closeParameterTensors();
        parameters = p;
        for (Map.Entry<String, float[]> e : p.entrySet()) {
            parameterTensors.put(e.getKey(), Tensors.tensor(Tensors.floatsOf(e.getValue()), shapes.get(e.getKey())));
        }
    }

    OrtSession session(SelectionMode mode) throws OrtException {
        SelectionMode graphMode = mode.graphMode();
        OrtSession s = sessions.get(graphMode);
        if (s == null && !monitorDuringTraining) {
            // Large target: each session holds its own float32 copy of the target; keep one open.
            for (OrtSession open : sessions.values()) {
                open.close();
            }
            sessions.clear();
        }
        if (s == null) {
            s = target.session(graphs.evaluation(graphMode));
            sessions.put(graphMode, s);
        }
        return s;
    }

    /** The batch's feeds in {@code mode}: the inputs, the parameters and, for GROUNDTRUTH, its selection. */
    private Map<String, OnnxTensor> evaluationFeeds(SelectionMode mode, PairBatch batch, List<OnnxTensor> created)
            throws OrtException {
        Map<String, OnnxTensor> f = HyperDasMethod.feeds(batch, false, created);
        f.putAll(parameterTensors);
        if (mode == SelectionMode.GROUNDTRUTH) {
            OnnxTensor w = Tensors.tensor(Tensors.floatsOf(GroundTruthSelection.of(batch)),
                    GroundTruthSelection.shape(batch));
            created.add(w);
            f.put(FeedSchema.SELECTION_INPUT.name(), w);
            // The GIVEN graph has no selection head: feed only the inputs it declares.
            f.keySet().retainAll(session(mode).getInputNames());
        }
        return f;
    }

    /**
     * Whether {@link #monitor(PairBatch, TrainStep)} runs during training (else it gives NaN, and,
     * for a large target, at most one evaluation session is open at a time).
     */
    void monitorDuringTraining(boolean on) {
        monitorDuringTraining = on;
    }

    /**
     * Soft-mode accuracy of the monitor batch with the step's current parameters: {cause,
     * isolate}; NaN when monitoring during training is off.
     */
    double[] monitor(PairBatch batch, TrainStep step) throws OrtException {
        if (!monitorDuringTraining) {
            return new double[] {Double.NaN, Double.NaN};
        }
        Map<String, OnnxTensor> params = new HashMap<>();
        for (String name : shapes.keySet()) {
            // The step's own tensor: no parameter-sized copy per monitor call.
            params.put(name, step.currentTensor(name));
        }
        return monitor(batch, params);
    }

    /** {@link #monitor(PairBatch, TrainStep)} with the trained parameters. */
    double[] monitor(PairBatch batch) throws OrtException {
        return monitor(batch, parameterTensors);
    }

    private double[] monitor(PairBatch batch, Map<String, OnnxTensor> params) throws OrtException {
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> f = HyperDasMethod.feeds(batch, false, created);
            f.putAll(params);
            boolean[] correct = run(session(SelectionMode.SOFT), f, batch.size()).correct;
            int[] right = new int[2];
            int[] n = new int[2];
            for (int i = 0; i < batch.size(); i++) {
                int kind = batch.pairs().get(i).kind() == PairKind.CAUSE ? 0 : 1;
                n[kind]++;
                right[kind] += correct[i] ? 1 : 0;
            }
            return new double[] {n[0] == 0 ? Double.NaN : (double) right[0] / n[0],
                    n[1] == 0 ? Double.NaN : (double) right[1] / n[1]};
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    private record Out(long[] predictions, int labels, boolean[] correct, float[] selection, long[] selShape) {
    }

    private static Out run(OrtSession session, Map<String, OnnxTensor> feeds, int n) throws OrtException {
        return run(session, feeds, n, false);
    }

    private static Out run(OrtSession session, Map<String, OnnxTensor> feeds, int n, boolean selection)
            throws OrtException {
        Set<String> outputs = selection
                ? Set.of(HyperDasGraphs.PREDICTIONS, HyperDasGraphs.CORRECT, HyperDasGraphs.SELECTION)
                : Set.of(HyperDasGraphs.PREDICTIONS, HyperDasGraphs.CORRECT);
        try (OrtSession.Result r = session.run(feeds, outputs)) {
            OnnxTensor pred = (OnnxTensor) r.get(HyperDasGraphs.PREDICTIONS).orElseThrow();
            long[] shape = pred.getInfo().getShape();
            ByteBuffer flags = ((OnnxTensor) r.get(HyperDasGraphs.CORRECT).orElseThrow()).getByteBuffer();
            boolean[] correct = new boolean[n];
            for (int i = 0; i < n; i++) {
                correct[i] = flags.get(i) != 0;
            }
            float[] sel = null;
            long[] selShape = null;
            if (selection) {
                OnnxTensor st = (OnnxTensor) r.get(HyperDasGraphs.SELECTION).orElseThrow();
                sel = Tensors.toFloatArray(st);
                selShape = st.getInfo().getShape();
            }
            return new Out(Tensors.toLongArray(pred), (int) shape[1], correct, sel, selShape);
        }
    }

    @Override
    public List<String> variants() {
        return List.copyOf(HyperDasMethod.LABELS.values());
    }

    @Override
    public List<Outcome> evaluate(List<Pair> pairs) throws Exception {
        return evaluate(SelectionMode.SOFT, pairs);
    }

    @Override
    public List<Outcome> evaluate(String variant, List<Pair> pairs) throws Exception {
        for (Map.Entry<SelectionMode, String> e : HyperDasMethod.LABELS.entrySet()) {
            if (e.getValue().equals(variant)) {
                return evaluate(e.getKey(), pairs);
            }
        }
        throw new IllegalArgumentException("unknown HyperDAS variant '" + variant + "': " + HyperDasMethod.LABELS.values());
    }

    /** Outcomes of {@code pairs} in selection mode {@code mode}, in their order. */
    public List<Outcome> evaluate(SelectionMode mode, List<Pair> pairs) throws Exception {
        OrtSession session = session(mode);
        return LengthSortedEvaluation.evaluate(target, pairs, evalBatchSize, batch -> {
            List<OnnxTensor> created = new ArrayList<>();
            Out res;
            try {
                res = run(session, evaluationFeeds(mode, batch, created), batch.size());
            } finally {
                created.forEach(OnnxTensor::close);
            }
            return new LengthSortedEvaluation.Predictions(res.predictions(), res.labels(), res.correct());
        });
    }

    /** How many test examples get a selection heatmap per mode. */
    static final int FIGURES = 4;

    /**
     * Selection heatmaps (base tokens x source tokens + SELF) of the first cause and isolate
     * pairs, {@code selection-N.png} in the mode's run folder.
     */
    @Override
    public List<String> writeFigures(String variant, List<Pair> pairs, Path folder) throws Exception {
        SelectionMode mode = null;
        for (Map.Entry<SelectionMode, String> e : HyperDasMethod.LABELS.entrySet()) {
            if (e.getValue().equals(variant)) {
                mode = e.getKey();
            }
        }
        if (mode == null || pairs.isEmpty()) {
            return List.of();
        }
        List<Pair> chosen = new ArrayList<>();
        pairs.stream().filter(p -> p.kind() == PairKind.CAUSE).limit(FIGURES / 2).forEach(chosen::add);
        pairs.stream().filter(p -> p.kind() == PairKind.ISOLATE).limit(FIGURES - chosen.size())
                .forEach(chosen::add);
        PairBatch batch = target.batcher(chosen.size()).batch(chosen);
        Out res;
        List<OnnxTensor> created = new ArrayList<>();
        try {
            res = run(session(mode), evaluationFeeds(mode, batch, created), chosen.size(), true);
        } finally {
            created.forEach(OnnxTensor::close);
        }
        int rowsAll = (int) res.selShape()[1];
        int tb = (int) res.selShape()[2];
        List<String> files = new ArrayList<>();
        for (int b = 0; b < chosen.size(); b++) {
            List<Integer> cols = new ArrayList<>();
            List<Integer> rows = new ArrayList<>();
            for (int j = 0; j < tb; j++) {
                if (batch.baseInterventionMask().get(b, j) != 0) {
                    cols.add(j);
                }
            }
            for (int i = 0; i < rowsAll - 1; i++) {
                if (batch.sourceInterventionMask().get(b, i) != 0) {
                    rows.add(i);
                }
            }
            final int row = b;
            List<String> baseTokens = cols.stream().map(j -> token(batch.baseIds().get(row, j))).toList();
            List<String> sourceTokens = rows.stream().map(i -> token(batch.sourceIds().get(row, i))).toList();
            double[][] w = new double[rows.size() + 1][cols.size()];
            for (int r = 0; r <= rows.size(); r++) {
                int i = r < rows.size() ? rows.get(r) : rowsAll - 1;
                for (int c = 0; c < cols.size(); c++) {
                    w[r][c] = res.selection()[(b * rowsAll + i) * tb + cols.get(c)];
                }
            }
            Pair p = chosen.get(b);
            String name = "selection-" + (b + 1) + ".png";
            SelectionHeatmap.write(variant + ": " + p.kind().name().toLowerCase() + " " + p.entityType() + "/"
                    + p.attribute() + ", \"" + p.instruction() + "\"", baseTokens, sourceTokens, w,
                    folder.resolve(name));
            files.add(name);
        }
        return files;
    }

    private String token(long id) {
        return target.tokenizer().decode(new long[] {id});
    }

    @Override
    public void saveParameters(SafetensorsWriter writer) {
        writer.metadata("method", HyperDasMethod.NAME);
        writer.metadata("layer", Integer.toString(graphs.config().layer()));
        writer.metadata("k", Integer.toString(graphs.config().subspaceDim()));
        writer.metadata("hypernet_layers", Integer.toString(graphs.config().hypernetLayers()));
        if (graphs.config().frozenEmbedding()) {
            writer.metadata(HyperDasMethod.HYPERNET_EMBEDDING, graphs.config().hypernetEmbedding().optionName());
        }
        for (Map.Entry<String, float[]> e : parameters.entrySet()) {
            writer.addF32(e.getKey(), shapes.get(e.getKey()), e.getValue());
        }
    }

    @Override
    public Map<String, Object> details() {
        return new LinkedHashMap<>(details);
    }

    private void closeParameterTensors() {
        parameterTensors.values().forEach(OnnxTensor::close);
        parameterTensors.clear();
    }

    @Override
    public void close() throws Exception {
        closeParameterTensors();
        for (OrtSession s : sessions.values()) {
            s.close();
        }
        sessions.clear();
    }
}
