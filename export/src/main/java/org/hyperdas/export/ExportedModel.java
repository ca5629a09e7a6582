package org.hyperdas.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;

/**
 * An export folder opened for inference: only its files (the .onnx graphs, the weights file,
 * tokenizer.json) and plain ONNX Runtime sessions, no graph building.
 *
 * <p>{@link #open} reads manifest.json and checks that every file it lists exists and that each
 * graph's spec version is the one this code reads ({@link GraphSpec#SUPPORTED}); an export written
 * with older specs (version 1: logits at every position) is refused, to be exported again. A
 * session is opened on first use of its graph and its input and output names are checked against
 * the spec. Every problem is a {@link BadInputException} naming the file, the field and the
 * expected value.
 *
 * <p>The graphs with logits compute them only at the positions the caller asks for
 * ({@link FeedSchema#LOGIT_POSITIONS}, [batch][positions]): their logits are
 * [batch, positions, vocab], entry {@code [b, i]} at position {@code logitPositions[b][i]}.
 */
public final class ExportedModel implements AutoCloseable {
    /** The input of an intervened graph that chooses whose trained subspace to use. */
    public static final String ATTRIBUTE = "attribute";
    /** The output of the graphs with logits, [batch, positions, vocab]. */
    public static final String LOGITS = "logits";

    private final Path folder;
    private final ExportManifest manifest;
    private final OrtEngine engine;
    private final Map<String, GraphSpec> specs = new LinkedHashMap<>();
    private final Map<String, OrtSession> sessions = new LinkedHashMap<>();
    private HfTokenizer tokenizer;

    private ExportedModel(Path folder, ExportManifest manifest, OrtEngine engine) {
        this.folder = folder;
        this.manifest = manifest;
        this.engine = engine;
    }

    /** A float32 output and its shape. */
    public record FloatTensor(float[] values, long[] shape) {
        /** The value at a full index. */
        public float get(long... index) {
            long flat = 0;
            for (int i = 0; i < shape.length; i++) {
                flat = flat * shape[i] + index[i];
            }
            return values[(int) flat];
        }

        /** The index of the largest value along the last axis at {@code prefix} (the first on ties). */
        public int argmax(long... prefix) {
            long flat = 0;
            for (int i = 0; i < prefix.length; i++) {
                flat = flat * shape[i] + prefix[i];
            }
            int n = (int) shape[shape.length - 1];
            int start = (int) (flat * n);
            int best = 0;
            for (int v = 1; v < n; v++) {
                if (values[start + v] > values[start + best]) {
                    best = v;
                }
            }
            return best;
        }
    }

    /** What a HyperDAS intervened graph returns. */
    public record Intervened(FloatTensor logits, FloatTensor selection, FloatTensor subspace) {
    }

    /**
     * Opens an export folder.
     *
     * @throws BadInputException when manifest.json is missing or malformed, a listed file is missing,
     *     or a spec version is not the one this code reads
     */
    public static ExportedModel open(Path folder, OrtEngine engine) {
        Path manifestFile = folder.resolve(ExportManifest.FILE);
        if (!Files.isDirectory(folder)) {
            throw BadInputException.file(folder, "no such export folder (expected a folder written by hyperdas-run"
                    + " export, holding " + ExportManifest.FILE + ")");
        }
        ExportManifest m = ExportManifest.read(manifestFile);
        requireFile(folder, manifestFile, "tokenizer", m.tokenizer());
        requireFile(folder, manifestFile, "weights", m.weights());
        Map<String, GraphSpec> specs = new LinkedHashMap<>();
        for (int i = 0; i < m.graphs().size(); i++) {
            ExportManifest.GraphEntry g = m.graphs().get(i);
            String where = "graphs[" + i + "]";
            Integer supported = GraphSpec.SUPPORTED.get(g.spec());
            if (supported == null) {
                throw BadInputException.field(manifestFile, where + ".spec", "one of " + GraphSpec.SUPPORTED.keySet(),
                        "\"" + g.spec() + "\"");
            }
            if (g.specVersion() != supported) {
                throw BadInputException.field(manifestFile, where + ".spec_version", supported + " (the version of spec "
                        + g.spec() + " this hyperdas-run reads, for " + g.file() + "; re-export the run with this"
                        + " hyperdas-run: hyperdas-run export --run RUN_DIR --out NEW_DIR)", g.specVersion());
            }
            requireFile(folder, manifestFile, where + ".file", g.file());
            specs.put(g.file(), GraphSpec.load(g.spec()));
        }
        ExportConsistency.check(folder, manifestFile, m);
        ExportedModel model = new ExportedModel(folder, m, engine);
        model.specs.putAll(specs);
        return model;
    }

