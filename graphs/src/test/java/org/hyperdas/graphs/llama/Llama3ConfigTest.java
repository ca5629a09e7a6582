package org.hyperdas.graphs.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Value;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.ort.OrtEngine;
import org.junit.jupiter.api.Test;

/**
 * The published Llama-3-8B config builds, with its weights as named inputs, into a graph ONNX
 * Runtime accepts. Only the session is created (no weights exist here, and none are needed since
 * they are inputs); nothing is run.
 */
class Llama3ConfigTest {
    static LlamaConfig llama3_8b() {
        return LlamaConfig.builder().hiddenSize(4096).intermediateSize(14336).numHiddenLayers(32)
                .numAttentionHeads(32).numKeyValueHeads(8).headDim(128).vocabSize(128256)
                .maxPositionEmbeddings(8192).rmsNormEps(1e-5).ropeTheta(500000)
                .ropeScaling(new LlamaConfig.RopeScaling("llama3", 8, 1, 4, 8192)).tieWordEmbeddings(false)
                .bosTokenId(128000).eosTokenId(128001).torchDtype("bfloat16").build();
    }

    @Test
    void weightInputsAreExactlyTheCheckpointTensorsAndOnnxRuntimeAcceptsTheGraph() throws Exception {
        LlamaConfig config = llama3_8b();
        Graph g = LlamaGraphs.forward(config, LlamaWeights.inputs());
        Map<String, long[]> expected = config.expectedTensors();
        assertEquals(291, expected.size());
        List<String> names = new ArrayList<>();
        for (Value p : g.parameters()) {
            names.add(p.name());
            assertArrayEquals(expected.get(p.name()), p.shape().staticDims(), p.name());
        }
        assertEquals(new ArrayList<>(expected.keySet()), names, "parameters in checkpoint order");

        try (OrtSession session = OrtEngine.cpu().session(g.toBytes())) {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            assertEquals(291 + 2, inputs.size());
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                TensorInfo info = (TensorInfo) inputs.get(e.getKey()).getInfo();
                assertArrayEquals(e.getValue(), info.getShape(), e.getKey());
            }
            TensorInfo logits = (TensorInfo) session.getOutputInfo().get(LlamaHooks.LOGITS).getInfo();
            assertEquals(128256, logits.getShape()[2]);
        }
    }
}
