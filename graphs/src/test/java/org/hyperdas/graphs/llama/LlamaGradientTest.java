package org.hyperdas.graphs.llama;

import static org.hyperdas.graphs.FiniteDifference.in;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.hyperdas.graphs.Autodiff;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.FiniteDifference;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.graphs.nn.CrossEntropy;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

/** Gradients through the Llama graph against central finite differences, on tiny float64 models. */
class LlamaGradientTest {
    private static final double H = 1e-6;
    /** Left padding in row 0 (a fully masked query row), right padding in row 1. */
    private static final long[] MASK = {0, 1, 1, 1, 1, 1, 1, 0};
    private static final long[] IDS = {0, 5, 9, 3, 7, 7, 30, 0};

    @Test
    void logitsGradientWithRespectToTheLayerResidualMatchesFiniteDifferences() throws Exception {
        LlamaConfig config = TinyLlamas.config(3, false, true);
        LlamaWeights weights = LlamaWeights.inline(TinyLlamas.weights(config, 11, DType.FLOAT64));
        double worst = 0;
        for (int layer : new int[] {1, 3}) {
            worst = Math.max(worst, FiniteDifference.worstRelativeError(
                    List.of(in("residual", Shape.of(2, 4, config.hiddenSize()), 2, 4, config.hiddenSize())), v -> {
                        Value residual = v.get("residual");
                        LlamaBuilder llama = new LlamaBuilder(residual.graph(), config, weights, residual.dtype());
                        Value mask = residual.graph().constant(HostTensor.ofLongs(MASK, 2, 4));
                        return llama.suffix(residual, llama.context(mask), layer);
                    }, H, 17 + layer));
        }
        System.out.printf("Llama suffix: d(logits . w)/d(residual), worst relative error %.2e%n", worst);
        assertTrue(worst < 1e-5, "worst relative error " + worst);
    }

    /**
     * Weights as graph parameters (the knowledge-model training mode): the label cross-entropy's
     * gradient with respect to every weight tensor, checked at sampled elements.
     */
    @Test
    void lossGradientWithRespectToTheWeightsMatchesFiniteDifferences() throws Exception {
        LlamaConfig config = TinyLlamas.config(2, true, false);
        Map<String, HostTensor> values = TinyLlamas.weights(config, 5, DType.FLOAT64);
        Graph g = new Graph("train");
        LlamaBuilder llama = new LlamaBuilder(g, config, LlamaWeights.inputs(DType.FLOAT64), DType.FLOAT64);
        Value ids = llama.tokenInput(LlamaHooks.INPUT_IDS, "seq");
        Value mask = llama.tokenInput(LlamaHooks.ATTENTION_MASK, "seq");
        Value logits = llama.forward(ids, llama.context(mask)).logits();
        Value labels = g.input("labels", DType.INT64, Shape.of("batch", "L"));
        Value positions = g.input("label_positions", DType.INT64, Shape.of("batch", "L"));
        Value labelMask = g.input("label_mask", DType.FLOAT64, Shape.of("batch", "L"));
        Value exampleWeights = g.input("example_weights", DType.FLOAT64, Shape.of("batch"));
        Value loss = CrossEntropy.atPositions(logits, labels, positions, labelMask, exampleWeights, 1).loss();
        List<Value> params = g.parameters();
        List<Value> grads = Autodiff.gradients(loss, params);
        g.output("loss", loss);
        for (int i = 0; i < params.size(); i++) {
            g.output("grad." + params.get(i).name(), grads.get(i));
        }
        Map<String, HostTensor> feeds = new HashMap<>(values);
        feeds.put(LlamaHooks.INPUT_IDS, HostTensor.ofLongs(IDS, 2, 4));
        feeds.put(LlamaHooks.ATTENTION_MASK, HostTensor.ofLongs(MASK, 2, 4));
        feeds.put("labels", HostTensor.ofLongs(new long[] {9, 3, 30, 4}, 2, 2));
        feeds.put("label_positions", HostTensor.ofLongs(new long[] {1, 2, 1, 2}, 2, 2));
        feeds.put("label_mask", HostTensor.ofDoubles(new double[] {1, 1, 1, 0}, 2, 2));
        feeds.put("example_weights", HostTensor.ofDoubles(new double[] {3.5, 0.5}, 2));
        Random random = new Random(3);
        double worst = 0;
        try (GraphRunner r = GraphRunner.open(g)) {
            Map<String, HostTensor> analytic = r.run(feeds);
            for (Value p : params) {
                double[] base = values.get(p.name()).toDoubles();
                long[] shape = values.get(p.name()).shape();
                double[] grad = analytic.get("grad." + p.name()).toDoubles();
                for (int sample = 0; sample < 3; sample++) {
                    int k = random.nextInt(base.length);
                    double[] plus = base.clone();
                    plus[k] += H;
                    double[] minus = base.clone();
                    minus[k] -= H;
                    feeds.put(p.name(), HostTensor.ofDoubles(plus, shape));
                    double lossPlus = r.run(feeds, Set.of("loss")).get("loss").toDoubles()[0];
                    feeds.put(p.name(), HostTensor.ofDoubles(minus, shape));
                    double lossMinus = r.run(feeds, Set.of("loss")).get("loss").toDoubles()[0];
                    feeds.put(p.name(), values.get(p.name()));
                    double numeric = (lossPlus - lossMinus) / (2 * H);
                    double scale = Math.max(1e-3, Math.max(Math.abs(numeric), Math.abs(grad[k])));
                    worst = Math.max(worst, Math.abs(numeric - grad[k]) / scale);
                }
            }
        }
        System.out.printf("Llama weights: d(loss)/d(weights) over %d tensors, worst relative error %.2e%n",
                params.size(), worst);
        assertTrue(worst < 1e-5, "worst relative error " + worst);
    }
}
