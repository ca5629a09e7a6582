package org.hyperdas.graphs.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.exec.GraphRunner;
import org.hyperdas.runtime.feeds.FeedSchema;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

/** The masked token loss equals cross-entropy computed in Java from the graph's own logits. */
class CausalLmLossTest {

    @Test
    void maskedMeanOfTokenCrossEntropy() throws Exception {
        LlamaConfig config = TinyLlamas.config(2, false, false);
        CausalLmLoss lm = CausalLmLoss.build(config, DType.FLOAT64);
        lm.graph().output(LlamaHooks.LOGITS, lm.logits());
        lm.graph().output("loss", lm.loss());
        int batch = 2;
        int seq = 5;
        int vocab = config.vocabSize();
        long[] ids = {1, 7, 3, 9, 30, 1, 2, 2, 5, 11};
        long[] labels = {7, 3, 9, 30, 0, 2, 2, 5, 11, 0};
        double[] mask = {1, 1, 0, 1, 0, 0, 1, 1, 1, 0};
        long[] attention = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        Map<String, HostTensor> feeds = new HashMap<>();
        feeds.put(LlamaHooks.INPUT_IDS, HostTensor.ofLongs(ids, batch, seq));
        feeds.put(LlamaHooks.ATTENTION_MASK, HostTensor.ofLongs(attention, batch, seq));
        feeds.put(FeedSchema.NEXT_TOKEN_LABELS.name(), HostTensor.ofLongs(labels, batch, seq));
        feeds.put(FeedSchema.NEXT_TOKEN_LABEL_MASK.name(), HostTensor.ofDoubles(mask, batch, seq));
        TinyLlamas.weights(config, 3, DType.FLOAT64).forEach(feeds::put);
        try (GraphRunner r = GraphRunner.open(lm.graph())) {
            Map<String, HostTensor> out = r.run(feeds);
            double[] logits = out.get(LlamaHooks.LOGITS).toDoubles();
            double sum = 0;
            double count = 0;
            for (int row = 0; row < batch * seq; row++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, logits[row * vocab + v]);
                }
                double z = 0;
                for (int v = 0; v < vocab; v++) {
                    z += Math.exp(logits[row * vocab + v] - max);
                }
                double nll = max + Math.log(z) - logits[row * vocab + (int) labels[row]];
                sum += mask[row] * nll;
                count += mask[row];
            }
            assertEquals(sum / count, out.get("loss").toDoubles()[0], 1e-12);
        }
    }
}
