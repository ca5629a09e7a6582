package org.hyperdas.trainer.export;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.hyperdas.HouseholderSubspace;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.SelectionHead;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.graphs.intervention.DasRotation;
import org.hyperdas.graphs.intervention.Interchange;
import org.hyperdas.graphs.intervention.InterventionGraph;
import org.hyperdas.graphs.llama.LlamaBuilder;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;

/**
 * {@code hyperdas-run export}: turns a run folder into an export folder that any ONNX Runtime can
 * run without this project:
 * <pre>
 *   manifest.json                   what was exported (export-specs/manifest.v1.json)
 *   weights.safetensors             every initializer of every graph: the target's tensors (HF names,
 *                                   stored dtype) and the trained ones; the graphs' one external-data file
 *   target.onnx                     the target alone (export-specs/target.v1.json)
 *   hyperdas:  intervened-soft.onnx, intervened-one-to-many.onnx, intervened-one-to-one.onnx
 *              (hyperdas-intervened.v1), hypernetwork.onnx (hyperdas-hypernetwork.v1)
 *   das, mdas: intervened.onnx (das-intervened.v1); patching: intervened.onnx (patching-intervened.v1)
 *   tokenizer.json                  the target's (and its tokenizer_config.json when it has one)
 * </pre>
 * The graphs are built by the same builders as the in-process evaluation, with the trained tensors
 * as initializers instead of inputs, and follow the bundled specs ({@link GraphExport}). Everything
 * is written into a hidden sibling folder that is renamed to {@code --out} at the end, so an export
 * folder is either complete or absent.
 */
public final class Exporter {
    public static final String WEIGHTS = "weights.safetensors";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String TARGET_FILE = "target.onnx";
    public static final String HYPERNETWORK_FILE = "hypernetwork.onnx";
    public static final String INTERVENED_FILE = "intervened.onnx";
    /** The das/mdas subspaces stacked in manifest attribute order, [attributes, hidden, k], in the weights file. */
    public static final String DAS_ROTATIONS = "das.rotations";

    /** The mode names of the HyperDAS selection modes, as in the file names and the manifest. */
    public static final Map<SelectionMode, String> MODES;

    static {
        Map<SelectionMode, String> m = new LinkedHashMap<>();
        HyperDasMethod.LABELS.forEach((mode, label) -> m.put(mode, label.substring(HyperDasMethod.NAME.length() + 1)));
        MODES = java.util.Collections.unmodifiableMap(m);
    }

    private Exporter() {
    }

    /** What an export wrote. */
    public record Result(Path folder, ExportManifest manifest, Map<String, Long> fileSizes) {
    }

    /** The file of a HyperDAS mode's intervened graph, e.g. {@code intervened-soft.onnx}. */
    public static String intervenedFile(String mode) {
        return "intervened-" + mode + ".onnx";
    }

    /** A run to export: the method, its run folders (one per HyperDAS mode) and where the parameters are. */
    private record Source(String method, List<RunFolder.Run> runs, Path parameters) {
    }

