package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.CausalLmLoss;
import org.hyperdas.graphs.llama.LlamaGraphs;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.llama.TinyLlamas;
import org.hyperdas.graphs.optim.AdamWConfig;
import org.hyperdas.graphs.optim.ParamGroup;
import org.hyperdas.graphs.optim.TrainingGraph;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

/**
 * Pins the serialized ONNX models of representative graphs (node order, op types, attributes,
 * names, initializers) to SHA-256 digests recorded from the code before the op table and the
 * gradient registry existed: any change in what the builders emit, forward or backward, fails
 * here. A deliberate change of emission must update the digests.
 */
class EmissionFingerprintTest {

    @Test
    void llamaTrainingGraphIsUnchanged() {
        LlamaConfig config = TinyLlamas.config(2, false, true);
        CausalLmLoss lm = CausalLmLoss.build(config);
        TrainingGraph training = TrainingGraph.builder(lm.loss())
                .group(new ParamGroup("all", 1.5e-2, 0.01))
                .params("all", lm.graph().parameters().toArray(Value[]::new))
                .optimizer(AdamWConfig.defaults())
                .clipNorm(1.0)
                .scheduledLr(true)
                .build();
        assertDigest("d95f519871ddd2285964c597248b57ee7301fe82ff470fdfa11137761d7b636a", training.model());
    }

    @Test
    void hyperDasTrainingGraphIsUnchanged() {
        assertDigest("2661b6cbd1292fb6ed714cbb497e68ea0eb94c2962e852e3a0390beac1e16d40", graphs(DType.FLOAT32).training().model());
    }

    @Test
    void hyperDasEvaluationGraphsAreUnchanged() {
        HyperDasGraphs graphs = graphs(DType.FLOAT64);
        assertEquals(List.of("21e691769d541c4fd3283ccc89af0038136db24938353b8888fbecb4cc9a6f24",
                "d5c8fc8b0ca7415689653089eba21ef01d145fdf25ef8b4b369318242d8bb2be",
                "ee0621e761a0e0656dc5473746f90d57a05d563fb0a442d9bf84c0c35af361a3"),
                List.of(digest(graphs.evaluation(SelectionMode.SOFT).toBytes()),
                digest(graphs.evaluation(SelectionMode.ONE_TO_MANY).toBytes()),
                digest(graphs.evaluation(SelectionMode.ONE_TO_ONE, true).toBytes())));
    }

    @Test
    void llamaInferenceGraphsAreUnchanged() {
        LlamaConfig config = TinyLlamas.config(2, true, false);
        LlamaWeights weights = LlamaWeights.inline(TinyLlamas.weights(config, 11, DType.FLOAT32));
        assertEquals(List.of("09b10877a350438f858ce66b731d753f3e5916b13e84d04b395e890c5bdf9a28",
                "5519e957efaa0c340d3f33f92bb4128cbc040438809cb5865b4a1449c4809a79",
                "c85e2c4a1b77aff7e761a1602dda3f2728e05ad17235f161af780d137ba0481a"),
                List.of(digest(LlamaGraphs.forward(config, weights).toBytes()),
                digest(LlamaGraphs.nextTokenLogits(config, weights).toBytes()),
                digest(LlamaGraphs.cachedStep(config, weights).toBytes())));
    }

    private static HyperDasGraphs graphs(DType dtype) {
        LlamaConfig target = HyperDasFixtures.target();
        Map<String, HostTensor> weights = HyperDasFixtures.targetWeights(target, dtype);
        return new HyperDasGraphs(target, LlamaWeights.inline(weights), HyperDasFixtures.config(target), dtype);
    }

    private static void assertDigest(String expected, byte[] model) {
        assertEquals(expected, digest(model));
    }

    private static String digest(byte[] model) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
