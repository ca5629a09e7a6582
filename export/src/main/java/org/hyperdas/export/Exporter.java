package org.hyperdas.export;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaBuilder;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.nn.TokenPositions;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.runtime.io.OutputFolder;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * {@code hyperdas-run export}: turns a run folder into an export folder that any ONNX Runtime can
 * run without this project:
 * <pre>
 *   manifest.json                   what was exported (export-specs/manifest.v1.json)
 *   weights.safetensors             every initializer of every graph: the target's tensors (HF names,
 *                                   stored dtype) and the trained ones; the graphs' one external-data file
 *   target.onnx                     the target alone (export-specs/target.v2.json)
 *   the method's graphs             from its {@link MethodExporter}, each following a bundled spec
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
    /** Graph metadata: the manifest's method, layer and (graphs exported per mode) mode. */
    public static final String META_METHOD = "hyperdas.method";
    public static final String META_LAYER = "hyperdas.layer";
    public static final String META_MODE = "hyperdas.mode";

    private Exporter() {
    }

    /** What an export wrote. */
    public record Result(Path folder, ExportManifest manifest, Map<String, Long> fileSizes) {
    }

    /**
     * Exports the run folder {@code run} into the new folder {@code out}.
     *
     * @param run a run folder of {@code hyperdas-run train}, or a folder grouping the per-mode runs
     *     of one method ({@link ExportSource#read})
     * @param modelOverride the target model folder, or null for the one the run's config.json names
     * @param exporters the methods that can be exported
     * @throws BadInputException when the run folder, its parameters or the target are not what they
     *     should be, or {@code out} is not a path an export may be written to ({@link OutputFolder#check})
     */
    public static Result export(Path run, Path out, Path modelOverride, MethodExporters exporters, PrintStream log)
            throws IOException {
        return export(run, out, false, modelOverride, exporters, log);
    }

    /**
     * {@link #export(Path, Path, Path, MethodExporters, PrintStream)}, replacing an earlier export at
     * {@code out} (or writing into a folder of other files, keeping them) when {@code overwrite}.
     */
    public static Result export(Path run, Path out, boolean overwrite, Path modelOverride, MethodExporters exporters,
            PrintStream log) throws IOException {
        Path outAbs = OutputFolder.check("--out", out, OutputKind.EXPORT, overwrite, log);
        ExportSource source = ExportSource.read(run, exporters);
        RunFolder.Run first = source.first();
        Path configFile = source.configFile();
        Path modelFolder = modelOverride != null ? modelOverride
                : Path.of(RunSettings.text(first.config(), "model", configFile));
        Files.createDirectories(outAbs.getParent());
        Path tmp = null;
        boolean moved = false;
        try (HfModel model = HfModel.open(modelFolder)) {
            checkModel(model.config(), first.config(), configFile);
            tmp = OutputFolder.newTempSibling(outAbs, OutputKind.EXPORT);
            ExportManifest manifest = write(source, exporters, model, tmp, log);
            OutputFolder.install(tmp, outAbs, OutputKind.EXPORT);
            moved = true;
            return new Result(outAbs, manifest, fileSizes(outAbs));
        } finally {
            if (!moved && tmp != null) {
                OutputFolder.deleteTree(tmp);
            }
        }
    }

    private static Map<String, Long> fileSizes(Path folder) throws IOException {
        Map<String, Long> sizes = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList()) {
                sizes.put(f.getFileName().toString(), Files.size(f));
            }
        }
        return sizes;
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

    /** The folder's contents: the weights file, the graphs, then the tokenizer and the manifest. */
    private static ExportManifest write(ExportSource source, MethodExporters exporters, HfModel model, Path dir,
            PrintStream log) throws IOException {
        LlamaConfig target = model.config();
        JsonNode config = source.first().config();
        Path configFile = source.configFile();
        String method = source.method();
        int layer = RunSettings.integer(config, "layer", configFile);
        MethodExporter exporter = exporters.find(method, configFile);
        Integer k = exporter.hasSubspace() ? RunSettings.integer(config, "k", configFile) : null;
        RunSettings settings = new RunSettings(configFile, layer, k, RunSettings.attributes(config, configFile));
        ExportManifest.Producer producer = ExportManifest.Producer.current();

        TrainedExport trained = writeWeights(source, exporter, settings, model, producer, dir.resolve(WEIGHTS));
        List<ExportManifest.GraphEntry> graphs = writeGraphs(source, trained, settings, model, producer, dir, log);

        Files.copy(model.folder().resolve(TOKENIZER), dir.resolve(TOKENIZER));
        if (Files.isRegularFile(model.folder().resolve(TOKENIZER_CONFIG))) {
            Files.copy(model.folder().resolve(TOKENIZER_CONFIG), dir.resolve(TOKENIZER_CONFIG));
        }
        List<String> modes = graphs.stream().map(ExportManifest.GraphEntry::mode).filter(m -> m != null).toList();
        ExportManifest manifest = new ExportManifest(ExportManifest.FORMAT_VERSION, producer, method, modes,
                new ExportManifest.Target(model.folder().toAbsolutePath().normalize().toString(),
                        target.numHiddenLayers(), target.hiddenSize(), target.vocabSize()),
                layer, k, trained.hypernetLayers(), settings.attributes(), scores(source), TOKENIZER, WEIGHTS, graphs);
        AtomicFiles.writeString(dir.resolve(ExportManifest.FILE), manifest.toJson());
        log.printf(Locale.ROOT, "export: %s %s, %d MB of weights%n", WEIGHTS, method,
                Files.size(dir.resolve(WEIGHTS)) >> 20);
        return manifest;
    }

    /** The one weights file: the target's tensors (its expected ones, in order), then the trained ones. */
    private static TrainedExport writeWeights(ExportSource source, MethodExporter exporter, RunSettings settings,
            HfModel model, ExportManifest.Producer producer, Path file) throws IOException {
        LlamaConfig target = model.config();
        SafetensorsWriter weights = new SafetensorsWriter().metadata("format", "pt")
                .metadata("producer", producer.name() + " " + producer.version()).metadata("method", source.method());
        WeightStore targetStore = model.weights();
        for (String name : target.expectedTensors().keySet()) {
            TensorInfo t = targetStore.tensor(name);
            weights.add(name, t.dtype(), t.shape(), targetStore.bytes(name));
        }
        try (WeightStore params = WeightStore.open(source.parameters())) {
            TrainedExport trained = exporter.read(source, settings, target, params);
            trained.addTensors(weights);
            weights.write(file);
            return trained;
        }
    }

    /** target.onnx, then the method's graphs; every initializer in the weights file. */
    private static List<ExportManifest.GraphEntry> writeGraphs(ExportSource source, TrainedExport trained,
            RunSettings settings, HfModel model, ExportManifest.Producer producer, Path dir, PrintStream log)
            throws IOException {
        LlamaConfig target = model.config();
        List<ExportManifest.GraphEntry> graphs = new ArrayList<>();
        Map<String, Long> fixed = new LinkedHashMap<>();
        fixed.put("vocab", (long) target.vocabSize());
        fixed.put("hidden", (long) target.hiddenSize());
        if (settings.k() != null) {
            fixed.put("k", (long) settings.k());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_METHOD, source.method());
        meta.put(META_LAYER, Integer.toString(settings.layer()));
        TrainedExport.GraphSink sink = (file, graph, spec, mode) -> {
            Map<String, String> graphMeta = new LinkedHashMap<>(meta);
            if (mode != null) {
                graphMeta.put(META_MODE, mode);
            }
            graphs.add(writeGraph(dir, file, graph, spec, mode, fixed, producer, graphMeta, log));
        };
        try (WeightStore exported = WeightStore.open(dir.resolve(WEIGHTS))) {
            LlamaWeights targetWeights = LlamaWeights.external(exported);
            sink.write(TARGET_FILE, targetGraph(target, targetWeights), GraphSpec.TARGET, null);
            trained.writeGraphs(new TrainedExport.GraphWeights(target, exported, targetWeights), sink);
        } catch (GraphBuildException e) {
            throw new BadInputException(source.parameters() + ": the trained tensors do not fit the target "
                    + model.folder() + ": " + e.getMessage(), e);
        }
        return graphs;
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

    /**
     * The plain target: input_ids, attention_mask and logit_positions to the logits at those
     * positions; the final norm and the LM head run on the gathered states alone.
     */
    private static Graph targetGraph(LlamaConfig target, LlamaWeights weights) {
        Graph g = new Graph("target");
        LlamaBuilder llama = new LlamaBuilder(g, target, weights);
        Value ids = g.input(FeedSchema.INPUT_IDS);
        Value mask = g.input(FeedSchema.ATTENTION_MASK);
        Value positions = g.input(FeedSchema.LOGIT_POSITIONS);
        Value last = llama.prefix(ids, llama.context(mask), target.numHiddenLayers());
        g.output(LlamaHooks.LOGITS, llama.lmHead(llama.finalNorm(TokenPositions.gather(last, positions))));
        return g;
    }

    /** Each run's overall Cause / Isolate / Disentangle per split, by run label. */
    private static Map<String, Map<String, ExportManifest.Cid>> scores(ExportSource source) {
        Map<String, Map<String, ExportManifest.Cid>> scores = new LinkedHashMap<>();
        for (RunFolder.Run r : source.runs()) {
            Map<String, ExportManifest.Cid> splits = new LinkedHashMap<>();
            for (Scores.SplitScores s : r.scores().splits()) {
                splits.put(s.split(), new ExportManifest.Cid(value(s.overall().cause()), value(s.overall().isolate()),
                        value(s.overall().disentangle())));
            }
            scores.put(r.method(), splits);
        }
        return scores;
    }

    private static Double value(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
