package org.hyperdas.trainer.knowledge;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.HfModel;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.io.AtomicFiles;
import org.hyperdas.runtime.io.OutputFolder;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.train.TrainStep;
import org.hyperdas.trainer.CacheDirs;
import org.hyperdas.trainer.TrainLoop;
import org.hyperdas.trainer.tokenizer.WordLevelTokenizerBuilder;

/**
 * Pretrains the knowledge model: a small Llama that learns RAVEL facts stated through RAVEL prompt
 * templates, then writes a Hugging Face model folder with its knowledge report.
 *
 * <p>What happens ({@link #run}):
 * <ol>
 *   <li>Facts of the chosen entity types ({@link KnowledgeCorpus}); a word-level tokenizer built
 *       from every sentence and instruction text ({@link WordLevelTokenizerBuilder}).
 *   <li>One training-step graph ({@link KnowledgeGraphs#trainingStep}: weights as inputs, label
 *       cross-entropy on the value tokens + EOS, AdamW, clipping) and one {@link TrainStep}, built
 *       once; batches go through reused direct buffers ({@link TokenBatch}).
 *   <li>Epochs of shuffled, length-grouped batches; warm-up + cosine (or linear) decay; a progress
 *       line on the log (epoch, step, loss, accuracy, tokens/s, ETA); a checkpoint every N steps.
 *   <li>The model folder (model.safetensors with HF Llama names, config.json, tokenizer.json,
 *       tokenizer_config.json, generation_config.json, training.json, knowledge.json) is written
 *       into a temporary sibling folder, probed ({@link KnowledgeReport}), then moved into place.
 * </ol>
 *
 * <p>Reproducible: the weights, the template rotation and the batch order come from the seed, so
 * the same seed on the same machine gives bit-identical weights; a run resumed from a checkpoint
 * continues exactly where it stopped. Working files (checkpoint, tokenizer, run settings) live in
 * {@link CacheDirs#partialFolder} until the model folder is in place, and are then deleted.
 */
public final class KnowledgeTrainer {
    /** Checkpoint file inside the partial folder. */
    public static final String CHECKPOINT = "checkpoint.safetensors";
    /** Run settings inside the partial folder (and, as training.json, in the model folder). */
    public static final String RUN_FILE = "run.json";
    public static final String TRAINING_FILE = "training.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SETTINGS_KEY = "settings";
    private static final long PROGRESS_NANOS = 5_000_000_000L;

    /**
     * @param modelFolder the written model folder (null when the run stopped early)
     * @param config the model's config
     * @param steps optimizer steps completed
     * @param totalSteps steps of the whole run
     * @param trainSeconds wall time of the training loop in this process
     * @param finalLoss mean loss over the last epoch's steps run in this process (NaN if none)
     * @param report the knowledge report (null when the run stopped early)
     */
    public record Result(Path modelFolder, LlamaConfig config, long steps, long totalSteps, double trainSeconds,
            double finalLoss, List<Double> epochLosses, KnowledgeReport report) {
        public boolean completed() {
            return modelFolder != null;
        }
    }

    private final PretrainOptions options;
    private final PrintStream log;

    private KnowledgeTrainer(PretrainOptions options, PrintStream log) {
        this.options = options;
        this.log = log != null ? log : new PrintStream(java.io.OutputStream.nullOutputStream());
    }

    /** Runs (or resumes) a whole pretraining; see {@link #run(PretrainOptions, boolean, long, PrintStream)}. */
    public static Result run(PretrainOptions options, boolean resume, PrintStream log) throws IOException, OrtException {
        return run(options, resume, 0, log);
    }

    /**
     * Trains, writes the model folder and the knowledge report.
     *
     * @param resume continue from the checkpoint of an interrupted run with the same settings
     * @param stopAfterSteps when &gt; 0 and smaller than the run's steps: stop once this many steps
     *     are done, leaving a checkpoint for a later resume, and write no model folder
     * @param log progress lines (null: silent)
     * @throws BadInputException for bad options, data folders, or a resume without a matching checkpoint
     */
    public static Result run(PretrainOptions options, boolean resume, long stopAfterSteps, PrintStream log)
            throws IOException, OrtException {
        return new KnowledgeTrainer(options.validate(), log).train(resume, stopAfterSteps);
    }

