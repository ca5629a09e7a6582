package org.hyperdas.tests.feeds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.hyperdas.evaluation.batch.Batcher;
import org.hyperdas.evaluation.batch.LongTensor;
import org.hyperdas.evaluation.batch.PairBatch;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairBuilder;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.graphs.hyperdas.SelectionMode;
import org.hyperdas.graphs.intervention.DasRotation;
import org.hyperdas.graphs.intervention.Interchange;
import org.hyperdas.graphs.intervention.InterventionGraph;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.feeds.Feed;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.HfTokenizer;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.testing.SharedData;
import org.hyperdas.trainer.knowledge.KnowledgeGraphs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inputs the graph builders emit (intervention, HyperDAS, knowledge model) are exactly
 * {@link FeedSchema} members, with the schema's element type, rank and dims; and the batcher's
 * {@link PairBatch#feeds()} are exactly the feeds the pair graphs declare, with sizes that agree
 * with every symbolic dim the graphs share between feeds. Built on stories260K's config (random
 * weights) and tokenizer.
 */
class FeedSchemaConformanceTest {
    /** Fed per step by the trainer, not carried by a batch. */
    private static final Set<Feed> PER_STEP = Set.of(FeedSchema.EXAMPLE_WEIGHTS, FeedSchema.SPARSITY_WEIGHT);
    private static final int LAYER = 2;

    private static LlamaConfig config;
    private static LlamaWeights weights;