    /**
     * Exports the run folder {@code run} into the new folder {@code out}.
     *
     * @param run a run folder of {@code hyperdas-run train} (das, mdas, patching, one hyperdas-MODE
     *     folder), or a hyperdas run folder holding the hyperdas-MODE folders
     * @param modelOverride the target model folder, or null for the one the run's config.json names
     * @throws BadInputException when the run folder, its parameters or the target are not what they
     *     should be, or {@code out} exists and is not empty
     */
    public static Result export(Path run, Path out, Path modelOverride, PrintStream log) throws IOException {
        Source source = source(run);
        Path outAbs = out.toAbsolutePath().normalize();
        if (Files.exists(outAbs) && !(Files.isDirectory(outAbs) && isEmpty(outAbs))) {
            throw BadInputException.file(out, "already exists and is not empty: expected a new folder for the export"
                    + " (an export is never written over another)");
        }
        RunFolder.Run first = source.runs().get(0);
        Path configFile = first.folder().resolve(RunFolder.CONFIG);
        Path modelFolder = modelOverride != null ? modelOverride : Path.of(text(first.config(), "model", configFile));
        Files.createDirectories(outAbs.getParent());
        Path tmp = outAbs.resolveSibling("." + outAbs.getFileName() + ".partial-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        boolean moved = false;
        try (HfModel model = HfModel.open(modelFolder)) {
            checkModel(model.config(), first.config(), configFile);
            Files.createDirectories(tmp);
            ExportManifest manifest = write(source, model, tmp, log);
            if (Files.isDirectory(outAbs)) {
                Files.delete(outAbs);
            }
            Files.move(tmp, outAbs, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            Map<String, Long> sizes = new LinkedHashMap<>();
            try (Stream<Path> files = Files.list(outAbs)) {
                for (Path f : files.sorted().toList()) {
                    sizes.put(f.getFileName().toString(), Files.size(f));
                }
            }
            return new Result(outAbs, manifest, sizes);
        } finally {
            if (!moved) {
                deleteTree(tmp);
            }
        }
    }

    // ------------------------------------------------------------------ the run

    private static Source source(Path run) {
        if (Files.isRegularFile(run.resolve(RunFolder.CONFIG))) {
            RunFolder.Run r = RunFolder.read(run);
            JsonNode variantOf = r.config().get("variant_of");
            String method = variantOf != null && variantOf.isTextual() ? variantOf.textValue() : r.method();
            return new Source(method, List.of(r), parameters(r));
        }
        List<RunFolder.Run> runs = new ArrayList<>();
        for (String label : HyperDasMethod.LABELS.values()) {
            if (Files.isDirectory(run.resolve(label))) {
                runs.add(RunFolder.read(run.resolve(label)));
            }
        }
        if (runs.isEmpty()) {
            throw BadInputException.file(run, "not a run folder: expected " + String.join(", ", RunFolder.FILES)
                    + " (written by hyperdas-run train), or a hyperdas run folder holding "
                    + String.join("/, ", HyperDasMethod.LABELS.values()) + "/");
        }
        return new Source(HyperDasMethod.NAME, runs, parameters(runs.get(0)));
    }

    /** The run's parameters file: config.json's parameters_file (relative to the run), else its own. */
    private static Path parameters(RunFolder.Run r) {
        JsonNode p = r.config().get("parameters_file");
        Path file = p != null && p.isTextual() ? r.folder().resolve(p.textValue()).normalize()
                : r.folder().resolve(RunFolder.PARAMETERS);
        if (!Files.isRegularFile(file)) {
            throw BadInputException.file(file, "missing: the run's trained parameters (named by "
                    + r.folder().resolve(RunFolder.CONFIG) + ")");
        }
        return file;
    }

    private static void checkModel(LlamaConfig target, JsonNode config, Path configFile) {
        JsonNode m = config.get("model_config");
        if (m == null || !m.isObject()) {
            throw BadInputException.field(configFile, "model_config", "an object with layers, hidden_size, vocab_size",
                    m == null ? "nothing" : m.toString());
        }
        check(configFile, "model_config.layers", m.get("layers"), target.numHiddenLayers());
        check(configFile, "model_config.hidden_size", m.get("hidden_size"), target.hiddenSize());
        check(configFile, "model_config.vocab_size", m.get("vocab_size"), target.vocabSize());
    }

    private static void check(Path file, String field, JsonNode v, int actual) {
        if (v == null || !v.canConvertToInt() || v.intValue() != actual) {
            throw BadInputException.field(file, field, actual + " (what the target model folder has; pass the"
                    + " run's own target with --model)", v == null ? "nothing" : v.toString());
        }
    }

    // ------------------------------------------------------------------ writing

    private static ExportManifest write(Source source, HfModel model, Path dir, PrintStream log) throws IOException {
        LlamaConfig target = model.config();
        RunFolder.Run first = source.runs().get(0);
        Path configFile = first.folder().resolve(RunFolder.CONFIG);
        String method = source.method();
        int layer = integer(first.config(), "layer", configFile);
        boolean hyperdas = method.equals(HyperDasMethod.NAME);
        boolean das = method.equals("das") || method.equals("mdas");
        if (!hyperdas && !das && !method.equals("patching")) {
            throw BadInputException.field(configFile, "method", "hyperdas, das, mdas or patching", method);
        }
        Integer k = method.equals("patching") ? null : integer(first.config(), "k", configFile);
        List<String> attributes = attributes(first.config(), configFile);
        ExportManifest.Producer producer = ExportManifest.Producer.current();

        // 1. The one weights file: the target's tensors, then the trained ones.
        SafetensorsWriter weights = new SafetensorsWriter().metadata("format", "pt")
                .metadata("producer", producer.name() + " " + producer.version()).metadata("method", method);
        WeightStore targetStore = model.weights();
        for (String name : target.expectedTensors().keySet()) {
            TensorInfo t = targetStore.tensor(name);
            weights.add(name, t.dtype(), t.shape(), targetStore.bytes(name));
        }
        HyperDasConfig hdConfig = null;
        Integer hypernetLayers = null;
        try (WeightStore params = WeightStore.open(source.parameters())) {
            if (hyperdas) {
                hdConfig = hyperDasConfig(target, layer, k, params, source.parameters());
                hypernetLayers = hdConfig.hypernetLayers();
                for (Map.Entry<String, long[]> e : HyperDasParameters.shapes(target, hdConfig).entrySet()) {
                    weights.add(e.getKey(), org.hyperdas.runtime.safetensors.DType.F32, e.getValue(),
                            params.bytes(e.getKey()));
                }
            } else if (das) {
                if (k < 1) {
                    throw BadInputException.field(configFile, "k", "at least 1 (a run with k 0 has nothing to export)",
                            k);
                }
                weights.add(DAS_ROTATIONS, org.hyperdas.runtime.safetensors.DType.F32,
                        new long[] {attributes.size(), target.hiddenSize(), k},
                        stackedRotations(params, source.parameters(), attributes, target.hiddenSize(), k));
            }
            weights.write(dir.resolve(WEIGHTS));
        }

        // 2. The graphs, every initializer in the weights file.
        List<ExportManifest.GraphEntry> graphs = new ArrayList<>();
        List<String> modes = new ArrayList<>();
        Map<String, Long> fixed = new LinkedHashMap<>();
        fixed.put("vocab", (long) target.vocabSize());
        fixed.put("hidden", (long) target.hiddenSize());
        if (k != null) {
            fixed.put("k", (long) k);
        }
        try (WeightStore exported = WeightStore.open(dir.resolve(WEIGHTS))) {
            LlamaWeights targetWeights = LlamaWeights.external(exported);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("hyperdas.method", method);
            meta.put("hyperdas.layer", Integer.toString(layer));
            graphs.add(writeGraph(dir, TARGET_FILE, targetGraph(target, targetWeights), GraphSpec.TARGET, null, fixed,
                    producer, meta, log));
            if (hyperdas) {
                HyperDasGraphs hd = new HyperDasGraphs(target, targetWeights, hdConfig, DType.FLOAT32,
                        LlamaWeights.external(exported, HyperDasParameters.HYPERNET), targetWeights);
                for (RunFolder.Run r : source.runs()) {
                    SelectionMode mode = mode(r);
                    String name = MODES.get(mode);
                    modes.add(name);
                    Graph g = new Graph("hyperdas_intervened_" + name.replace('-', '_'));
                    HyperDasGraphs.Model m = hd.build(g, mode, false, true);
                    g.output(HyperDasGraphs.LOGITS, m.logits());
                    g.output(HyperDasGraphs.SELECTION, m.selection());
                    g.output(HyperDasGraphs.SUBSPACE, m.subspace());
                    Map<String, String> modeMeta = new LinkedHashMap<>(meta);
                    modeMeta.put("hyperdas.mode", name);
                    graphs.add(writeGraph(dir, intervenedFile(name), g, GraphSpec.HYPERDAS_INTERVENED, name, fixed,
                            producer, modeMeta, log));
                }
                Graph g = new Graph("hyperdas_hypernetwork");
                HyperDasGraphs.Model m = hd.build(g, SelectionMode.SOFT, false, false);
                g.output(HyperDasGraphs.SELECTION, m.selection());
                g.output(HyperDasGraphs.SUBSPACE, m.subspace());
                graphs.add(writeGraph(dir, HYPERNETWORK_FILE, g, GraphSpec.HYPERDAS_HYPERNETWORK, null, fixed,
                        producer, meta, log));
            } else {
                Graph g = new Graph(method + "_intervened");
                InterventionGraph ig = InterventionGraph.create(g, target, targetWeights, layer);
                Value logits;
                if (das) {
                    Value all = targetWeights.get(g, DAS_ROTATIONS,
                            new long[] {attributes.size(), target.hiddenSize(), k}, DType.FLOAT32);
                    Value index = g.input("attribute", DType.INT64, org.hyperdas.graphs.Shape.scalar());
                    logits = ig.finishFullLogits(DasRotation.of(all.gather(index, 0)));
                } else {
                    logits = ig.finishFullLogits(Interchange.FULL);
                }
                g.output(LlamaHooks.LOGITS, logits);
                graphs.add(writeGraph(dir, INTERVENED_FILE, g,
                        das ? GraphSpec.DAS_INTERVENED : GraphSpec.PATCHING_INTERVENED, null, fixed, producer, meta,
                        log));
            }
        } catch (GraphBuildException e) {
            throw new BadInputException(source.parameters() + ": the trained tensors do not fit the target "
                    + model.folder() + ": " + e.getMessage(), e);
        }

        // 3. Tokenizer and manifest (last).
        Files.copy(model.folder().resolve(TOKENIZER), dir.resolve(TOKENIZER));
        if (Files.isRegularFile(model.folder().resolve(TOKENIZER_CONFIG))) {
            Files.copy(model.folder().resolve(TOKENIZER_CONFIG), dir.resolve(TOKENIZER_CONFIG));
        }
        Map<String, Map<String, ExportManifest.Cid>> scores = new LinkedHashMap<>();
        for (RunFolder.Run r : source.runs()) {
            Map<String, ExportManifest.Cid> splits = new LinkedHashMap<>();
            for (Scores.SplitScores s : r.scores().splits()) {
                splits.put(s.split(), new ExportManifest.Cid(value(s.overall().cause()), value(s.overall().isolate()),
                        value(s.overall().disentangle())));
            }
            scores.put(r.method(), splits);
        }
        ExportManifest manifest = new ExportManifest(ExportManifest.FORMAT_VERSION, producer, method, modes,
                new ExportManifest.Target(model.folder().toAbsolutePath().normalize().toString(),
                        target.numHiddenLayers(), target.hiddenSize(), target.vocabSize()),
                layer, k, hypernetLayers, attributes, scores, TOKENIZER, WEIGHTS, graphs);
        AtomicFiles.writeString(dir.resolve(ExportManifest.FILE), manifest.toJson());
        log.printf(Locale.ROOT, "export: %s %s, %d MB of weights%n", WEIGHTS, method,
                Files.size(dir.resolve(WEIGHTS)) >> 20);
        return manifest;
    }

    private static ExportManifest.GraphEntry writeGraph(Path dir, String file, Graph g, String specName, String mode,
            Map<String, Long> fixed, ExportManifest.Producer producer, Map<String, String> meta, PrintStream log)
            throws IOException {
        GraphSpec spec = GraphSpec.load(specName);
        GraphExport.write(dir.resolve(file), g, spec, fixed, producer, meta);
        log.printf(Locale.ROOT, "export: %s (%s v%d), %d KB%n", file, spec.spec(), spec.specVersion(),
                Files.size(dir.resolve(file)) >> 10);
        return new ExportManifest.GraphEntry(file, spec.spec(), spec.specVersion(), mode);
    }

    /** The plain target: input_ids, attention_mask to logits at every position. */
    private static Graph targetGraph(LlamaConfig target, LlamaWeights weights) {
        Graph g = new Graph("target");
        LlamaBuilder llama = new LlamaBuilder(g, target, weights);
        Value ids = llama.tokenInput(LlamaHooks.INPUT_IDS, "seq");
        Value mask = llama.tokenInput(LlamaHooks.ATTENTION_MASK, "seq");
        g.output(LlamaHooks.LOGITS, llama.forward(ids, llama.context(mask)).logits());
        return g;
    }

    private static SelectionMode mode(RunFolder.Run r) {
        for (Map.Entry<SelectionMode, String> e : HyperDasMethod.LABELS.entrySet()) {
            if (e.getValue().equals(r.method())) {
                return e.getKey();
            }
        }
        throw BadInputException.field(r.folder().resolve(RunFolder.CONFIG), "method",
                "one of " + HyperDasMethod.LABELS.values(), r.method());
    }

    /**
     * The HyperDAS configuration the parameters were trained with: layer and k from the run, the
     * hypernetwork depth, selection heads and Householder MLP size from the tensors' shapes.
     */
    public static HyperDasConfig hyperDasConfig(LlamaConfig target, int layer, int k, WeightStore params, Path file) {
        int layers = 0;
        while (params.find(HyperDasParameters.HYPERNET + "model.layers." + layers + ".input_layernorm.weight")
                .isPresent()) {
            layers++;
        }
        TensorInfo q = required(params, file, HyperDasParameters.HYPERNET + SelectionHead.Q_PROJ);
        TensorInfo gate = required(params, file, HyperDasParameters.HYPERNET + HouseholderSubspace.GATE);
        HyperDasConfig config;
        try {
            config = HyperDasConfig.defaults(target).withLayer(layer).withSubspaceDim(k).withHypernetLayers(layers)
                    .withSelectionHeads((int) (q.dim(0) / target.headDim()))
                    .withHouseholderIntermediate((int) gate.dim(0)).validate(target);
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

    /** The das/mdas subspaces R [hidden, k] of every attribute, one after the other. */
    private static ByteBuffer stackedRotations(WeightStore params, Path file, List<String> attributes, int hidden,
            int k) {
        ByteBuffer all = ByteBuffer.allocate(Math.multiplyExact(attributes.size() * hidden, k * 4))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (String a : attributes) {
            String name = a + ".rotation";
            TensorInfo t = required(params, file, name);
            if (!t.hasShape(hidden, k) || t.dtype() != org.hyperdas.runtime.safetensors.DType.F32) {
                throw BadInputException.field(file, name, "F32[" + hidden + ", " + k + "]",
                        t.dtype() + TensorInfo.shapeString(t.shape()));
            }
            all.put(params.bytes(name));
        }
        return all.flip();
    }

    /** config.json's targets {type: [attributes]} as "type.Attribute", in order. */
    private static List<String> attributes(JsonNode config, Path file) {
        JsonNode targets = config.get("targets");
        if (targets == null || !targets.isObject()) {
            throw BadInputException.field(file, "targets", "an object {entity type: [attributes]}",
                    targets == null ? "nothing" : targets.toString());
        }
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = targets.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            for (JsonNode a : e.getValue()) {
                out.add(e.getKey() + "." + a.asText());
            }
        }
        return out;
    }

    private static String text(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw BadInputException.field(file, key, "a string", v == null ? "nothing" : v.toString());
        }
        return v.textValue();
    }

    private static int integer(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw BadInputException.field(file, key, "an integer", v == null ? "nothing" : v.toString());
        }
        return v.intValue();
    }

    private static Double value(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
