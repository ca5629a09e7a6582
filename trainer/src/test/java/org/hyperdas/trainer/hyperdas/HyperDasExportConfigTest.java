package org.hyperdas.trainer.hyperdas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hyperdas.graphs.hyperdas.Ablations;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasParameters;
import org.hyperdas.graphs.hyperdas.HypernetEmbedding;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a saved HyperDAS model back for export: the configuration rebuilt from the parameters
 * file alone must be the one the parameters were made for, ablated or not, so the exported graphs
 * have exactly the saved tensors.
 */
class HyperDasExportConfigTest {
    private static final LlamaConfig TARGET = LlamaConfig.builder().hiddenSize(32).intermediateSize(48)
            .numHiddenLayers(3).numAttentionHeads(4).numKeyValueHeads(2).vocabSize(50).build();

    @TempDir
    Path dir;

    @Test
    void everyStructuralAblationAndTheEmbeddingSettingAreReadBackFromTheTensors() throws Exception {
        List<Ablations> variants = List.of(Ablations.NONE,
                Ablations.parse(List.of("no-source-cross"), null),
                Ablations.parse(List.of("no-base-cross"), "plain"),
                Ablations.parse(List.of(), "mask"),
                Ablations.parse(List.of("no-source-cross", "no-base-cross"), "mask"));
        int i = 0;
        for (Ablations a : variants) {
            for (HypernetEmbedding e : HypernetEmbedding.values()) {
                HyperDasConfig saved = HyperDasConfig.defaults(TARGET).withLayer(1).withSubspaceDim(8)
                        .withHypernetLayers(2).withAblations(a).withHypernetEmbedding(e).validate(TARGET);
                Path file = dir.resolve("p" + (i++) + ".safetensors");
                SafetensorsWriter w = new SafetensorsWriter();
                for (Map.Entry<String, long[]> t : HyperDasParameters.shapes(TARGET, saved).entrySet()) {
                    w.addF32(t.getKey(), t.getValue(), new float[(int) count(t.getValue())]);
                }
                w.write(file);
                try (WeightStore store = WeightStore.open(file)) {
                    HyperDasConfig read = HyperDasExport.hyperDasConfig(TARGET, 1, 8, store, file);
                    assertEquals(a, read.ablations(), a.names() + " " + e);
                    assertEquals(e, read.hypernetEmbedding(), a.names() + " " + e);
                    assertEquals(HyperDasParameters.shapes(TARGET, saved).keySet(),
                            HyperDasParameters.shapes(TARGET, read).keySet(), a.names() + " " + e);
                }
            }
        }
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