    /** The datasets of the options' entity types (embedded or from the RAVEL folder). */
    public static List<RavelDataset> loadDatasets(Path ravel, List<String> entityTypes) {
        List<String> available = ravel == null ? RavelLoader.EMBEDDED_TYPES : RavelLoader.entityTypes(ravel);
        List<String> types = entityTypes == null || entityTypes.isEmpty() ? available : entityTypes;
        for (String t : types) {
            if (!available.contains(t)) {
                throw new BadInputException((ravel == null ? "embedded RAVEL dataset" : ravel.toString())
                        + ": entity type '" + t + "': expected one of " + available);
            }
        }
        List<RavelDataset> out = new ArrayList<>();
        for (String t : types) {
            out.add(ravel == null ? RavelLoader.loadEmbedded(t) : RavelLoader.load(ravel, t));
        }
        return out;
    }

    /** The Llama config of a run: the options' sizes and the tokenizer's vocabulary and special ids. */
    public static LlamaConfig config(PretrainOptions o, int vocabSize, int maxLength) {
        return LlamaConfig.builder()
                .hiddenSize(o.hidden())
                .intermediateSize(o.intermediateSize())
                .numHiddenLayers(o.layers())
                .numAttentionHeads(o.heads())
                .numKeyValueHeads(o.kvHeads())
                .vocabSize(vocabSize)
                .maxPositionEmbeddings(Math.max(512, Integer.highestOneBit(Math.max(1, maxLength - 1)) * 2))
                .rmsNormEps(1e-5)
                .ropeTheta(10000)
                .tieWordEmbeddings(false)
                .bosTokenId(WordLevelTokenizerBuilder.BOS_ID)
                .eosTokenId(WordLevelTokenizerBuilder.EOS_ID)
                .torchDtype("float32")
                .build();
    }

    // ---------------------------------------------------------------- the run

    private Result train(boolean resume, long stopAfterSteps) throws IOException, OrtException {
        long t0 = System.nanoTime();
        Path out = options.out().toAbsolutePath().normalize();
        Path partial = CacheDirs.partialFolder(out);
        KnowledgeCorpus corpus = KnowledgeCorpus.of(loadDatasets(options.ravel(), options.entityTypes()));
        if (corpus.facts().isEmpty()) {
            throw new BadInputException("pretrain: the chosen entity types " + corpus.entityTypes()
                    + " have no facts with prompt templates");
        }
        Map<String, Object> settings = options.trainingSettings();
        Path checkpoint = partial.resolve(CHECKPOINT);
        prepare(resume, partial, checkpoint, settings, corpus);
        OrtEngine engine = OrtEngine.cpu();
        if (options.threads() > 0) {
            engine = engine.withIntraOpThreads(options.threads());
        }
        try (HfTokenizer tokenizer = HfTokenizer.open(partial.resolve("tokenizer.json"))) {
            List<List<LabeledExample>> firstEpoch = KnowledgeTask.epochBatches(options, corpus, tokenizer, 0);
            int maxLength = firstEpoch.stream().flatMap(List::stream).mapToInt(LabeledExample::length).max().orElse(1);
            LlamaConfig config = config(options, tokenizer.vocabSize(), maxLength);
            TrainingGraph graph = KnowledgeGraphs.trainingStep(config, options.lr(),
                    options.lr() * options.embeddingLrScale(), options.weightDecay(),
                    options.beta2(), options.clipNorm());
            try (OrtSession session = engine.session(graph.model());
                    TrainStep step = new TrainStep(session, graph.stepSpec(KnowledgeGraphs.initialWeights(config,
                            options.seed(), options.initialStd())));
                    TokenBatch batch = new TokenBatch(tokenizer.eosId().orElse(0))) {
                KnowledgeTask task = new KnowledgeTask(options, corpus, tokenizer, batch, firstEpoch, stopAfterSteps);
                logPlan(corpus, tokenizer, config, task, engine);
                TrainLoop.Checkpoint c = new TrainLoop.Checkpoint(checkpoint, options.checkpointEvery(), resume,
                        Map.of(SETTINGS_KEY, JSON.writeValueAsString(settings)));
                TrainLoop.Result r = new TrainLoop(new TrainLoop.Settings("pretrain", stopAfterSteps, 0,
                        PROGRESS_NANOS, c), log).run(step, graph.lrScaleInput(), task);
                List<Double> epochLosses = task.epochLosses();
                if (r.stepsDone() < task.totalSteps()) {
                    log.printf(Locale.ROOT, "stopped after %,d of %,d steps; checkpoint %s (continue with --resume)%n",
                            r.stepsDone(), task.totalSteps(), checkpoint);
                    return new Result(null, config, r.stepsDone(), task.totalSteps(), r.seconds(), last(epochLosses),
                            epochLosses, null);
                }
                KnowledgeReport report = finish(out, partial, step, config, settings, r, epochLosses, corpus, engine);
                log.printf(Locale.ROOT, "wrote %s (%.1f s in all)%n", out, (System.nanoTime() - t0) / 1e9);
                return new Result(out, config, r.stepsDone(), task.totalSteps(), r.seconds(), last(epochLosses),
                        epochLosses, report);
            }
        }
    }

