package org.hyperdas.graphs.intervention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.graphs.llama.TinyLlamas;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.junit.jupiter.api.Test;

/**
 * Pins the serialized ONNX models of the intervention graphs (a DAS graph with loss and label
 * logits, an interchange graph without loss, the plain model) to SHA-256 digests recorded from the
 * code before the feeds came from one schema: declaring the inputs from the schema changes no byte.
 */
class InterventionEmissionFingerprintTest {

    @Test
    void interventionGraphsAreUnchanged() {
        LlamaConfig config = TinyLlamas.config(2, false, true);
        LlamaWeights weights = LlamaWeights.inline(TinyLlamas.weights(config, 7, DType.FLOAT32));
        Graph das = new Graph("das");
        InterventionGraph ig = InterventionGraph.create(das, config, weights, 1);
        Value rotation = DasRotation.input(das, config.hiddenSize(), DType.FLOAT32);
        ig.finish(DasRotation.of(rotation), true, true);
        Graph patching = new Graph("patching");
        InterventionGraph.create(patching, config, weights, 2).finish(Interchange.FULL, false, false);
        Graph plain = new Graph("plain");
        InterventionGraph.plain(plain, config, weights).finish(Interchange.FULL, false, false);
        assertEquals(List.of("079a44735e892539f4d6eb5e81d7184324248ab37e09c7f001980912af4adebd",
                "3ebef24df2e5c45b8cbf42fc4d914d4bbd1df73d8d1e198fe4c0117ed3b6bfc2",
                "943bc2ae84629fd836b4e77bcd98475c7d001ac84db9df7e3dc57698aeeb6de1"),
                List.of(digest(das.toBytes()), digest(patching.toBytes()), digest(plain.toBytes())));
    }

    private static String digest(byte[] model) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