    @BeforeAll
    static void model() {
        config = LlamaConfig.load(SharedData.require("models/stories260K").resolve("config.json"));
        Random random = new Random(3);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        config.expectedTensors().forEach((name, shape) -> {
            float[] v = new float[(int) (shape.length == 1 ? shape[0] : shape[0] * shape[1])];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.02 * random.nextGaussian());
            }
            w.put(name, HostTensor.ofFloats(v, shape));
        });
        weights = LlamaWeights.inline(w);
    }

    @Test
    void interventionGraphsDeclareSchemaFeeds() {
        Graph das = dasGraph(true);
        assertEquals(names(FeedSchema.BASE_IDS, FeedSchema.BASE_MASK, FeedSchema.SOURCE_IDS, FeedSchema.SOURCE_MASK,
                FeedSchema.BASE_POSITIONS, FeedSchema.SOURCE_POSITIONS, FeedSchema.SITE_MASK, FeedSchema.LABEL_IDS,
                FeedSchema.LABEL_POSITIONS, FeedSchema.LABEL_MASK, FeedSchema.EXAMPLE_WEIGHTS),
                new TreeSet<>(feedInputs(das, Set.of(DasRotation.ROTATION)).keySet()));
        feedInputs(das, Set.of(DasRotation.ROTATION)).values().forEach(v -> assertIsSchemaFeed(pairFeed(v), v));

        Graph plain = new Graph("plain");
        InterventionGraph.plain(plain, config, weights).finish(Interchange.FULL, false, false);
        Map<String, Value> plainFeeds = feedInputs(plain, Set.of());
        assertEquals(names(FeedSchema.BASE_IDS, FeedSchema.BASE_MASK, FeedSchema.LABEL_IDS, FeedSchema.LABEL_POSITIONS,
                FeedSchema.LABEL_MASK), new TreeSet<>(plainFeeds.keySet()));
        plainFeeds.values().forEach(v -> assertIsSchemaFeed(pairFeed(v), v));
    }

    @Test
    void hyperDasGraphsDeclareSchemaFeeds() {
        HyperDasGraphs hd = hyperDas();
        TrainingGraph training = hd.training();
        Map<String, Value> trained = batchInputs(training);
        assertEquals(names(FeedSchema.BASE_IDS, FeedSchema.BASE_MASK, FeedSchema.BASE_INTERVENTION_MASK,
                FeedSchema.SOURCE_IDS, FeedSchema.SOURCE_MASK, FeedSchema.SOURCE_INTERVENTION_MASK,
                FeedSchema.INSTRUCTION_IDS, FeedSchema.INSTRUCTION_MASK, FeedSchema.LABEL_IDS, FeedSchema.LABEL_MASK,
                FeedSchema.LABEL_POSITIONS, FeedSchema.IS_CAUSE, FeedSchema.SPARSITY_WEIGHT),
                new TreeSet<>(trained.keySet()));
        for (Value v : trained.values()) {
            assertIsSchemaFeed(hyperDasFeed(pairFeed(v)), v);
        }
        Map<String, Value> given = feedInputs(hd.evaluation(SelectionMode.GIVEN), Set.of());
        assertEquals(names(FeedSchema.SELECTION_INPUT), difference(given.keySet(), trained.keySet()));
        for (Value v : given.values()) {
            assertIsSchemaFeed(hyperDasFeed(pairFeed(v)), v);
        }
    }

    @Test
    void knowledgeGraphsDeclareLanguageModelFeeds() {
        TrainingGraph step = KnowledgeGraphs.trainingStep(config, 1e-3, 1e-3, 0.0, 0.999, 1.0);
        Map<String, Value> trained = batchInputs(step);
        Map<String, Value> probed = feedInputs(KnowledgeGraphs.probe(config, weights), Set.of());
        List<Feed> expected = List.of(FeedSchema.INPUT_IDS, FeedSchema.ATTENTION_MASK, FeedSchema.TOKEN_LABELS,
                FeedSchema.LABEL_POSITIONS, FeedSchema.TOKEN_LABEL_MASK, FeedSchema.EXAMPLE_WEIGHTS);
        assertEquals(names(expected.toArray(Feed[]::new)), new TreeSet<>(trained.keySet()));
        for (Feed f : expected) {
            assertTrue(FeedSchema.LANGUAGE_MODEL_INPUTS.contains(f), f.toString());
            assertIsSchemaFeed(f, trained.get(f.name()));
            if (probed.containsKey(f.name())) {
                assertIsSchemaFeed(f, probed.get(f.name()));
            }
        }
        assertTrue(trained.keySet().containsAll(probed.keySet()), "probe feeds " + probed.keySet());
    }

    @Test
    void theBatcherProducesExactlyTheFeedsThePairGraphsDeclare() throws Exception {
        PairBatch batch = batch();
        Map<String, LongTensor> fed = new HashMap<>();
        batch.feeds().forEach((f, t) -> fed.put(f.name(), t));
        assertEquals(batch.feeds().size(), fed.size(), "one tensor per feed name");

        Graph das = dasGraph(true);
        TrainingGraph hyperDas = hyperDas().training();
        Set<String> declared = new LinkedHashSet<>();
        for (Map<String, Value> graphFeeds : List.of(feedInputs(das, Set.of(DasRotation.ROTATION)),
                batchInputs(hyperDas))) {
            graphFeeds.keySet().removeAll(names(PER_STEP.toArray(Feed[]::new)));
            assertTrue(fed.keySet().containsAll(graphFeeds.keySet()), "batch lacks "
                    + difference(graphFeeds.keySet(), fed.keySet()));
            assertDimsAgree(graphFeeds, fed, batch.size());
            declared.addAll(graphFeeds.keySet());
        }
        assertEquals(new TreeSet<>(declared), new TreeSet<>(fed.keySet()), "the batch carries no feed no graph reads");
        for (Map.Entry<Feed, LongTensor> e : batch.feeds().entrySet()) {
            assertEquals(Feed.ElementType.INT64, e.getKey().type());
            assertEquals(FeedSchema.byName(e.getKey().name()).orElseThrow(), e.getKey());
        }

        // ONNX Runtime takes the batch's tensors as the DAS evaluation graph's inputs as they are.
        Graph eval = dasGraph(false);
        Map<String, HostTensor> in = new HashMap<>();
        for (String name : feedInputs(eval, Set.of(DasRotation.ROTATION)).keySet()) {
            LongTensor t = fed.get(name);
            in.put(name, HostTensor.ofLongs(t.toArray(), t.shape()));
        }
        in.put(DasRotation.ROTATION, HostTensor.ofFloats(new float[config.hiddenSize()], config.hiddenSize(), 1));
        try (GraphRunner runner = GraphRunner.open(eval)) {
            HostTensor predictions = runner.run(in).get(InterventionGraph.PREDICTIONS);
            assertArrayEquals(batch.labelIds().shape(), predictions.shape());
        }
    }

    // ------------------------------------------------------------------ graphs and batch

    private static Graph dasGraph(boolean withLoss) {
        Graph g = new Graph("das");
        InterventionGraph ig = InterventionGraph.create(g, config, weights, LAYER);
        Value rotation = DasRotation.input(g, config.hiddenSize(), DType.FLOAT32);
        ig.finish(DasRotation.of(rotation), withLoss, false);
        return g;
    }

    private static HyperDasGraphs hyperDas() {
        HyperDasConfig c = HyperDasConfig.defaults(config).withLayer(LAYER).withSubspaceDim(4).withHypernetLayers(1)
                .withSelectionHeads(4).withHouseholderIntermediate(12).withSeed(3); // a multiple of the 4 KV heads
        return new HyperDasGraphs(config, weights, c, DType.FLOAT32);
    }

    private static PairBatch batch() {
        List<Pair> pairs = new ArrayList<>();
        for (String type : RavelLoader.EMBEDDED_TYPES) {
            pairs.addAll(new PairBuilder(RavelLoader.loadEmbedded(type), PairOptions.defaults(4).withLimits(5, 5))
                    .buildAll(PairSplit.TRAIN).subList(0, 2));
        }
        try (HfTokenizer tok = HfTokenizer.open(SharedData.require("models/stories260K").resolve("tokenizer.json"))) {
            return new Batcher(tok, Batcher.Options.defaults(tok).withBatchSize(pairs.size()).withOnlyKnown(false))
                    .batch(pairs);
        }
    }

    // ------------------------------------------------------------------ checks

    /** Graph inputs that are fed per batch: not parameters, not the named others. */
    private static Map<String, Value> feedInputs(Graph g, Set<String> others) {
        Set<Value> parameters = Set.copyOf(g.parameters());
        Map<String, Value> out = new LinkedHashMap<>();
        for (Value v : g.inputs()) {
            if (!parameters.contains(v) && !others.contains(v.name())) {
                out.put(v.name(), v);
            }
        }
        return out;
    }

    /** A training step's batch inputs without its learning-rate factor. */
    private static Map<String, Value> batchInputs(TrainingGraph training) {
        Map<String, Value> all = feedInputs(training.graph(), Set.of());
        Map<String, Value> out = new LinkedHashMap<>();
        for (String name : training.batchInputs()) {
            if (!name.equals(training.lrScaleInput())) {
                out.put(name, assertNotNullAnd(all.get(name), name));
            }
        }
        return out;
    }

    private static Value assertNotNullAnd(Value v, String name) {
        assertNotNull(v, "batch input " + name + " is not a graph input");
        return v;
    }

    private static Feed pairFeed(Value v) {
        return FeedSchema.byName(v.name()).orElseThrow(() -> new AssertionError(v.name() + " is not in FeedSchema"));
    }

    /** The HyperDAS graphs' variant of a label feed (their label axis is label_len). */
    private static Feed hyperDasFeed(Feed f) {
        return Stream.of(FeedSchema.HYPERDAS_LABEL_IDS, FeedSchema.HYPERDAS_LABEL_MASK,
                FeedSchema.HYPERDAS_LABEL_POSITIONS).filter(h -> h.name().equals(f.name())).findFirst().orElse(f);
    }

    private static void assertIsSchemaFeed(Feed expected, Value declared) {
        assertEquals(expected.name(), declared.name());
        assertEquals(DType.valueOf(expected.type().name()), declared.dtype(), declared.name());
        assertEquals(expected.rank(), declared.rank(), declared.name());
        assertEquals(expected.dims(), dims(declared), declared.name());
    }

    private static List<String> dims(Value v) {
        List<String> out = new ArrayList<>();
        for (Dim d : v.shape().dims()) {
            out.add(d instanceof Dim.Symbolic s ? s.name() : Long.toString(((Dim.Static) d).size()));
        }
        return out;
    }

    /** Each symbolic dim takes one size across the feeds of a graph; batch is the batch's size. */
    private static void assertDimsAgree(Map<String, Value> declared, Map<String, LongTensor> fed, int batchSize) {
        Map<String, Long> bound = new HashMap<>(Map.of(FeedSchema.BATCH, (long) batchSize));
        for (Value v : declared.values()) {
            LongTensor t = fed.get(v.name());
            assertEquals(v.rank(), t.rank(), v.name());
            List<String> names = dims(v);
            for (int axis = 0; axis < names.size(); axis++) {
                long size = t.dim(axis);
                Long before = bound.putIfAbsent(names.get(axis), size);
                assertEquals(before == null ? size : before, size, v.name() + " axis " + names.get(axis));
            }
        }
        assertTrue(bound.size() > 3, "symbolic dims bound: " + bound);
    }

    private static Set<String> names(Feed... feeds) {
        Set<String> out = new TreeSet<>();
        for (Feed f : feeds) {
            out.add(f.name());
        }
        return out;
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }
}