    /** A fresh run: a clean partial folder with the tokenizer and the run settings; a resume: checks them. */
    private void prepare(boolean resume, Path partial, Path checkpoint, Map<String, Object> settings,
            KnowledgeCorpus corpus) throws IOException {
        if (resume) {
            checkResumable(partial, checkpoint, settings);
            return;
        }
        if (Files.exists(partial)) {
            log.println("note: discarding the unfinished run in " + partial + " (pass --resume to continue it)");
            deleteTree(partial);
        }
        Files.createDirectories(partial);
        WordLevelTokenizerBuilder builder = new WordLevelTokenizerBuilder();
        builder.addAll(corpus.vocabularyTexts());
        builder.build().write(partial);
        AtomicFiles.writeString(partial.resolve(RUN_FILE), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(settings) + "\n");
    }

    private void logPlan(KnowledgeCorpus corpus, HfTokenizer tokenizer, LlamaConfig config, KnowledgeTask task,
            OrtEngine engine) {
        log.printf(Locale.ROOT, "pretrain: %s; %,d facts, %,d sentences over all templates; vocab %,d%n",
                corpus.entityTypes(), corpus.facts().size(), corpus.allSentenceCount(), tokenizer.vocabSize());
        log.printf(Locale.ROOT, "model: %d layers, hidden %d, heads %d/%d kv, intermediate %d, %,d parameters%n",
                config.numHiddenLayers(), config.hiddenSize(), config.numAttentionHeads(),
                config.numKeyValueHeads(), config.intermediateSize(), config.parameterCount());
        log.printf(Locale.ROOT, "training: %d epochs x %,d steps (batch %d, %d template(s) per fact), lr %.1e %s,"
                + " %s threads%n", options.epochs(), task.stepsPerEpoch(), options.batchSize(),
                options.templatesPerFact(), options.lr(), options.schedule(), engine.intraOpThreads());
    }