    private static void requireFile(Path folder, Path manifestFile, String field, String name) {
        Path f = folder.resolve(name).normalize();
        if (!f.startsWith(folder.normalize()) || !Files.isRegularFile(f)) {
            throw BadInputException.file(f, "missing: " + manifestFile + " lists it in field '" + field
                    + "' (expected a complete export folder written by hyperdas-run export)");
        }
    }

    public Path folder() {
        return folder;
    }

    public ExportManifest manifest() {
        return manifest;
    }

    public OrtEngine engine() {
        return engine;
    }

    /** The export's tokenizer (opened on first use). */
    public synchronized HfTokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = HfTokenizer.open(folder.resolve(manifest.tokenizer()));
        }
        return tokenizer;
    }

    /** The spec of a listed graph file. */
    public GraphSpec spec(String file) {
        GraphSpec s = specs.get(file);
        if (s == null) {
            throw new IllegalArgumentException("the export lists no graph '" + file + "' (" + specs.keySet() + ")");
        }
        return s;
    }

    /** The file of the graph of {@code spec} (and HyperDAS {@code mode}). */
    public String file(String spec, String mode) {
        return manifest.graph(spec, mode).map(ExportManifest.GraphEntry::file).orElseThrow(() -> new BadInputException(
                folder.resolve(ExportManifest.FILE) + ": no graph of spec " + spec + (mode == null ? "" : " in mode "
                        + mode) + " (the export has " + manifest.graphs().stream()
                        .map(g -> g.file()).toList() + ")"));
    }

    /** The session of a listed graph file, opened on first use (external data from the export folder). */
    public synchronized OrtSession session(String file) throws OrtException {
        OrtSession s = sessions.get(file);
        if (s == null) {
            GraphSpec spec = spec(file);
            s = engine.session(folder.resolve(file));
            try {
                checkNames(file, "inputs", s.getInputNames(), spec.inputs());
                checkNames(file, "outputs", s.getOutputNames(), spec.outputs());
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
            sessions.put(file, s);
        }
        return s;
    }

    private void checkNames(String file, String what, Set<String> actual, List<GraphSpec.TensorSpec> spec) {
        Set<String> expected = new HashSet<>();
        spec.forEach(t -> expected.add(t.name()));
        if (!actual.equals(expected)) {
            throw BadInputException.file(folder.resolve(file), what + " " + actual + ", expected " + expected
                    + " (spec " + specs.get(file).spec() + " v" + specs.get(file).specVersion() + ")");
        }
    }

    /**
     * Runs a graph on int64 inputs ([rows][cols] arrays; a {@code Long} fed as a scalar) and
     * returns the float outputs by name.
     */
    public Map<String, FloatTensor> run(String file, Map<String, Object> inputs) throws OrtException {
        OrtSession s = session(file);
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : inputs.entrySet()) {
                OnnxTensor t;
                if (e.getValue() instanceof long[][] rows) {
                    int cols = rows.length == 0 ? 0 : rows[0].length;
                    long[] flat = new long[rows.length * cols];
                    for (int r = 0; r < rows.length; r++) {
                        System.arraycopy(rows[r], 0, flat, r * cols, cols);
                    }
                    t = Tensors.tensor(Tensors.longsOf(flat), rows.length, cols);
                } else if (e.getValue() instanceof Long scalar) {
                    t = Tensors.tensor(Tensors.longsOf(scalar));
                } else {
                    throw new IllegalArgumentException("input '" + e.getKey() + "': expected long[][] or Long");
                }
                created.add(t);
                feeds.put(e.getKey(), t);
            }
            Map<String, FloatTensor> out = new LinkedHashMap<>();
            try (OrtSession.Result r = s.run(feeds)) {
                for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    out.put(e.getKey(), new FloatTensor(Tensors.toFloatArray(t), t.getInfo().getShape()));
                }
            }
            return out;
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    /**
     * target.onnx: the logits [batch, positions, vocab] of the unmodified target at
     * {@code logitPositions} [batch][positions].
     */
    public FloatTensor targetLogits(long[][] ids, long[][] mask, long[][] logitPositions) throws OrtException {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put(FeedSchema.INPUT_IDS.name(), ids);
        in.put(FeedSchema.ATTENTION_MASK.name(), mask);
        in.put(FeedSchema.LOGIT_POSITIONS.name(), checkedPositions(logitPositions, ids));
        return run(file(GraphSpec.TARGET, null), in).get(LOGITS);
    }

    /**
     * A HyperDAS intervened graph of {@code mode} ("soft", "one-to-many", "one-to-one"), logits at
     * {@code logitPositions} [batch][positions] of the base.
     */
    public Intervened hyperdas(String mode, InferenceInputs x, long[][] logitPositions) throws OrtException {
        Map<String, FloatTensor> out = run(file(GraphSpec.HYPERDAS_INTERVENED, mode), x, null, logitPositions);
        return new Intervened(out.get(LOGITS), out.get("selection"), out.get("subspace"));
    }

    /** hypernetwork.onnx: the soft selection and the subspace. */
    public Map<String, FloatTensor> hypernetwork(InferenceInputs x) throws OrtException {
        return run(file(GraphSpec.HYPERDAS_HYPERNETWORK, null), x, null, null);
    }

    /**
     * The intervened graph exported once (das, mdas, patching), with one site per example at the
     * last entity tokens; logits [batch, positions, vocab] at {@code logitPositions} of the base.
     *
     * @param attribute index into the manifest's attributes, for a graph with an {@value #ATTRIBUTE} input
     *     (ignored otherwise)
     */
    public FloatTensor fixedSite(int attribute, InferenceInputs x, long[][] logitPositions) throws OrtException {
        return intervene(null, attribute, x, logitPositions).get(LOGITS);
    }

    /**
     * The file of the graph that runs the intervention ({@link GraphSpec#INTERVENED}) in
     * {@code mode}, or, with mode null, the one exported once.
     */
    public String intervenedFile(String mode) {
        return manifest.graphs().stream()
                .filter(g -> GraphSpec.INTERVENED.contains(g.spec()) && Objects.equals(mode, g.mode()))
                .map(ExportManifest.GraphEntry::file).findFirst()
                .orElseThrow(() -> new BadInputException(folder.resolve(ExportManifest.FILE) + ": no intervened graph"
                        + (mode == null ? " exported once" : " in mode " + mode) + " (the export has "
                        + manifest.graphs().stream().map(g -> g.file()).toList() + ")"));
    }

    /**
     * Runs the intervened graph of {@code mode} (null: the one exported once) on {@code x}; every
     * input its spec lists comes from {@code x}, {@value #ATTRIBUTE}, where the spec has it, is
     * {@code attribute}, and the logits are those at {@code logitPositions} of the base.
     *
     * @param attribute index into the manifest's attributes, for a graph with an attribute input
     * @param logitPositions [batch][positions], each in [0, base_seq)
     */
    public Map<String, FloatTensor> intervene(String mode, int attribute, InferenceInputs x, long[][] logitPositions)
            throws OrtException {
        String file = intervenedFile(mode);
        Long index = null;
        if (spec(file).hasInput(ATTRIBUTE)) {
            if (attribute < 0 || attribute >= manifest.attributes().size()) {
                throw new IllegalArgumentException("attribute index " + attribute + " outside [0, "
                        + manifest.attributes().size() + ")");
            }
            index = (long) attribute;
        }
        return run(file, x, index, logitPositions);
    }

    /**
     * Runs a graph with each input its spec lists taken from {@code x} ({@value #ATTRIBUTE}:
     * {@code attribute}; logit_positions: {@code logitPositions}).
     */
    private Map<String, FloatTensor> run(String file, InferenceInputs x, Long attribute, long[][] logitPositions)
            throws OrtException {
        Map<String, Object> in = new LinkedHashMap<>();
        for (GraphSpec.TensorSpec t : spec(file).inputs()) {
            String name = t.name();
            in.put(name, name.equals(ATTRIBUTE) ? attribute
                    : name.equals(FeedSchema.LOGIT_POSITIONS.name()) ? checkedPositions(logitPositions, x.baseIds())
                    : x.input(name));
        }
        return run(file, in);
    }

    /**
     * {@code positions}, checked: one row per sequence of {@code ids}, rows of one length, each
     * entry a position of its row (ONNX Runtime would reject an index outside the sequence, or read
     * a neighbouring row's for a negative one).
     */
    private static long[][] checkedPositions(long[][] positions, long[][] ids) {
        if (positions == null || positions.length != ids.length) {
            throw new IllegalArgumentException("logit positions: expected one row per sequence (" + ids.length
                    + "), found " + (positions == null ? "none" : positions.length));
        }
        for (int b = 0; b < positions.length; b++) {
            if (positions[b].length != positions[0].length) {
                throw new IllegalArgumentException("logit positions: rows of different lengths");
            }
            for (long p : positions[b]) {
                if (p < 0 || p >= ids[b].length) {
                    throw new IllegalArgumentException("logit position " + p + " of row " + b + " outside [0, "
                            + ids[b].length + ")");
                }
            }
        }
        return positions;
    }

    @Override
    public synchronized void close() throws OrtException {
        for (OrtSession s : sessions.values()) {
            s.close();
        }
        sessions.clear();
        if (tokenizer != null) {
            tokenizer.close();
            tokenizer = null;
        }
    }
}