    /** Writes the model folder beside {@code out}, probes its knowledge, then moves it into place. */
    private KnowledgeReport finish(Path out, Path partial, TrainStep step, LlamaConfig config,
            Map<String, Object> settings, TrainLoop.Result r, List<Double> epochLosses, KnowledgeCorpus corpus,
            OrtEngine engine) throws IOException, OrtException {
        Path staging = OutputFolder.newTempSibling(out, OutputKind.PRETRAIN);
        try {
            writeModel(staging, partial, step, config, settings, r.stepsDone(), r.seconds(), epochLosses);
            KnowledgeReport report;
            try (HfModel model = HfModel.open(staging);
                    KnowledgeProbe probe = KnowledgeProbe.open(model, engine)) {
                long r0 = System.nanoTime();
                report = KnowledgeReport.evaluate(probe, corpus, log);
                log.printf(Locale.ROOT, "knowledge report: %,d sentences in %.1f s%n",
                        corpus.allSentenceCount(), (System.nanoTime() - r0) / 1e9);
            }
            report = new KnowledgeReport(out.toString(), entitiesOf(corpus), report.attributes());
            report.write(staging);
            OutputFolder.install(staging, out, OutputKind.PRETRAIN);
            deleteTree(partial);
            return report;
        } finally {
            if (Files.exists(staging)) {
                deleteTree(staging);
            }
        }
    }

    private static double last(List<Double> values) {
        return values.isEmpty() ? Double.NaN : values.get(values.size() - 1);
    }

    private static Map<String, List<String>> entitiesOf(KnowledgeCorpus corpus) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (RavelDataset ds : corpus.datasets()) {
            m.put(ds.entityType(), ds.entities().stream().map(org.hyperdas.evaluation.ravel.Entity::name).toList());
        }
        return m;
    }

    private void checkResumable(Path partial, Path checkpoint, Map<String, Object> settings) throws IOException {
        if (!Files.isRegularFile(checkpoint) || !Files.isRegularFile(partial.resolve("tokenizer.json"))
                || !Files.isRegularFile(partial.resolve(RUN_FILE))) {
            throw BadInputException.file(partial, "nothing to resume: expected " + CHECKPOINT + ", tokenizer.json and "
                    + RUN_FILE + " of an unfinished run (run without --resume to start one)");
        }
        JsonNode saved = JSON.readTree(partial.resolve(RUN_FILE).toFile());
        JsonNode now = JSON.readTree(JSON.writeValueAsString(settings)); // parsed as the saved file is
        if (!saved.equals(now)) {
            List<String> diffs = new ArrayList<>();
            now.fieldNames().forEachRemaining(f -> {
                if (!now.get(f).equals(saved.get(f))) {
                    diffs.add(f + " " + saved.get(f) + " (checkpoint) vs " + now.get(f) + " (now)");
                }
            });
            throw BadInputException.file(partial.resolve(RUN_FILE), "--resume needs the settings of the interrupted "
                    + "run; they differ: " + String.join(", ", diffs));
        }
    }

    // ---------------------------------------------------------------- output folder

    private void writeModel(Path folder, Path partial, TrainStep step, LlamaConfig config, Map<String, Object> settings,
            long steps, double trainSeconds, List<Double> epochLosses) throws IOException {
        Files.createDirectories(folder);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        config.expectedTensors().forEach((name, shape) -> w.addF32(name, shape, step.floats(name)));
        w.write(folder.resolve("model.safetensors"));
        config.save(folder.resolve("config.json"));
        Files.copy(partial.resolve("tokenizer.json"), folder.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.copy(partial.resolve("tokenizer_config.json"), folder.resolve("tokenizer_config.json"),
                StandardCopyOption.REPLACE_EXISTING);
        ObjectNode gen = JSON.createObjectNode();
        gen.put("bos_token_id", WordLevelTokenizerBuilder.BOS_ID);
        gen.put("eos_token_id", WordLevelTokenizerBuilder.EOS_ID);
        gen.put("do_sample", false);
        AtomicFiles.writeString(folder.resolve("generation_config.json"), JSON.writeValueAsString(gen) + "\n");
        ObjectNode training = JSON.createObjectNode();
        training.set("settings", JSON.valueToTree(settings));
        training.put("steps", steps);
        training.put("train_seconds_last_session", trainSeconds);
        training.set("epoch_losses", JSON.valueToTree(epochLosses));
        AtomicFiles.writeString(folder.resolve(TRAINING_FILE), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(training) + "\n");
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }
}
